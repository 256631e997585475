"""A first browser test: sign in as nw-admin in Chromium and see the navigation."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_nw_admin_signs_in_and_sees_the_navigation(live_server, page: Page):
    call_command("seed_demo", verbosity=0)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    page.get_by_label("Username").fill("nw-admin")
    page.get_by_label("Password").fill("demo-pass-123")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Welcome, Nadia")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main navigation")
    for label in ("Classes", "Badges", "My Badges"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text("Cloud Fundamentals").first).to_be_visible()

    page.get_by_role("button", name="Account of Nadia Walsh").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_wrong_password_is_refused_with_a_message(live_server, page: Page):
    call_command("seed_demo", verbosity=0)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("nw-admin")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
