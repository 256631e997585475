"""Reads for issued badges."""

from django.db.models import F, QuerySet

from apps.accounts.models import User

from .models import IssuanceBatch, IssuanceLog, IssuedBadge
from .outcomes import PairOutcome


def badges_held_by(*, recipient: User) -> QuerySet[IssuedBadge]:
    """A person's badges: active ones first, newest first; revoked ones after them (the page marks them)."""
    return (
        IssuedBadge.objects.filter(recipient=recipient)
        .select_related("badge__organization", "issued_by", "classroom", "achievement")
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at")
    )


def batch_outcomes(*, batch: IssuanceBatch) -> list[PairOutcome]:
    """Every pair's outcome in a batch, in the order it was issued, from the issuance log (one query)."""
    context = "this class" if batch.classroom_id else "this course assignment" if batch.course_assignment_id else ""
    entries = (
        IssuanceLog.objects.filter(batch=batch, action__in=[IssuanceLog.Action.ISSUED, IssuanceLog.Action.FAILED])
        .select_related("badge", "recipient")
        .only(
            "badge_id",
            "recipient_id",
            "reason_code",
            "issued_badge_id",
            "badge__name",
            "recipient__username",
            "recipient__first_name",
            "recipient__last_name",
        )
        .order_by("pk")
    )
    return [
        PairOutcome(
            badge_id=entry.badge_id,
            recipient_id=entry.recipient_id,
            code=entry.reason_code,
            badge_name=entry.badge.name if entry.badge else None,
            student_name=entry.recipient.display_name if entry.recipient else None,
            student_username=entry.recipient.username if entry.recipient else None,
            issued_badge_id=entry.issued_badge_id,
            context=context or "this organization",
        )
        for entry in entries
    ]


def batch_failed_pairs(*, batch: IssuanceBatch) -> list[tuple[int, int]]:
    """The (badge, student) pairs of a batch that failed and can be tried again (both still exist)."""
    return list(
        IssuanceLog.objects.filter(
            batch=batch, action=IssuanceLog.Action.FAILED, badge__isnull=False, recipient__isnull=False
        )
        .order_by("pk")
        .values_list("badge_id", "recipient_id")
    )
