"""Forgot password and change password in Chromium, through the clicks a user makes."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = re.compile(r"New password\W*$")  # not "New password confirmation"; crispy marks required fields with *


def test_a_student_who_forgot_their_password_sets_a_new_one_from_the_e_mail(
    demo_world, live_server, page: Page, settings
):
    settings.DEMO = True  # as ./scripts/run-demo.sh runs it
    settings.PORTAL_URL = live_server.url  # where its e-mails link to
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Demo logins")).to_be_visible()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("nw-student01@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    [message] = mail.outbox
    assert message.to == ["nw-student01@example.com"]
    page.goto(re.search(r"https?://\S+", message.body).group())
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    page.get_by_label(NEW).fill("violet-harbour-42")
    page.get_by_label("New password confirmation").fill("violet-harbour-42")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password has been set")).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("nw-student01")
    page.get_by_label("Password").fill("violet-harbour-42")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()


def test_a_signed_in_user_changes_their_password_from_the_user_menu(demo_world, sign_in, live_server, page: Page):
    sign_in(page, "nw-instructor")
    page.get_by_role("button", name="Account of Ian Navarro").click()
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill("wrong-password")
    page.get_by_label(NEW).fill("violet-harbour-42")
    page.get_by_label("New password confirmation").fill("violet-harbour-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your old password was entered incorrectly")).to_be_visible()

    page.get_by_label("Old password").fill("demo-pass-123")
    page.get_by_label(NEW).fill("violet-harbour-42")
    page.get_by_label("New password confirmation").fill("violet-harbour-42")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()

    page.get_by_role("button", name="Account of Ian Navarro").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "nw-instructor", "violet-harbour-42")
    expect(page.get_by_role("heading", name="Welcome, Ian")).to_be_visible()
