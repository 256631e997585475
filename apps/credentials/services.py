"""Writes of credentials: make an issued badge's credential at its first need, sign it, and follow the door's
revocations and reinstatements.

Invariants and side effects:
- A credential is made only for an active issued badge, under a lock on its row (a read lock: the door alone
  writes it), so a revocation either comes first (no credential is made) or waits and then finds the credential
  and sets its bit. It gets a salt (kept: the recipient's hash never changes) and a fresh status index.
- Signing (~tens of milliseconds) is never done in the issuing transaction: at the first request of a credential
  or a baked image, or by the sign-ahead task after commit. The signed document is stored; one of an older
  revision (a reinstatement since) is never stored over a newer one.
- Revocation sets the credential's bit in the door's transaction; reinstatement gives it a new index (the old bit
  stays set) and drops the signed document, signed again at its next request (or ahead, when enabled).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from openbadgeslib.ob3 import OB3LdpSigner

from apps.issued_badges.models import IssuedBadge

from . import documents, identifiers
from .keys import KeyPair, signing_key_get
from .models import IssuedCredential
from .status import status_bits_set, status_indexes_allocate

CHUNK = 500  # issued badges per statement


def credentials_ensure(*, issued_badge_ids: Iterable[int]) -> dict[int, IssuedCredential]:
    """The credentials of these issued badges, made for the active ones that have none yet (salt, status index).
    Revoked badges without one get none. Returns {issued badge id: credential}."""
    ids = list(dict.fromkeys(issued_badge_ids))
    found = {c.issued_badge_id: c for c in IssuedCredential.objects.filter(issued_badge_id__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if not missing:
        return found
    now = timezone.now()
    with transaction.atomic():
        # Lock the rows (a read: FOR UPDATE waits for a revocation in progress, and makes it wait for us).
        active = list(
            IssuedBadge.objects.select_for_update(of=("self",))
            .filter(pk__in=missing, revoked_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "badge__organization_id")
        )
        # Made meanwhile by another request: found now, under the lock.
        found.update(
            {
                c.issued_badge_id: c
                for c in IssuedCredential.objects.filter(issued_badge_id__in=[pk for pk, _ in active])
            }
        )
        by_organization: dict[int, list[int]] = defaultdict(list)
        for pk, organization_id in active:
            if pk not in found:
                by_organization[organization_id].append(pk)
        for organization_id, pks in by_organization.items():
            slots = status_indexes_allocate(organization_id=organization_id, count=len(pks))
            made = IssuedCredential.objects.bulk_create(
                IssuedCredential(
                    issued_badge_id=pk,
                    salt=secrets.token_hex(16),
                    status_list=status_list,
                    status_index=index,
                    created_at=now,
                )
                for pk, (status_list, index) in zip(pks, slots, strict=True)
            )
            found.update({c.issued_badge_id: c for c in made})
    return found


def credential_ensure(issued: IssuedBadge) -> IssuedCredential | None:
    """The credential of one issued badge (None when it is revoked and never had one)."""
    return credentials_ensure(issued_badge_ids=[issued.pk]).get(issued.pk)


def credential_signed(issued: IssuedBadge) -> dict | None:
    """The signed OpenBadgeCredential of an active issued badge (signed now and stored when it is not yet, or not
    since its reinstatement); None for a revoked badge. ``issued`` comes with badge, organization and recipient."""
    if issued.revoked_at is not None:
        return None
    credential = credential_ensure(issued)
    if credential is None:
        return None
    if credential.is_signed:
        return credential.document
    return _sign(issued, credential)


def credential_document_sign(
    issued: IssuedBadge, *, salt: str, status_list_number: int, status_index: int, now=None
) -> tuple[dict, KeyPair]:
    """Build and sign the OpenBadgeCredential of ``issued`` with its organization's active key; stores nothing.
    The one signing path: real credentials (``_sign``) and the self-test's sample (an unsaved issued badge)."""
    organization = issued.badge.organization
    pair = signing_key_get(organization_id=organization.pk)
    unsigned = documents.ob3_credential(
        issued, salt=salt, status_list_number=status_list_number, status_index=status_index
    )
    method = identifiers.verification_method(organization.slug, pair.public_key_multibase)
    document = OB3LdpSigner(pair.private_pem, verification_method=method).sign(unsigned, created=now or timezone.now())
    return document, pair


def _sign(issued: IssuedBadge, credential: IssuedCredential) -> dict:
    now = timezone.now()
    document, pair = credential_document_sign(
        issued,
        salt=credential.salt,
        status_list_number=credential.status_list.number,
        status_index=credential.status_index,
        now=now,
    )
    IssuedCredential.objects.filter(pk=credential.pk, revision=credential.revision).update(
        document=document, signed_revision=credential.revision, signing_key=pair.key, signed_at=now
    )
    return document


def credentials_sign(*, issued_badge_ids: Iterable[int]) -> int:
    """Sign the credentials of these issued badges that are active and not signed yet (the sign-ahead task);
    returns how many it signed. Idempotent: signed ones are skipped."""
    ids = list(issued_badge_ids)
    credentials = credentials_ensure(issued_badge_ids=ids)
    pending = [pk for pk, c in credentials.items() if not c.is_signed]
    rows = IssuedBadge.objects.filter(pk__in=pending, revoked_at__isnull=True).select_related(
        "badge__organization", "recipient"
    )
    signed = 0
    for issued in rows:
        _sign(issued, credentials[issued.pk])
        signed += 1
    return signed


# --- Following the door (receivers.py calls these in its transaction) ------------------------------------------


def credentials_revoked(*, issued_badge_ids: list[int]) -> None:
    """Set the status bits of the credentials of revoked issued badges (those that have one)."""
    for start in range(0, len(issued_badge_ids), CHUNK):
        entries = IssuedCredential.objects.filter(issued_badge_id__in=issued_badge_ids[start : start + CHUNK])
        status_bits_set(entries.values_list("status_list_id", "status_index"))


def credentials_reinstated(*, issued_badge_ids: list[int]) -> list[int]:
    """Give the credentials of reinstated issued badges a new status index and drop their signed document (their
    old index stays set). Returns the ids of the issued badges whose credential changed."""
    changed: list[int] = []
    for start in range(0, len(issued_badge_ids), CHUNK):
        credentials = list(
            IssuedCredential.objects.filter(issued_badge_id__in=issued_badge_ids[start : start + CHUNK])
            .select_related("issued_badge__badge")
            .order_by("pk")
        )
        by_organization: dict[int, list[IssuedCredential]] = defaultdict(list)
        for credential in credentials:
            by_organization[credential.issued_badge.badge.organization_id].append(credential)
        for organization_id, group in by_organization.items():
            slots = status_indexes_allocate(organization_id=organization_id, count=len(group))
            for credential, (status_list, index) in zip(group, slots, strict=True):
                credential.status_list, credential.status_index = status_list, index
                credential.revision += 1
                credential.document = None
                credential.signed_revision = None
                credential.signing_key = None
                credential.signed_at = None
            IssuedCredential.objects.bulk_update(
                group, ["status_list", "status_index", "revision", "document", "signed_revision", "signing_key",
                        "signed_at"]
            )  # fmt: skip
        changed.extend(c.issued_badge_id for c in credentials)
    return changed
