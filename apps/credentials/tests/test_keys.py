"""Signing keys: made at first need, the private key encrypted at rest, published in the DID document, and
rotation keeps the earlier keys there so that earlier credentials still verify."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from openbadgeslib.ob3 import OB3LdpVerifier

from apps.credentials.keys import decrypt_private_key, signing_key_get
from apps.credentials.models import SigningKey


def _credential(client, issued) -> dict:
    return client.get(reverse("credentials:ob3_credential", args=[issued.uuid])).json()


def test_the_private_key_is_not_stored_in_plaintext(world):
    pair = signing_key_get(organization_id=world.alpha.org.pk)
    assert pair.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {SigningKey._meta.db_table}")  # noqa: S608 - our table
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "PRIVATE KEY" not in stored
    body = b"".join(pair.private_pem.splitlines()[1:-1]).decode()
    assert body not in stored
    assert decrypt_private_key(pair.key.private_key_encrypted) == pair.private_pem


def test_one_active_key_per_organization_made_once(world):
    first = signing_key_get(organization_id=world.alpha.org.pk)
    assert signing_key_get(organization_id=world.alpha.org.pk).key.pk == first.key.pk
    assert signing_key_get(organization_id=world.beta.org.pk).key.pk != first.key.pk
    assert SigningKey.objects.filter(organization=world.alpha.org).count() == 1


def test_production_without_credentials_key_is_a_clear_error(world, settings):
    settings.CREDENTIALS_KEY = ""
    settings.DEBUG, settings.DEMO = False, False
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEY"):
        signing_key_get(organization_id=world.alpha.org.pk)
    settings.DEMO = True  # the demo signs with its development key
    assert signing_key_get(organization_id=world.alpha.org.pk).private_pem


def test_a_changed_credentials_key_is_a_clear_error_and_an_old_one_after_it_still_decrypts(world, settings):
    from cryptography.fernet import Fernet

    old = settings.CREDENTIALS_KEY
    pair = signing_key_get(organization_id=world.alpha.org.pk)
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        signing_key_get(organization_id=world.alpha.org.pk)
    settings.CREDENTIALS_KEY = f"{settings.CREDENTIALS_KEY},{old}"
    assert signing_key_get(organization_id=world.alpha.org.pk).private_pem == pair.private_pem


def test_the_did_document_publishes_the_organizations_keys(client, world):
    pair = signing_key_get(organization_id=world.alpha.org.pk)
    response = client.get("/organizations/alpha/did.json")
    assert response.status_code == 200
    document = response.json()
    did = "did:web:badges.example.org%3A8443:organizations:alpha"
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {
            "id": f"{did}#{pair.public_key_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": pair.public_key_multibase,
        }
    ]
    assert document["assertionMethod"] == [f"{did}#{pair.public_key_multibase}"]
    assert "private" not in response.content.decode().lower()


def test_rotation_keeps_the_old_key_published_and_old_credentials_verifiable(client, world, issue, fetch):
    before = issue()
    old_document = _credential(client, before)
    call_command("credentials_rotate_key", "--organization", "alpha", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = issue()
    new_document = _credential(client, after)
    assert new_document["proof"]["verificationMethod"] != old_document["proof"]["verificationMethod"]

    methods = [m["id"] for m in client.get("/organizations/alpha/did.json").json()["verificationMethod"]]
    assert methods == [new_document["proof"]["verificationMethod"], old_document["proof"]["verificationMethod"]]
    for document in (old_document, new_document):
        OB3LdpVerifier().verify(document, check_status=True, download=fetch)
    keys = SigningKey.objects.filter(organization=world.alpha.org).order_by("created_at")
    assert [k.retired_at is None for k in keys] == [False, True]


def test_the_rotation_command_refuses_an_unknown_organization(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("credentials_rotate_key", "--organization", "nobody")


def test_without_a_credentials_key_signed_documents_answer_503_and_the_page_hides_their_links(client, issue, settings):
    from django.core.checks import run_checks

    settings.CREDENTIALS_KEY = ""
    settings.DEBUG, settings.DEMO = False, False
    issued = issue()
    for url in (
        reverse("credentials:ob3_credential", args=[issued.uuid]),
        reverse("credentials:baked_png", args=[issued.uuid]),
        reverse("credentials:baked_svg", args=[issued.uuid]),
    ):
        response = client.get(url)
        assert response.status_code == 503
        assert "CREDENTIALS_KEY" in response.json()["detail"]
    html = client.get(reverse("credentials:verify", args=[issued.uuid])).content.decode()
    assert reverse("credentials:ob3_credential", args=[issued.uuid]) not in html
    assert reverse("credentials:did", args=["alpha"]) not in html
    assert client.get(reverse("credentials:ob2_assertion", args=[issued.uuid])).status_code == 200  # no key needed
    assert client.get(reverse("credentials:did", args=["alpha"])).json()["verificationMethod"] == []
    assert [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("credentials")] == [
        "credentials.W001"
    ]
