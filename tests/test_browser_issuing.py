"""Issuing by hand in Chromium, clicking what a user clicks (DESIGN §4, issue 3)."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.issued_badges.models import IssuedBadge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_roster(page: Page):
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Classes").click()
    page.get_by_role("link", name="Cloud Fundamentals").click()
    expect(page.get_by_role("heading", name="Roster")).to_be_visible()


def _row(page: Page, username: str):
    return page.get_by_role("row").filter(has_text=username)


def test_issue_one_badge_from_the_roster(demo_world, sign_in, page: Page):
    sign_in(page, "nw-instructor")
    _open_roster(page)
    # The button is announced with its student's name (its tooltip stays "Issue a Badge").
    _row(page, "nw-student03").get_by_role("button", name="Issue a Badge to Maya Smith", exact=True).click()

    dialog = page.get_by_role("dialog", name="Choose Badge")
    expect(dialog.get_by_text("Cloud Explorer")).to_be_visible()
    expect(dialog.get_by_text("Cloud Architect")).to_have_count(0)  # manual issuance off
    dialog.get_by_label("Search badges").fill("pioneer")
    expect(dialog.get_by_text("Cloud Explorer")).to_be_hidden()
    dialog.get_by_role("listitem").filter(has_text="Lab Pioneer").get_by_role("button", name="Select a Badge").click()

    expect(dialog.get_by_role("button", name="Successfully Issued Badge")).to_be_visible()
    expect(dialog).to_be_hidden(timeout=5000)
    expect(_row(page, "nw-student03").get_by_text("Lab Pioneer")).to_be_visible()
    issued = IssuedBadge.objects.get(recipient__username="nw-student03", badge__name="Lab Pioneer")
    assert issued.source == "roster" and issued.issued_by.username == "nw-instructor"


def test_a_failure_is_shown_inside_the_dialog(demo_world, sign_in, page: Page):
    sign_in(page, "nw-admin")
    _open_roster(page)
    _row(page, "nw-student04").get_by_role("button", name="Issue a Badge").click()
    dialog = page.get_by_role("dialog", name="Choose Badge")
    expect(dialog.get_by_text("Cloud Explorer")).to_be_visible()
    # Meanwhile an administrator switches Enable Manual Issuance off.
    Badge.objects.filter(name="Cloud Explorer").update(manual_issuance_enabled=False)
    dialog.get_by_role("listitem").filter(has_text="Cloud Explorer").get_by_role(
        "button", name="Select a Badge"
    ).click()
    expect(dialog.get_by_role("alert")).to_contain_text("Cloud Explorer is not enabled for manual issuance.")
    expect(dialog).to_be_visible()
    assert not IssuedBadge.objects.filter(recipient__username="nw-student04").exists()


def test_batch_issuance_with_one_failure_shows_the_warning_and_both_lists(demo_world, sign_in, page: Page):
    classroom = Classroom.objects.get(title="Cloud Fundamentals")
    sign_in(page, "nw-admin")
    _open_roster(page)
    # nw-student01 already holds Cloud Explorer: that pair will fail.
    _row(page, "nw-student01").get_by_role("button", name="Issue a Badge").click()
    page.get_by_role("dialog", name="Choose Badge").get_by_role("listitem").filter(
        has_text="Cloud Explorer"
    ).get_by_role("button", name="Select a Badge").click()
    expect(page.get_by_role("dialog", name="Choose Badge")).to_be_hidden(timeout=5000)

    page.get_by_role("toolbar", name="Quick launch").get_by_role("link", name="Issue Badges").click()
    expect(page).to_have_url(re.compile(rf"/classes/{classroom.pk}/issue-badges/"))
    page.get_by_role("button", name="Add Badges").click()
    badges_dialog = page.get_by_role("dialog", name="Choose Badges")
    badges_dialog.get_by_label("Cloud Explorer").check()
    badges_dialog.get_by_role("button", name="Select a Badge").click()
    expect(page.get_by_role("list", name="Badges to issue")).to_contain_text("Cloud Explorer")

    page.get_by_role("button", name="Add Students").click()
    students_dialog = page.get_by_role("dialog", name="Choose Student(s)")
    students_dialog.get_by_label("Search students").fill("nw-student0")
    for username in ("nw-student01", "nw-student02", "nw-student05"):
        students_dialog.get_by_role("listitem").filter(has_text=username).get_by_role("checkbox").check()
    students_dialog.get_by_role("button", name="OK").click()
    chosen = page.get_by_role("list", name="Students to receive the badges")
    expect(chosen.get_by_role("listitem")).to_have_count(3)
    chosen.get_by_role("listitem").filter(has_text="nw-student05").get_by_role("button").click()  # remove one
    expect(chosen.get_by_role("listitem")).to_have_count(2)

    page.get_by_role("button", name="Issue Badges").click()
    expect(
        page.get_by_text("Warning: Not all badges were successfully issued. See the Failed Badge list for details.")
    ).to_be_visible()
    expect(page.get_by_text("The following badges were successfully issued:")).to_be_visible()
    expect(page.locator("#issued-list")).to_contain_text("nw-student02")
    expect(page.get_by_text("The following badge issuances failed:")).to_be_visible()
    expect(page.locator("#failed-list")).to_contain_text("has already earned Cloud Explorer")
    assert not IssuedBadge.objects.filter(recipient__username="nw-student05").exists()
    assert IssuedBadge.objects.get(recipient__username="nw-student02").source == "batch"


def test_enable_manual_issuance_off_hides_the_badge_and_on_shows_it_again(demo_world, sign_in, page: Page):
    sign_in(page, "nw-admin")

    def set_manual_issuance(on: bool):
        page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Badges", exact=True).click()
        page.get_by_role("link", name="Cloud Explorer").click()
        page.get_by_role("link", name="Edit").click()
        expect(page.get_by_role("tab", name="Basic Information")).to_have_attribute("aria-selected", "true")
        checkbox = page.get_by_label("Enable Manual Issuance")
        checkbox.check() if on else checkbox.uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Badge “Cloud Explorer” saved.")).to_be_visible()

    def dialog_badges():
        _open_roster(page)
        _row(page, "nw-student07").get_by_role("button", name="Issue a Badge").click()
        dialog = page.get_by_role("dialog", name="Choose Badge")
        expect(dialog.get_by_text("Lab Pioneer")).to_be_visible()
        return dialog

    set_manual_issuance(False)
    dialog = dialog_badges()
    expect(dialog.get_by_text("Cloud Explorer")).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    set_manual_issuance(True)
    expect(dialog_badges().get_by_text("Cloud Explorer")).to_be_visible()


def test_choose_students_of_an_organization_instructor_and_of_a_contract_instructor(
    demo_world, sign_in, browser, live_server
):
    lists = {}
    for username in ("nw-instructor", "contractor"):
        context = browser.new_context()
        page = sign_in(context.new_page(), username)
        _open_roster(page)
        page.get_by_role("toolbar", name="Quick launch").get_by_role("link", name="Issue Badges").click()
        page.get_by_role("button", name="Add Students").click()
        dialog = page.get_by_role("dialog", name="Choose Student(s)")
        expect(dialog.get_by_role("checkbox", name="Select all")).to_be_visible()
        lists[username] = dialog.locator("#choose-students-list li").all_inner_texts()
        context.close()
    assert len(lists["nw-instructor"]) == 20
    assert all("Northwind Academy" in item for item in lists["nw-instructor"])
    assert len(lists["contractor"]) == 25
    assert sum("Contoso Learning" in item for item in lists["contractor"]) == 5


def test_the_choose_students_dialog_edits_the_review_list_and_keeps_focus(demo_world, sign_in, page: Page):
    sign_in(page, "nw-admin")
    _open_roster(page)
    page.get_by_role("toolbar", name="Quick launch").get_by_role("link", name="Issue Badges").click()
    page.get_by_role("button", name="Add Students").click()
    dialog = page.get_by_role("dialog", name="Choose Student(s)")
    search = dialog.get_by_label("Search students")
    expect(search).to_be_focused()
    search.fill("cl-student")
    dialog.get_by_role("checkbox", name="Select all").check()
    expect(dialog.get_by_text("5 selected")).to_be_visible()
    dialog.get_by_role("button", name="OK").click()
    chosen = page.get_by_role("list", name="Students to receive the badges")
    expect(chosen.get_by_role("listitem")).to_have_count(5)

    page.get_by_role("button", name="Add Students").click()
    expect(dialog.get_by_text("5 selected")).to_be_visible()  # what is chosen opens ticked
    dialog.get_by_role("listitem").filter(has_text="cl-student02").get_by_role("checkbox").uncheck()
    dialog.get_by_role("button", name="OK").click()
    expect(chosen.get_by_role("listitem")).to_have_count(4)
    expect(chosen).not_to_contain_text("cl-student02")


def test_the_keyboard_stays_in_place_around_the_choose_badge_dialog(demo_world, sign_in, page: Page):
    sign_in(page, "nw-instructor")
    _open_roster(page)
    _row(page, "nw-student06").get_by_role("button", name="Issue a Badge").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Choose Badge")
    expect(dialog.get_by_label("Search badges")).to_be_focused()
    dialog.get_by_role("listitem").filter(has_text="Cloud Explorer").get_by_role(
        "button", name="Select a Badge"
    ).focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Successfully Issued Badge")).to_be_focused()
    expect(dialog).to_be_hidden(timeout=5000)
    expect(_row(page, "nw-student06").get_by_role("button", name="Issue a Badge")).to_be_focused()
