"""In Chromium, signed out: the verification page of a badge says Valid and its Copy link button puts the page's
address on the clipboard; once revoked, the same page says Revoked with the reason and offers no sharing."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from apps.credentials.share import linkedin_add_url
from apps.issued_badges.services import issued_badges_revoke

from .conftest import BASE_URL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_verifies_a_badge_copies_its_link_and_sees_it_revoked(live_server, page: Page, world, issue):
    issued = issue()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + reverse("credentials:verify", args=[issued.uuid]))

    expect(page.get_by_role("heading", name=issued.badge.name)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Valid")
    expect(page.get_by_text(f"Issued to {issued.recipient.display_name}")).to_be_visible()
    expect(page.get_by_role("link", name="Add to LinkedIn profile")).to_have_attribute("href", linkedin_add_url(issued))

    copy = page.get_by_role("button", name="Copy link")
    copy.click()
    expect(page.get_by_role("button", name="Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{BASE_URL}/verify/{issued.uuid}/"

    page.get_by_role("button", name="Copy e-mail signature").click()
    expect(page.get_by_role("button", name="Signature copied")).to_be_visible()
    assert f"{BASE_URL}/verify/{issued.uuid}/signature.png" in page.evaluate("navigator.clipboard.readText()")

    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    page.reload()
    expect(page.get_by_role("status").first).to_contain_text("Revoked")
    expect(page.get_by_role("status").first).to_contain_text("Issued by mistake")
    expect(page.get_by_role("link", name="Add to LinkedIn profile")).to_have_count(0)
    expect(page.get_by_role("button", name="Copy link")).to_have_count(0)
