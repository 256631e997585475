"""At a 390 px phone width (issue 12): Find Issued Badges lists cards, not a sideways table, and the Choose Badge
dialog keeps a long badge name and its description readable beside, not under, the Select a Badge button."""

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import User
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Supercalifragilisticexpialidocious-Cloud-Networking-Champion-2026"
DESCRIPTION = "Recognises a student who designed, deployed and documented a resilient multi-region network."


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@pytest.fixture
def long_badge(demo_world):
    cloud = Classroom.objects.get(title="Cloud Fundamentals")
    badge = Badge.objects.create(
        organization=cloud.organization, name=LONG_NAME, description=DESCRIPTION, manual_issuance_enabled=True
    )
    students = User.objects.filter(username__in=["nw-student01", "nw-student02"])
    badges_issue(
        IssueRequest(
            badge_ids=[badge.pk], recipient_ids=[s.pk for s in students], actor=User.objects.get(username="nw-admin"),
            source=Source.ROSTER, classroom=cloud,
        )
    )  # fmt: skip
    return badge


def _no_sideways_scroll(page: Page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_find_issued_badges_is_a_list_of_cards(long_badge, sign_in, phone: Page, live_server):
    sign_in(phone, "nw-admin")
    phone.goto(f"{live_server.url}/issued-badges/")
    expect(phone.get_by_role("heading", name="2 issued badges")).to_be_visible()
    expect(phone.get_by_role("columnheader", name="Student")).to_be_hidden()  # no table header: cards
    card = phone.get_by_role("row").filter(has_text="nw-student01")
    for label in ("Badge", "Organization", "Issued on", "Source", "Issued by", "Status"):
        expect(card.locator(f'td[data-label="{label}"]')).to_be_visible()
    expect(card).to_contain_text("Cloud Fundamentals")  # the source, hidden from a narrow table, is on the card
    name, link = card.locator(".stack-title"), card.get_by_role("link", name=LONG_NAME, exact=True)
    assert name.bounding_box()["height"] < 60  # the student's name on one line, not wrapped over four
    assert link.bounding_box()["x"] + link.bounding_box()["width"] <= 390
    expect(phone.get_by_role("navigation", name="Sort issued badges")).to_be_visible()
    _no_sideways_scroll(phone)


def test_choose_badge_keeps_a_long_name_clear_of_its_button(long_badge, sign_in, phone: Page):
    sign_in(phone, "nw-admin")
    phone.get_by_role("button", name="Toggle navigation").click()
    phone.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Classes").click()
    phone.get_by_role("link", name="Cloud Fundamentals").click()
    phone.get_by_role("button", name="Issue a Badge to Noah Kowalski", exact=True).click()
    dialog = phone.get_by_role("dialog", name="Choose Badge")
    item = dialog.get_by_role("listitem").filter(has_text=LONG_NAME)
    name = item.get_by_text(LONG_NAME, exact=True)
    button = item.get_by_role("button", name="Select a Badge")
    expect(button).to_be_visible()
    name_box, button_box = name.bounding_box(), button.bounding_box()
    overlaps = not (
        name_box["x"] + name_box["width"] <= button_box["x"]
        or button_box["x"] + button_box["width"] <= name_box["x"]
        or name_box["y"] + name_box["height"] <= button_box["y"]
        or button_box["y"] + button_box["height"] <= name_box["y"]
    )
    assert not overlaps
    assert name_box["x"] + name_box["width"] <= 390
    description = item.get_by_text(DESCRIPTION)
    assert description.bounding_box()["height"] > 30  # more than one line: not cut to two words
    _no_sideways_scroll(phone)
