"""Revoke and reinstate issued badges: the row is kept, its revocation flips, the log records it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from apps.access import policy
from apps.accounts.models import User

from ..models import IssuanceLog, IssuedBadge, issued_badge_writes
from ..signals import issued_badges_changed

# --- Revoke and reinstate ------------------------------------------------------------------------------


class RevocationOutcome(models.TextChoices):
    REVOKED = "revoked", "Revoked"
    REINSTATED = "reinstated", "Reinstated"
    ALREADY_REVOKED = "already_revoked", "Already revoked"
    NOT_REVOKED = "not_revoked", "Not revoked"
    NOT_PERMITTED = "not_permitted", "Not permitted"
    NOT_FOUND = "not_found", "Not found"


@dataclass(frozen=True)
class RevocationResult:
    issued_badge_id: int
    code: str
    issued_badge: IssuedBadge | None = None

    @property
    def ok(self) -> bool:
        return self.code in {RevocationOutcome.REVOKED, RevocationOutcome.REINSTATED}

    @property
    def message(self) -> str:
        item = self.issued_badge
        what = (
            f"{item.badge.name} of {item.recipient.display_name}" if item else f"Issued badge #{self.issued_badge_id}"
        )
        return {
            RevocationOutcome.REVOKED: f"{what} was revoked.",
            RevocationOutcome.REINSTATED: f"{what} was reinstated.",
            RevocationOutcome.ALREADY_REVOKED: f"{what} was already revoked.",
            RevocationOutcome.NOT_REVOKED: f"{what} is not revoked.",
            RevocationOutcome.NOT_PERMITTED: f"Only an administrator of its organization can change {what}.",
            RevocationOutcome.NOT_FOUND: f"{what} was not found.",
        }[RevocationOutcome(self.code)]


def issued_badges_revoke(*, ids: Iterable[int], actor: User, reason: str) -> list[RevocationResult]:
    """Revoke issued badges: the rows are kept, marked revoked with the reason, and logged.

    Administrators of the badge's organization only. A revoked badge is never issued again by any
    path (the door reports ``revoked``) until an administrator reinstates it.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reason is required to revoke a badge.")
    return _set_revoked(ids=ids, actor=actor, reason=reason, revoke=True)


def issued_badges_reinstate(*, ids: Iterable[int], actor: User, reason: str) -> list[RevocationResult]:
    """Undo revocations, with a reason kept in the log. Administrators of the badge's organization only."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reason is required to reinstate a badge.")
    return _set_revoked(ids=ids, actor=actor, reason=reason, revoke=False)


def _set_revoked(*, ids, actor, reason: str, revoke: bool) -> list[RevocationResult]:
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    now = timezone.now()
    person = policy.person_of(actor)  # who is recorded: a person, or nobody for an organization's API key
    with transaction.atomic():
        rows = (
            IssuedBadge.objects.visible_to(actor)
            .select_related("badge", "recipient")
            .select_for_update(of=("self",))
            .in_bulk(ids)
        )
        results, changing = [], []
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                results.append(RevocationResult(pk, RevocationOutcome.NOT_FOUND))
            elif not policy.administers(actor, row.badge.organization_id):
                results.append(RevocationResult(pk, RevocationOutcome.NOT_PERMITTED, row))
            elif revoke and row.revoked_at is not None:
                results.append(RevocationResult(pk, RevocationOutcome.ALREADY_REVOKED, row))
            elif not revoke and row.revoked_at is None:
                results.append(RevocationResult(pk, RevocationOutcome.NOT_REVOKED, row))
            else:
                changing.append(row)
                results.append(
                    RevocationResult(pk, RevocationOutcome.REVOKED if revoke else RevocationOutcome.REINSTATED, row)
                )
        if changing:
            with issued_badge_writes():
                IssuedBadge.objects.filter(pk__in=[row.pk for row in changing]).update(
                    revoked_at=now if revoke else None,
                    updated_at=now,
                    revoked_by=person if revoke else None,
                    revocation_reason=reason if revoke else "",
                )
            IssuanceLog.objects.bulk_create(
                IssuanceLog(
                    created_at=now,
                    action=IssuanceLog.Action.REVOKED if revoke else IssuanceLog.Action.REINSTATED,
                    issued_badge=row,
                    badge_id=row.badge_id,
                    recipient_id=row.recipient_id,
                    actor=person,
                    source=row.source,
                    reason=reason,
                )
                for row in changing
            )
            action = "revoked" if revoke else "reinstated"
            issued_badges_changed.send(sender=IssuedBadge, action=action, ids=[row.pk for row in changing], at=now)
            for row in changing:
                row.revoked_at, row.revoked_by, row.revocation_reason = (
                    (now, person, reason) if revoke else (None, None, "")
                )
    return results
