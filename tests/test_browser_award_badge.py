"""Award Badge in Chromium: from the badge's profile, a pasted list of usernames, a typo corrected (DESIGN §3.5)."""

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.issued_badges.models import IssuedBadge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_award_a_badge_to_pasted_usernames(demo_world, sign_in, page: Page):
    held = IssuedBadge.objects.filter(badge__name="Cloud Explorer")
    holders = set(held.values_list("recipient__username", flat=True))
    first, second = sorted(
        username
        for username in User.objects.filter(username__startswith="nw-student").values_list("username", flat=True)
        if username not in holders
    )[:2]
    sign_in(page, "nw-admin")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Badges", exact=True).click()
    page.get_by_role("link", name="Cloud Explorer").first.click()
    page.get_by_role("link", name="Award Badge").click()

    to = page.get_by_role("textbox", name="To")
    to.fill(f"{first}\nnw-studnet99")  # a spreadsheet column with a typo
    page.get_by_role("button", name="Award Badge").click()
    expect(page.get_by_text("This username was not found: “nw-studnet99”. Nothing was awarded.")).to_be_visible()
    assert not IssuedBadge.objects.filter(badge__name="Cloud Explorer", recipient__username=first).exists()

    page.get_by_role("textbox", name="To").fill(f"{first}, {second}")
    page.get_by_role("button", name="Award Badge").click()
    expect(page.get_by_role("alert")).to_contain_text("“Cloud Explorer”: 2 awarded.")
    expect(page.get_by_role("heading", name="Issuance of")).to_be_visible()
    expect(page.get_by_text("Username list · by Nadia Walsh")).to_be_visible()
    expect(page.get_by_role("heading", name="The following badges were successfully issued:")).to_be_visible()
    for username in (first, second):
        person = User.objects.get(username=username)
        issued = page.get_by_role("row", name=f"{person.display_name} {username} Cloud Explorer")
        expect(issued).to_be_visible()
    assert set(
        IssuedBadge.objects.filter(badge__name="Cloud Explorer", source="usernames").values_list(
            "recipient__username", flat=True
        )
    ) == {first, second}
