"""Open Badges 3.0: the OpenBadgeCredential verifies with openbadgeslib's own verifier (its did:web resolved from
the portal's did.json, its status read from the portal's list), fails once a byte of it changes, and is signed
once — at its first request, not in the issuing transaction."""

import copy
import json

import pytest
from django.urls import reverse
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError
from openbadgeslib.util import hash_email

from apps.credentials.identifiers import did_web
from apps.credentials.models import IssuedCredential

from .conftest import BASE_URL


def _credential(client, issued) -> dict:
    response = client.get(reverse("credentials:ob3_credential", args=[issued.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    return response.json()


def test_the_credential_is_an_open_badge_credential_signed_by_the_organizations_did_web(client, issue):
    issued = issue()
    document = _credential(client, issued)
    assert document["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"] == "did:web:badges.example.org%3A8443:organizations:alpha"
    assert document["issuer"]["id"] == did_web(issued.badge.organization.slug)
    assert document["credentialSubject"]["achievement"]["name"] == issued.badge.name
    proof = document["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    assert proof["verificationMethod"].startswith(document["issuer"]["id"] + "#z6Mk")
    status = document["credentialStatus"]
    assert (status["type"], status["statusPurpose"]) == ("BitstringStatusListEntry", "revocation")
    assert status["statusListCredential"] == f"{BASE_URL}/openbadges/status/alpha/1"
    assert issued.recipient.email not in json.dumps(document)


def test_the_credential_verifies_with_the_librarys_verifier_through_did_web_and_its_status(client, issue, fetch):
    issued = issue()
    document = _credential(client, issued)
    verified = OB3LdpVerifier().verify(document, check_status=True, download=fetch)
    assert verified.issuer.id == document["issuer"]["id"]
    assert verified.achievement.name == issued.badge.name
    # The recipient: no e-mail, its salted hash (a verifier given the e-mail checks it so).
    [identity] = verified.identifiers
    assert verified.recipient_id is None
    assert identity.identity_hash == "sha256$" + hash_email(issued.recipient.email, identity.salt).decode()
    # Anchored to the issuer's DID, as a relying party that knows the organization would verify it.
    OB3LdpVerifier.for_issuer_did(document["issuer"]["id"]).verify(document, download=fetch)


def _other_last(text: str) -> str:
    """The text with its last character changed (a hash ending in "0" one time in sixteen stayed the same)."""
    return text[:-1] + ("1" if text[-1] == "0" else "0")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].update(
            name=d["credentialSubject"]["achievement"]["name"] + "!"
        ),
        lambda d: d["credentialSubject"]["identifier"][0].update(
            identityHash=_other_last(d["credentialSubject"]["identifier"][0]["identityHash"])
        ),
        lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    ],
    ids=["achievement name", "recipient hash", "date"],
)
def test_a_changed_credential_fails_verification(client, issue, fetch, tamper):
    document = _credential(client, issue())
    changed = copy.deepcopy(document)
    tamper(changed)
    assert changed != document
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier().verify(changed, download=fetch)


def test_one_changed_byte_of_the_served_credential_subject_fails(client, issue, fetch):
    issued = issue()
    raw = client.get(reverse("credentials:ob3_credential", args=[issued.uuid])).content.decode()
    name = issued.badge.name
    changed = raw.replace(f'"name": "{name}"', f'"name": "{name[:-1]}{chr(ord(name[-1]) ^ 1)}"', 1)
    assert changed != raw
    OB3LdpVerifier().verify(raw, download=fetch)
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier().verify(changed, download=fetch)


def test_issuing_signs_nothing_and_the_first_request_signs_once(client, issue, django_assert_num_queries):
    issued = issue()
    assert not IssuedCredential.objects.filter(issued_badge=issued).exists()  # the door wrote no credential
    first = _credential(client, issued)
    stored = IssuedCredential.objects.get(issued_badge=issued)
    assert stored.document == first
    assert stored.signed_revision == stored.revision
    # Stored: the next request reads it (the issued badge; its credential) and signs nothing.
    with django_assert_num_queries(2):
        again = _credential(client, issued)
    assert again == first


def test_a_revoked_badges_credential_answers_410(client, world, issue):
    from apps.issued_badges.services import issued_badges_revoke

    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")
    response = client.get(reverse("credentials:ob3_credential", args=[issued.uuid]))
    assert response.status_code == 410
    assert response.json() == {
        "id": f"{BASE_URL}/openbadges/credentials/{issued.uuid}.json",
        "revoked": True,
        "revocationReason": "Issued by mistake",
    }
