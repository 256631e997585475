"""Bitstring Status Lists: allocating each credential's index, flipping bits on revocation, the signed list.

Invariants: an index is allocated once per (list, index) — the lists' row lock and a unique constraint — and never
reused; a flip writes the bit and bumps the list's ``revision`` in the caller's transaction (the door's, for a
revocation: the badge and its bit commit together); the signed list is signed again when its revision is behind
the bits or its ``validUntil`` is near, at the first request that finds it so (a few tens of milliseconds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.db import IntegrityError, transaction
from django.utils import timezone
from openbadgeslib.ob3 import add_data_integrity_proof, build_status_list_credential, encode_bitstring

from . import identifiers
from .keys import signing_key_get
from .models import STATUS_LIST_SIZE, StatusList

# A served list is valid for a day (verifiers reject an older copy: no replay of a list before a revocation) and
# signed again once less than half of that is left. Caches keep it 5 minutes (views.STATUS_LIST_MAX_AGE).
LIST_VALIDITY = timedelta(hours=24)
RESIGN_BEFORE = timedelta(hours=12)


def _current_list(organization_id: int) -> StatusList:
    """The organization's list with free indexes, locked (made when there is none or the last one is full)."""
    for _ in range(5):
        current = (
            StatusList.objects.select_for_update().filter(organization_id=organization_id).order_by("-number").first()
        )
        if current is not None and current.next_index < current.size:
            return current
        try:
            with transaction.atomic():
                StatusList.objects.create(
                    organization_id=organization_id,
                    number=current.number + 1 if current else 1,
                    size=STATUS_LIST_SIZE,
                    bits=bytes(STATUS_LIST_SIZE // 8),
                )
        except IntegrityError:  # made at the same moment elsewhere: lock that one
            continue
    raise RuntimeError(f"Could not allocate a status list for organization {organization_id}")


def status_list_current(*, organization_id: int) -> StatusList:
    """The organization's list that the next index will come from (made when there is none): for the self-test's
    sample credential, which points at it without taking an index."""
    with transaction.atomic():
        return _current_list(organization_id)


def status_indexes_allocate(*, organization_id: int, count: int) -> list[tuple[StatusList, int]]:
    """``count`` fresh (list, index) pairs of the organization, in one transaction (the list row stays locked to
    its end: concurrent allocations wait, then continue after)."""
    allocated: list[tuple[StatusList, int]] = []
    with transaction.atomic():
        while len(allocated) < count:
            current = _current_list(organization_id)
            take = min(count - len(allocated), current.size - current.next_index)
            start = current.next_index
            current.next_index = start + take
            StatusList.objects.filter(pk=current.pk).update(next_index=current.next_index)
            allocated.extend((current, index) for index in range(start, start + take))
    return allocated


def status_bits_set(entries: Iterable[tuple[int, int]]) -> None:
    """Set the bits of (list id, index) entries (a revocation); one locked read and one write per list."""
    by_list: dict[int, set[int]] = defaultdict(set)
    for list_id, index in entries:
        by_list[list_id].add(index)
    if not by_list:
        return
    with transaction.atomic():
        for status_list in StatusList.objects.select_for_update().filter(pk__in=list(by_list)).order_by("pk"):
            bits = bytearray(bytes(status_list.bits))
            for index in by_list[status_list.pk]:
                bits[index // 8] |= 0x80 >> (index % 8)
            StatusList.objects.filter(pk=status_list.pk).update(bits=bytes(bits), revision=status_list.revision + 1)


def _set_indexes(bits: bytes) -> list[int]:
    return [
        byte_index * 8 + bit for byte_index, byte in enumerate(bits) if byte for bit in range(8) if byte & (0x80 >> bit)
    ]


def status_list_signed(status_list: StatusList) -> StatusList:
    """The list with a current signature: signed again (and stored) when its bits changed since, or when its
    validity is running out. Two requests signing at once both store a valid list of the same revision."""
    now = timezone.now()
    if (
        status_list.signed_revision == status_list.revision
        and status_list.signed_until is not None
        and status_list.signed_until - now > RESIGN_BEFORE
    ):
        return status_list
    organization = status_list.organization
    pair = signing_key_get(organization_id=organization.pk)
    issuer = identifiers.did_web(organization.slug)
    url = identifiers.status_list(organization.slug, status_list.number)
    until = now + LIST_VALIDITY
    document = build_status_list_credential(
        issuer, url, status_list.purpose, [], size_bits=status_list.size, issued=now, valid_until=until
    )
    # The library builds the bitstring from indexes; ours is kept as bits.
    document["credentialSubject"]["encodedList"] = encode_bitstring(
        _set_indexes(bytes(status_list.bits)), status_list.size
    )
    method = identifiers.verification_method(organization.slug, pair.public_key_multibase)
    signed = add_data_integrity_proof(document, pair.private_pem, method, created=now)
    # The same list as a VC-JWT (application/vc+jwt), for verifiers that read status lists as JWTs.
    payload = {**document, "iss": issuer, "jti": url, "nbf": int(now.timestamp()), "exp": int(until.timestamp())}
    # PyJWT (the library's own JOSE dependency); ``kid`` names the key in the DID document (rotation-proof).
    token = jwt.encode(
        payload,
        load_pem_private_key(pair.private_pem, password=None),
        algorithm="EdDSA",
        headers={"kid": method, "typ": "vc+jwt"},
    )
    StatusList.objects.filter(pk=status_list.pk, revision=status_list.revision).update(
        signed_revision=status_list.revision, signed_document=signed, signed_jwt=token, signed_until=until
    )
    status_list.signed_revision, status_list.signed_document = status_list.revision, signed
    status_list.signed_jwt, status_list.signed_until = token, until
    return status_list
