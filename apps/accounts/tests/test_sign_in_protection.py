"""Sign-in protection: failed sign-ins are counted per account and per address; past the limit sign-in pauses —
even with the right password — with the same words whether the account exists or not; an administrator unlocks
it on the person's profile; forgot password is limited the same way."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.accounts.tests.factories import make_administrator, make_student
from apps.organizations.tests.factories import OrganizationFactory

PASSWORD = "right-pass-123"
LOCKED = "Too many failed sign-in attempts."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()


def _sign_in(client, username, password, address="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def ada(db):
    person = make_student(OrganizationFactory(), username="ada")
    person.set_password(PASSWORD)
    person.save()
    return person


def test_thirty_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, ada):
    answers = [_sign_in(client, "ada", f"wrong-{n}").status_code for n in range(30)]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[5:]) == {429}
    answer = _sign_in(client, "ada", PASSWORD)
    assert answer.status_code == 429 and LOCKED in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_count_is_per_account_whatever_the_letter_case_and_address(client, ada):
    for n in range(5):
        _sign_in(client, "ADA" if n % 2 else "ada", "wrong", address=f"198.51.100.{n}")
    assert _sign_in(client, "ada", PASSWORD, address="192.0.2.1").status_code == 429


def test_one_address_trying_many_accounts_is_paused_too(client, ada):
    for n in range(5):
        _sign_in(client, f"guess{n}", "wrong")
    assert _sign_in(client, "ada", PASSWORD).status_code == 429  # same address
    assert _sign_in(client, "ada", PASSWORD, address="192.0.2.1").status_code == 302  # another address: signed in


def _page(answer) -> str:
    """The page without its per-request CSRF tokens."""
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1…", answer.content.decode())


def test_an_unknown_account_is_answered_exactly_as_a_known_one(client, ada):
    known = [_sign_in(client, "ada", "wrong", address="192.0.2.10") for _ in range(6)]
    unknown = [_sign_in(client, "nobody-here", "wrong", address="192.0.2.20") for _ in range(6)]
    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [200] * 4 + [429] * 2
    assert _page(known[0]).replace("ada", "nobody-here") == _page(unknown[0])
    assert _page(known[-1]) == _page(unknown[-1])


def test_a_success_clears_the_count(client, ada):
    for _ in range(4):
        _sign_in(client, "ada", "wrong")
    assert _sign_in(client, "ada", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _sign_in(client, "ada", "wrong").status_code == 200
    assert _sign_in(client, "ada", PASSWORD).status_code == 302


def test_an_administrator_unlocks_it_on_the_profile_and_nobody_else_can(client, ada):
    admin = make_administrator(ada.organization, username="ada-admin")
    stranger = make_administrator(OrganizationFactory(), username="stranger")
    for _ in range(5):
        _sign_in(client, "ada", "wrong")
    client.force_login(stranger)
    assert client.post(reverse("people:unlock", args=[ada.pk])).status_code == 404
    client.force_login(admin)
    profile = client.get(reverse("people:profile", args=[ada.pk])).content.decode()
    assert "Sign-in to this account is paused" in profile and "Unlock sign-in" in profile
    answer = client.post(reverse("people:unlock", args=[ada.pk]), follow=True)
    assert "can sign in again" in answer.content.decode()
    assert "Sign-in to this account is paused" not in answer.content.decode()
    client.logout()
    assert _sign_in(client, "ada", PASSWORD, address="192.0.2.99").status_code == 302


def test_forgot_password_is_limited_per_email_and_per_address(client, ada, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE = (4, 2)
    url = reverse("password_reset")
    ada.email = "ada@example.org"
    ada.save()
    sent = [client.post(url, {"email": "ada@example.org"}, REMOTE_ADDR=f"198.51.100.{n}") for n in range(3)]
    assert [a.status_code for a in sent] == [302, 302, 200]
    assert "Too many password reset requests" in sent[2].content.decode() and len(mailoutbox) == 2
    # an address with no account is limited alike: nothing tells them apart
    other = [client.post(url, {"email": "nobody@example.org"}, REMOTE_ADDR=f"198.51.100.{n}") for n in range(3)]
    assert [a.status_code for a in other] == [302, 302, 200]
    # one address asking for many e-mail addresses
    many = [client.post(url, {"email": f"x{n}@example.org"}, REMOTE_ADDR="192.0.2.5") for n in range(5)]
    assert [a.status_code for a in many] == [302] * 4 + [200]
    assert len(mailoutbox) == 2


def test_behind_trusted_proxies_the_forwarded_address_counts_and_a_forged_one_does_not(client, ada, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):  # the client forges X-Forwarded-For; the proxy appends the real address
        client.post(reverse("login"), {"username": f"g{n}", "password": "x"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.50")  # fmt: skip
    paused = client.post(reverse("login"), {"username": "ada", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
                         HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.50")  # fmt: skip
    assert paused.status_code == 429
    other = client.post(reverse("login"), {"username": "ada", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
                        HTTP_X_FORWARDED_FOR="203.0.113.51")  # fmt: skip
    assert other.status_code == 302
