"""Bitstring Status List: a revocation sets the credential's bit (in the door's transaction), the published list
says so to a verifier, a reinstated badge gets a new index and a freshly signed credential that verifies, and the
list is cached briefly."""

import base64
import gzip

import pytest
from django.db import transaction
from django.urls import reverse
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError
from openbadgeslib.ob3.ldp import verify_data_integrity_proof

from apps.credentials.models import IssuedCredential, StatusList
from apps.credentials.services import credentials_ensure
from apps.credentials.status import status_indexes_allocate
from apps.issued_badges.services import issued_badges_reinstate, issued_badges_revoke

from .conftest import BASE_URL


def _credential(client, issued) -> dict:
    return client.get(reverse("credentials:ob3_credential", args=[issued.uuid])).json()


def _bit(document: dict, index: int) -> bool:
    encoded = document["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revocation_sets_the_bit_and_the_verifier_then_refuses_the_credential(client, world, issue, fetch):
    issued, other = issue(), issue()
    document, other_document = _credential(client, issued), _credential(client, other)
    entry = document["credentialStatus"]
    index = int(entry["statusListIndex"])
    served = client.get(
        entry["statusListCredential"].removeprefix(BASE_URL), headers={"Accept": "application/vc+ld+json"}
    )
    assert not _bit(served.json(), index)

    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Issued by mistake")

    status_list = client.get(
        entry["statusListCredential"].removeprefix(BASE_URL), headers={"Accept": "application/vc+ld+json"}
    ).json()
    assert _bit(status_list, index)
    assert not _bit(status_list, int(other_document["credentialStatus"]["statusListIndex"]))
    with pytest.raises(OB3VerificationError, match="revocation"):
        OB3LdpVerifier().verify(document, check_status=True, download=fetch)
    OB3LdpVerifier().verify(other_document, check_status=True, download=fetch)  # the other one stays valid


def test_the_status_list_is_a_signed_credential_in_both_forms_and_cached_briefly(client, issue, fetch):
    issued = issue()
    entry = _credential(client, issued)["credentialStatus"]
    path = entry["statusListCredential"].removeprefix(BASE_URL)
    as_json = client.get(path, headers={"Accept": "application/vc+ld+json"})
    document = as_json.json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert document["issuer"] == "did:web:badges.example.org%3A8443:organizations:alpha"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "validUntil" in document
    from openbadgeslib.ob3.did import resolve_verification_method

    verify_data_integrity_proof(document, resolve_verification_method(document["proof"]["verificationMethod"], fetch))
    as_jwt = client.get(path)  # no Accept: the VC-JWT, which openbadgeslib's status check reads
    assert as_jwt["Content-Type"] == "application/vc+jwt"
    assert as_jwt.content.count(b".") == 2
    for response in (as_json, as_jwt):
        cache = dict(part.strip().split("=") if "=" in part else (part.strip(), True)
                     for part in response["Cache-Control"].split(","))  # fmt: skip
        assert 0 < int(cache["max-age"]) <= 300
        assert "Accept" in response["Vary"]


def test_the_list_is_signed_again_only_when_its_bits_changed(client, world, issue):
    first, second = issue(), issue()
    entry = _credential(client, first)["credentialStatus"]
    _credential(client, second)
    path = entry["statusListCredential"].removeprefix(BASE_URL)
    signed = client.get(path, headers={"Accept": "application/json"}).json()
    assert client.get(path, headers={"Accept": "application/json"}).json() == signed  # stored, not signed again
    issued_badges_revoke(ids=[second.pk], actor=world.alpha.admin, reason="Mistake")
    assert client.get(path, headers={"Accept": "application/json"}).json()["proof"] != signed["proof"]


def test_a_reinstated_badge_gets_a_new_index_and_a_fresh_credential_that_verifies(client, world, issue, fetch):
    issued = issue()
    before = _credential(client, issued)
    old_index = int(before["credentialStatus"]["statusListIndex"])
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="Earned after all")

    credential = IssuedCredential.objects.get(issued_badge=issued)
    assert credential.status_index != old_index
    assert not credential.is_signed  # dropped: signed again at its next request
    after = _credential(client, issued)
    assert int(after["credentialStatus"]["statusListIndex"]) == credential.status_index
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"]
    OB3LdpVerifier().verify(after, check_status=True, download=fetch)
    # The credential signed before the revocation stays revoked: its old bit is still set.
    with pytest.raises(OB3VerificationError, match="revocation"):
        OB3LdpVerifier().verify(before, check_status=True, download=fetch)


def test_a_revocation_rolled_back_leaves_the_bit_clear(client, world, issue):
    issued = issue()
    _credential(client, issued)
    credential = IssuedCredential.objects.get(issued_badge=issued)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
        assert StatusList.objects.get(pk=credential.status_list_id).is_set(credential.status_index)
        raise Boom
    assert not StatusList.objects.get(pk=credential.status_list_id).is_set(credential.status_index)


def test_indexes_are_unique_never_reused_and_a_full_list_continues_in_the_next(world, issue):
    badges = [issue() for _ in range(3)]
    made = credentials_ensure(issued_badge_ids=[b.pk for b in badges])
    pairs = {(c.status_list_id, c.status_index) for c in made.values()}
    assert len(pairs) == 3
    status_list = StatusList.objects.get(organization=world.alpha.org)
    StatusList.objects.filter(pk=status_list.pk).update(next_index=status_list.size - 1)
    slots = status_indexes_allocate(organization_id=world.alpha.org.pk, count=3)
    assert [(s.number, i) for s, i in slots] == [(1, status_list.size - 1), (2, 0), (2, 1)]


def test_a_revoked_badge_without_a_credential_gets_none(world, issue):
    issued = issue()
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    assert credentials_ensure(issued_badge_ids=[issued.pk]) == {}
