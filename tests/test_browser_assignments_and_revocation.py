"""Course assignment issuance, Find Issued Badges, the student's page and revocation, in Chromium (issue 4)."""

import pytest
from playwright.sync_api import Page, expect

from apps.issued_badges.models import IssuedBadge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nav(page: Page, label: str):
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=label, exact=True).click()


def test_issue_from_a_course_assignment_then_find_it_and_see_it_on_the_students_page(demo_world, sign_in, page: Page):
    sign_in(page, "nw-admin")
    _nav(page, "Course Assignments")
    page.get_by_role("link", name="Cloud Networking Essentials").click()
    page.get_by_role("toolbar", name="Quick access").get_by_role("button", name="Issue a Badge").click()
    dialog = page.get_by_role("dialog", name="Choose Badge")
    expect(dialog).to_contain_text("nw-student21")
    dialog.get_by_role("listitem").filter(has_text="Cloud Explorer").get_by_role(
        "button", name="Select a Badge"
    ).click()
    expect(dialog.get_by_role("button", name="Successfully Issued Badge")).to_be_visible()
    expect(dialog).to_be_hidden(timeout=5000)

    _nav(page, "Find Issued Badges")
    page.get_by_label("Student").fill("nw-student21")
    page.get_by_label("Source").select_option(label="Course assignment")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="1 issued badge")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="nw-student21")
    expect(row).to_contain_text("Cloud Explorer")
    expect(row).to_contain_text("Cloud Networking Essentials")

    row.get_by_role("link").first.click()  # the student's name
    expect(page.get_by_text("Achievements/Badges")).to_be_visible()
    card = page.get_by_role("article").filter(has_text="Cloud Explorer")
    expect(card).to_contain_text("Course assignment")
    assert IssuedBadge.objects.get(recipient__username="nw-student21").source == "assignment"


def test_revoke_with_a_reason_then_the_students_page_says_revoked(demo_world, sign_in, page: Page, browser):
    sign_in(page, "nw-admin")
    _nav(page, "Classes")
    page.get_by_role("link", name="Cloud Fundamentals").click()
    page.get_by_role("row").filter(has_text="nw-student09").get_by_role("button", name="Issue a Badge").click()
    dialog = page.get_by_role("dialog", name="Choose Badge")
    dialog.get_by_role("listitem").filter(has_text="Lab Pioneer").get_by_role("button", name="Select a Badge").click()
    expect(dialog).to_be_hidden(timeout=5000)

    _nav(page, "Find Issued Badges")
    page.get_by_label("Student").fill("nw-student09")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("row").filter(has_text="nw-student09").get_by_role("link", name="Lab Pioneer", exact=True).click()
    page.get_by_role("button", name="Revoke Badge").click()
    revoke = page.get_by_role("dialog", name="Revoke Badge")
    expect(revoke.get_by_label("Reason")).to_be_focused()
    revoke.get_by_role("button", name="Revoke Badge").click()  # no reason: the browser asks for one
    expect(revoke).to_be_visible()
    revoke.get_by_label("Reason").fill("Lab done by someone else")
    revoke.get_by_role("button", name="Revoke Badge").click()
    expect(page.get_by_role("alert")).to_contain_text("was revoked.")
    expect(page.get_by_role("list").filter(has_text="Lab done by someone else")).to_be_visible()

    # The student sees it marked.
    context = browser.new_context()
    student_page = sign_in(context.new_page(), "nw-student09")
    student_page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My Badges").click()
    card = student_page.get_by_role("article", name="Lab Pioneer")
    expect(card.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(card).to_contain_text("Reason: “Lab done by someone else”")  # the student sees why
    issued = IssuedBadge.objects.get(recipient__username="nw-student09", badge__name="Lab Pioneer")
    assert issued.is_revoked and issued.revocation_reason == "Lab done by someone else"

    # Reinstate asks for confirmation and a reason, which the history keeps.
    page.get_by_role("button", name="Reinstate").click()
    reinstate = page.get_by_role("dialog", name="Reinstate")
    expect(reinstate).to_contain_text("Reinstate Lab Pioneer of")
    expect(reinstate.get_by_label("Reason")).to_be_focused()
    reinstate.get_by_role("button", name="Reinstate").click()  # no reason: the browser asks for one
    expect(reinstate).to_be_visible()
    issued.refresh_from_db()
    assert issued.is_revoked
    reinstate.get_by_label("Reason").fill("Checked again: the lab was theirs")
    reinstate.get_by_role("button", name="Reinstate").click()
    expect(page.get_by_role("alert")).to_contain_text("was reinstated.")
    expect(page.get_by_role("list").filter(has_text="Checked again: the lab was theirs")).to_be_visible()
    student_page.reload()
    expect(card.get_by_text("Revoked", exact=True)).to_be_hidden()
    context.close()
    issued.refresh_from_db()
    assert not issued.is_revoked
