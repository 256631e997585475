"""Forgot password (Django's reset by e-mail) and change password."""

import re
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-harbour-42"


def _signs_in(client, username: str, password: str) -> bool:
    client.logout()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def _without_csrf_token(response) -> str:
    """The page, without its CSRF token (masked afresh on every response)."""
    return re.sub(r'"X-CSRFToken": "\w+"', "", response.content.decode())


def test_the_sign_in_page_links_to_forgot_password(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}">Forgot your password?</a>' in html


def test_password_reset_mails_a_link_that_sets_a_new_password(client, mailoutbox):
    UserFactory(username="ada", email="ada@example.com")
    response = client.post(reverse("password_reset"), {"email": "Ada@Example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    [mail] = mailoutbox
    assert mail.to == ["ada@example.com"]
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    assert mail.subject == "Set a new password for Badges Portal"
    assert "ada" in mail.body and "3 days" in mail.body
    link = urlparse(re.search(r"https?://\S+", mail.body).group())
    # The portal's configured address, as in every e-mail — not the host the request came through (a proxy's).
    assert f"{link.scheme}://{link.netloc}" == settings.PORTAL_URL

    # Django swaps the token in the link for one in the session, then shows the form.
    response = client.get(link.path)
    assert response.status_code == 302
    form_page = client.get(response["Location"])
    assert "Set a new password" in form_page.content.decode()
    response = client.post(response["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your password has been set" in client.get(response["Location"]).content.decode()

    assert _signs_in(client, "ada", NEW_PASSWORD)
    assert not _signs_in(client, "ada", "pass-word-123")
    # The link works once.
    used = client.get(link.path, follow=True).content.decode()
    assert "This link no longer works" in used and "Set password" not in used


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, mailoutbox):
    UserFactory(username="ada", email="ada@example.com")
    known = client.post(reverse("password_reset"), {"email": "ada@example.com"}, follow=True)
    mailoutbox.clear()
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert mailoutbox == []
    assert unknown.redirect_chain == known.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert _without_csrf_token(unknown) == _without_csrf_token(known)
    assert "Check your e-mail" in unknown.content.decode()


def test_change_password_requires_the_old_one_and_then_works(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password("pass-word-123")

    response = client.post(
        reverse("password_change"),
        {"old_password": "pass-word-123", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    assert client.get(reverse("home")).status_code == 200  # still signed in here
    assert _signs_in(client, "ada", NEW_PASSWORD)
    assert not _signs_in(client, "ada", "pass-word-123")


def test_change_password_is_in_the_user_menu(client):
    client.force_login(UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in html


def test_change_password_needs_a_signed_in_user(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
