"""The User profile in Chromium (issue 13 item 6): find a person on People, open their profile, assign a badge
from the drop-down and see it listed at once, then revoke it with a reason."""

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.issued_badges.models import IssuedBadge, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_person_assign_a_badge_on_their_profile_then_revoke_it(demo_world, sign_in, page: Page):
    student = User.objects.get(username="nw-student07")
    sign_in(page, "nw-admin")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search people").fill(f"{student.last_name} {student.first_name}")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("row").filter(has_text="nw-student07").get_by_role("link", name=student.display_name).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(student.display_name)
    expect(page.get_by_role("region", name="Details")).to_contain_text("Northwind Academy")
    expect(page.get_by_role("region", name="Classes")).to_contain_text("Cloud Fundamentals")
    badges = page.get_by_role("region", name="Badges", exact=True)
    expect(badges.get_by_role("article")).to_have_count(0)

    choice = page.get_by_label(f"Badge to assign to {student.display_name}")
    expect(choice.locator("option", has_text="Cloud Architect")).to_have_count(0)  # manual issuance off
    choice.select_option(label="Cloud Explorer")
    page.get_by_role("button", name="Assign Badge").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Cloud Explorer was issued to {student.display_name}.")
    card = badges.get_by_role("article", name="Cloud Explorer")
    expect(card).to_contain_text("Active")
    expect(card).to_contain_text("User profile")
    expect(choice.locator("option", has_text="Cloud Explorer (held)")).to_be_disabled()
    issued = IssuedBadge.objects.get(recipient=student, badge__name="Cloud Explorer")
    assert issued.source == Source.PROFILE and issued.issued_by.username == "nw-admin"

    card.get_by_role("button", name="Revoke Badge").click()
    revoke = page.get_by_role("dialog", name="Revoke Badge")
    expect(revoke).to_contain_text(f"Revoke Cloud Explorer of {student.display_name}?")
    expect(revoke.get_by_label("Reason")).to_be_focused()
    revoke.get_by_label("Reason").fill("Assigned to the wrong student")
    revoke.get_by_role("button", name="Revoke Badge").click()
    expect(page.get_by_role("alert")).to_contain_text("was revoked.")
    expect(page).to_have_url(f"{page.url.split('/users/')[0]}/users/{student.pk}/")  # back on the profile
    card = badges.get_by_role("article", name="Cloud Explorer")
    expect(card).to_contain_text("Revoked")
    expect(card).to_contain_text("Reason: “Assigned to the wrong student”")
    expect(card.get_by_role("button", name="Reinstate")).to_be_visible()
    issued.refresh_from_db()
    assert issued.is_revoked and issued.revocation_reason == "Assigned to the wrong student"
