"""Open Badges 2.0 hosted documents: every required field, the salted hash of the e-mail, 410 once revoked, and
content negotiation on the verification page."""

import hashlib
import uuid

import pytest
from django.urls import reverse

from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke

from .conftest import BASE_URL, get_json

OB2 = "https://w3id.org/openbadges/v2"


def test_the_assertion_has_every_required_field(client, issue):
    issued = issue()
    response = client.get(reverse("credentials:ob2_assertion", args=[issued.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    document = response.json()
    assert document["@context"] == OB2
    assert document["type"] == "Assertion"
    assert document["id"] == f"{BASE_URL}/openbadges/assertions/{issued.uuid}"
    assert document["badge"] == f"{BASE_URL}/openbadges/badges/{issued.badge_id}"
    assert document["verification"] == {"type": "HostedBadge"}
    assert document["issuedOn"] == issued.issued_at.isoformat().replace("+00:00", "Z")
    recipient = document["recipient"]
    assert (recipient["type"], recipient["hashed"]) == ("email", True)
    salt = recipient["salt"]
    digest = hashlib.sha256((issued.recipient.email.lower() + salt).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${digest}"
    assert issued.recipient.email not in response.content.decode()


def test_the_salt_is_kept_so_the_recipient_hash_never_changes(client, issue):
    issued = issue()
    url = reverse("credentials:ob2_assertion", args=[issued.uuid])
    first, second = client.get(url).json(), client.get(url).json()
    assert first["recipient"] == second["recipient"]
    other = issue()
    assert (
        client.get(reverse("credentials:ob2_assertion", args=[other.uuid])).json()["recipient"]["salt"]
        != (first["recipient"]["salt"])
    )


def test_the_badge_class_and_the_issuer_have_every_required_field(client, issue):
    issued = issue()
    assertion = client.get(reverse("credentials:ob2_assertion", args=[issued.uuid])).json()
    badge = get_json(client, assertion["badge"])
    assert {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"} <= set(badge)
    assert (badge["@context"], badge["type"], badge["id"]) == (OB2, "BadgeClass", assertion["badge"])
    assert badge["name"] == issued.badge.name
    assert badge["criteria"]["narrative"]
    issuer = get_json(client, badge["issuer"])
    assert {"@context", "type", "id", "name", "url", "email"} <= set(issuer)
    assert (issuer["type"], issuer["id"], issuer["name"]) == ("Issuer", badge["issuer"], issued.badge.organization.name)
    assert issuer["id"] == f"{BASE_URL}/openbadges/issuers/{issued.badge.organization.slug}"
    image = client.get(badge["image"].removeprefix(BASE_URL))
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")


def test_a_revoked_assertion_answers_410_with_the_reason(client, world, issue):
    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    response = client.get(reverse("credentials:ob2_assertion", args=[issued.uuid]))
    assert response.status_code == 410
    assert response.json() == {
        "@context": OB2,
        "type": "Assertion",
        "id": f"{BASE_URL}/openbadges/assertions/{issued.uuid}",
        "revoked": True,
        "revocationReason": "Issued by mistake",
    }
    issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="Earned after all")
    assert client.get(reverse("credentials:ob2_assertion", args=[issued.uuid])).status_code == 200


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json"])
def test_the_verification_page_answers_the_assertion_to_json_clients(client, issue, accept):
    issued = issue()
    response = client.get(reverse("credentials:verify", args=[issued.uuid]), headers={"Accept": accept})
    assert response.status_code == 200
    assert response.json()["id"] == f"{BASE_URL}/openbadges/assertions/{issued.uuid}"
    assert "Accept" in response["Vary"]
    page = client.get(
        reverse("credentials:verify", args=[issued.uuid]), headers={"Accept": "text/html,application/xhtml+xml,*/*"}
    )
    assert page["Content-Type"].startswith("text/html")


def test_a_revoked_badge_answers_410_to_json_clients_of_its_page(client, world, issue):
    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Cheated")
    response = client.get(reverse("credentials:verify", args=[issued.uuid]), headers={"Accept": "application/ld+json"})
    assert (response.status_code, response.json()["revoked"]) == (410, True)


@pytest.mark.parametrize(
    "path",
    [
        "/openbadges/assertions/{uuid}",
        "/verify/{uuid}/",
        "/openbadges/credentials/{uuid}.json",
        "/verify/{uuid}/badge.png",
        "/verify/{uuid}/signature.png",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, db, path):
    assert client.get(path.format(uuid=uuid.uuid4())).status_code == 404
    assert client.get(path.format(uuid="not-a-uuid")).status_code == 404
    assert client.get(path.format(uuid=uuid.uuid4()), headers={"Accept": "application/ld+json"}).status_code == 404


def test_unknown_badges_and_issuers_are_404(client, db):
    assert client.get("/openbadges/badges/999999").status_code == 404
    assert client.get("/openbadges/badges/999999/image").status_code == 404
    assert client.get("/openbadges/issuers/nobody").status_code == 404
    assert client.get("/organizations/nobody/did.json").status_code == 404
    assert client.get("/openbadges/status/nobody/1").status_code == 404
