"""API keys: made on the page (shown once, stored hashed, a visible prefix) or by the management command,
revoked on the page; a key acts for its organization and its children only."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from apps.api.models import ApiKey, key_digest

from .conftest import api_client

KEYS = reverse("api:keys")
BADGES = reverse("api:badges")


def test_an_administrator_creates_a_key_shown_once_and_stored_hashed(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(KEYS, {"organization": world.alpha.org.pk, "name": "Lab host"}, follow=True)
    html = response.content.decode()
    key = re.search(r'value="(bp_[0-9a-f]{8}_[^"]+)"', html).group(1)
    stored = ApiKey.objects.get()
    assert (stored.organization, stored.name, stored.created_by) == (world.alpha.org, "Lab host", world.alpha.admin)
    assert stored.digest == key_digest(key) and key not in {stored.prefix, stored.digest}
    assert f"bp_{stored.prefix}_…" in html and "it is shown this once" in html
    again = client.get(KEYS).content.decode()
    assert key not in again and f"bp_{stored.prefix}_…" in again  # never shown again; the prefix names it
    caller = APIClient()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert caller.get(BADGES).status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_a_key_is_made_for_an_administered_organization_only_with_a_name(world, client):
    client.force_login(world.alpha.admin)
    response = client.post(KEYS, {"organization": world.beta.org.pk, "name": "Sneaky"})
    assert "Select a valid choice" in response.content.decode() and not ApiKey.objects.exists()
    response = client.post(KEYS, {"organization": world.alpha.org.pk, "name": "   "})
    assert "This field is required." in response.content.decode() and not ApiKey.objects.exists()


@pytest.mark.parametrize("persona", ["instructor", "student"])
def test_only_administrators_see_the_page(world, client, persona):
    client.force_login(getattr(world.alpha, persona))
    assert client.get(KEYS).status_code == 403


def test_a_revoked_key_answers_401_and_another_organizations_key_cannot_be_revoked(world, client):
    alpha = api_client(world.alpha.org, "Learning platform")
    beta = api_client(world.beta.org)
    client.force_login(world.alpha.admin)
    assert client.post(reverse("api:key_revoke", args=[beta.api_key.pk])).status_code == 404
    response = client.post(reverse("api:key_revoke", args=[alpha.api_key.pk]), follow=True)
    assert "was revoked: it no longer works." in response.content.decode()
    answer = alpha.get(BADGES)
    assert answer.status_code == 401 and answer.json() == {"detail": "This API key was revoked."}
    assert answer["WWW-Authenticate"] == "Bearer"
    assert beta.get(BADGES).status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer bp_nothere_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "Token abc", "Bearer a b"],
)
def test_a_missing_or_wrong_key_is_401_in_json(world, header):
    caller = APIClient()
    if header:
        caller.credentials(HTTP_AUTHORIZATION=header)
    answer = caller.get(BADGES)
    assert answer.status_code == 401 and answer["Content-Type"] == "application/json" and "detail" in answer.json()


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(world):
    good = api_client(world.alpha.org)
    caller = APIClient()
    caller.credentials(HTTP_AUTHORIZATION=f"Bearer bp_{good.api_key.prefix}_{'x' * 43}")
    assert caller.get(BADGES).json() == {"detail": "This API key is not valid."}


def test_the_command_prints_the_key_alone_on_its_last_line(world):
    out = StringIO()
    call_command("api_key", "create", "--organization", world.alpha.org.slug, "--name", "HR system", stdout=out)
    key = out.getvalue().splitlines()[-1]
    stored = ApiKey.objects.get(name="HR system")
    assert stored.organization == world.alpha.org and stored.digest == key_digest(key)
    with pytest.raises(CommandError, match="No organization “nope”"):
        call_command("api_key", "create", "--organization", "nope", "--name", "x", stdout=StringIO())


def test_a_key_acts_for_its_organization_and_children_only(world, alpha_api):
    names = {badge["name"] for badge in alpha_api.get(BADGES).json()["results"]}
    assert names == {world.alpha.badge.name, world.alpha.child_badge.name}
    child = api_client(world.alpha.child)
    assert {b["name"] for b in child.get(BADGES).json()["results"]} == {world.alpha.child_badge.name}
    assert alpha_api.get(reverse("api:issued_badge", args=[world.beta.issued.uuid])).status_code == 404
