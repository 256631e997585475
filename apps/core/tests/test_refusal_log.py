"""The refusal log: each refused request is one WARNING line on ``portal.refusals`` naming the actor and address;
answers that are not refusals, and anonymous GETs of missing pages, are not logged."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.api.services import api_key_create

LOGGER = "portal.refusals"


@pytest.fixture
def refusals(caplog):
    """The refusal lines logged during the test, read when called."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    return lambda: [record for record in caplog.records if record.name == LOGGER]


def test_a_page_of_another_role_is_logged_with_the_username_and_address(world, client, refusals):
    client.force_login(world.alpha.instructor)
    assert client.get(reverse("badges:list"), REMOTE_ADDR="203.0.113.9").status_code == 403
    [line] = refusals()
    assert line.levelno == logging.WARNING
    assert line.getMessage() == "Refused 403 GET /badges/: actor alpha-instructor, address 203.0.113.9"
    assert line.refusal == {
        "status": 403, "method": "GET", "path": "/badges/", "actor": "alpha-instructor", "address": "203.0.113.9",
        "csrf": False,
    }  # fmt: skip


def test_another_organizations_object_is_logged_for_a_signed_in_person_but_a_crawlers_404_is_not(
    world, client, refusals
):
    assert client.get("/no-such-page/").status_code == 404  # anonymous GET: crawler noise, not logged
    assert client.post("/no-such-page/").status_code == 404  # anonymous POST: logged
    client.force_login(world.alpha.admin)
    assert client.get(reverse("badges:edit", args=[world.beta.badge.pk])).status_code == 404
    assert [line.getMessage() for line in refusals()] == [
        "Refused 404 POST /no-such-page/: actor anonymous, address 127.0.0.1",
        f"Refused 404 GET /badges/{world.beta.badge.pk}/edit/: actor alpha-admin, address 127.0.0.1",
    ]


def test_a_missing_csrf_token_is_logged_as_such_and_the_answer_is_left_as_it_was(world, refusals):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alpha.admin)
    url = reverse("classes:roster_issue", args=[world.alpha.classroom.pk])
    answer = client.post(url, {"badge": world.alpha.badge.pk, "student": world.alpha.student.pk})
    assert answer.status_code == 403 and b"CSRF" in answer.content
    [line] = refusals()
    assert line.getMessage() == f"Refused 403 POST {url} (CSRF): actor alpha-admin, address 127.0.0.1"
    assert line.refusal["csrf"] is True


def test_query_values_are_never_logged_only_their_names(world, client, refusals):
    client.force_login(world.alpha.student)
    assert client.get(reverse("issued_badges:find"), {"student": "Ada Lovelace", "page": "2"}).status_code == 403
    [line] = refusals()
    assert line.getMessage().startswith("Refused 403 GET /issued-badges/?student&page: actor alpha-student")
    assert "Ada" not in line.getMessage()


def test_a_wrong_method_and_a_control_character_in_the_path(world, client, refusals):
    client.force_login(world.alpha.admin)
    assert client.get(reverse("issued_badges:revoke")).status_code == 405
    assert client.get("/badges/%0AForged line/").status_code == 404
    first, second = (line.getMessage() for line in refusals())
    assert first == "Refused 405 GET /issued-badges/revoke/: actor alpha-admin, address 127.0.0.1"
    assert "\n" not in second and "/badges/\\nForged line/" in second


def test_answers_that_are_not_refusals_are_not_logged(world, client, refusals):
    client.force_login(world.alpha.admin)
    assert client.get(reverse("badges:list")).status_code == 200
    assert client.post(reverse("issued_badges:revoke"), {"ids": [world.alpha.issued.pk]}).status_code == 302
    assert refusals() == []


def test_the_client_address_is_the_one_the_trusted_proxy_saw(world, client, settings, refusals):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(world.alpha.instructor)
    client.get(reverse("badges:list"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44")
    [line] = refusals()
    assert line.refusal["address"] == "192.0.2.44"


def test_the_api_logs_its_keys_name_and_an_unknown_key_as_anonymous(world, refusals):
    api_key, key = api_key_create(organization=world.alpha.org, name="Alpha LMS")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = reverse("api:awards", args=[world.beta.badge.pk])  # another organization's badge
    assert api.post(url, {"recipients": ["alpha-student"]}, format="json").status_code == 404
    own = reverse("api:awards", args=[world.alpha.badge.pk])
    assert api.post(own, {"recipients": "not a list"}, format="json").status_code == 400
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer bp_nothere1_" + "x" * 40)
    assert stranger.get(reverse("api:badges")).status_code == 401
    assert [line.refusal["actor"] for line in refusals()] == [
        f"API key “Alpha LMS” ({api_key.prefix})",
        f"API key “Alpha LMS” ({api_key.prefix})",
        "anonymous",
    ]


def test_a_locked_out_sign_in_is_logged(db, client, settings, refusals):
    settings.AXES_FAILURE_LIMIT = 2
    cache.clear()
    statuses = [
        client.post(reverse("login"), {"username": "nobody", "password": "wrong"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429
    assert refusals()[-1].getMessage() == "Refused 429 POST /accounts/login/: actor anonymous, address 127.0.0.1"


def test_a_post_sent_to_sign_in_is_logged_but_a_get_or_the_sign_ins_own_redirect_is_not(world, client, refusals):
    url = reverse("issued_badges:revoke")
    assert client.get(reverse("badges:list")).status_code == 302  # a bookmark while signed out: not a refusal
    assert client.post(url, {"ids": [world.alpha.issued.pk], "reason": "x"}).status_code == 302
    world.alpha.admin.set_password("right-pass-123")
    world.alpha.admin.save()
    answer = client.post(reverse("login"), {"username": "alpha-admin", "password": "right-pass-123"})
    assert answer.status_code == 302  # signed in: its redirect is not a refusal
    assert [line.getMessage() for line in refusals()] == [f"Refused 302 POST {url}: actor anonymous, address 127.0.0.1"]


def test_an_api_path_no_view_answers_names_the_key_sent_and_a_wrong_media_type_is_logged(world, refusals):
    api_key, key = api_key_create(organization=world.alpha.org, name="Alpha LMS")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.post("/api/v1/badges/abc/awards/", {}, format="json").status_code == 404  # no view: no DRF
    awards = reverse("api:awards", args=[world.alpha.badge.pk])
    assert api.post(awards, "recipients=a", content_type="application/x-www-form-urlencoded").status_code == 415
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION=f"Bearer {key[:-4]}abcd")  # the key's prefix, another secret
    assert forged.post("/api/v1/badges/abc/awards/", {}, format="json").status_code == 404
    named = f"API key “Alpha LMS” ({api_key.prefix})"
    assert [(line.refusal["status"], line.refusal["actor"]) for line in refusals()] == [
        (404, named), (415, named), (404, "anonymous")
    ]  # fmt: skip
