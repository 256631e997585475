"""Sign in and sign out."""

import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from apps.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_has_labelled_fields(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sign in to Badges Portal" in html
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_it_signs_in_and_lands_on_home(client):
    user = UserFactory(username="ada", first_name="Ada")
    response = client.post(reverse("login"), {"username": "ada", "password": "pass-word-123"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"] == user
    assert "Welcome, Ada" in response.content.decode()


def test_a_wrong_password_shows_a_clear_error_and_signs_nobody_in(client):
    UserFactory(username="ada")
    response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_out_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def _readme_demo_logins() -> list[str]:
    """Every username README's "Demo logins" table names (`nw-student01`…`nw-student30` gives both ends)."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return [name for row in rows for name in re.findall(r"`([^`]+)`", row)]


def test_the_demo_hint_lists_every_demo_login_when_the_demo_world_is_loaded(client, settings):
    settings.DEMO = True
    call_command("seed_demo", stdout=StringIO())
    html = client.get(reverse("login")).content.decode()
    hint = html.split('id="demo-hint-title"', 1)[1]
    assert "demo-pass-123" in hint
    logins = _readme_demo_logins()
    assert {"admin", "nw-admin", "cl-admin", "nw-student30", "cl-student10"} <= set(logins)
    assert [name for name in logins if name not in hint] == []


def test_there_is_no_demo_hint_outside_the_demo_even_with_its_data(client, settings):
    """A production database holding the demo organization (seed_demo run on it, or a customer's slug) does not
    advertise the demo logins and their password."""
    call_command("seed_demo", stdout=StringIO())
    settings.DEMO, settings.DEBUG = False, True
    html = client.get(reverse("login")).content.decode()
    assert "demo-pass-123" not in html and "Demo logins" not in html


def test_there_is_no_demo_hint_without_the_demo_world_even_in_debug(client, settings):
    settings.DEBUG, settings.DEMO = True, True
    UserFactory(username="nw-admin")
    html = client.get(reverse("login")).content.decode()
    assert "demo-pass-123" not in html and "Demo logins" not in html
