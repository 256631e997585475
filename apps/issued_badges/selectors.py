"""Reads for issued badges."""

import functools

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from apps.accounts.models import User, display_name

from .filters import IssuedBadgeFilter
from .models import IssuanceBatch, IssuanceLog, IssuedBadge, Outcome, related_model
from .outcomes import PairOutcome
from .sources import Origin, issuer_words, source_words


def badges_held_by(*, recipient: User) -> QuerySet[IssuedBadge]:
    """A person's badges: active ones first, newest first; revoked ones after them (the page marks them)."""
    return (
        IssuedBadge.objects.filter(recipient=recipient)
        .with_origin()
        .select_related("recipient")
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at")
    )


def iter_batch_outcomes(*, batch: IssuanceBatch, action: str | None = None, limit: int | None = None):
    """A batch's outcomes from the issuance log, in the order they were written, streamed in chunks."""
    context = "this class" if batch.classroom_id else "this course assignment" if batch.course_assignment_id else ""
    actions = [action] if action else [IssuanceLog.Action.ISSUED, IssuanceLog.Action.FAILED]
    entries = (
        IssuanceLog.objects.filter(batch=batch, action__in=actions)
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
    # Students outside the batch's context (a tampered id) are never named, whatever the outcome.
    if batch.classroom_id:
        enrolled = User.objects.filter(pk=OuterRef("recipient_id"), enrollments__classroom_id=batch.classroom_id)
        entries = entries.annotate(in_context=Exists(enrolled))
    elif batch.course_assignment_id:
        assigned = User.objects.filter(pk=OuterRef("recipient_id"), course_assignments=batch.course_assignment_id)
        entries = entries.annotate(in_context=Exists(assigned))
    else:
        entries = entries.annotate(in_context=Value(True))
    if limit is not None:
        entries = entries[:limit]
    for entry in entries.iterator(chunk_size=2000):
        yield PairOutcome(
            badge_id=entry.badge_id,
            recipient_id=entry.recipient_id,
            code=entry.reason_code,
            badge_name=entry.badge.name if entry.badge else None,
            student_name=entry.recipient.display_name if entry.recipient else None,
            student_username=entry.recipient.username if entry.recipient else None,
            issued_badge_id=entry.issued_badge_id,
            context=context or "this organization",
            student_outside=not entry.in_context,
        )


def batch_outcomes(*, batch: IssuanceBatch, shown: int) -> list[PairOutcome]:
    """The first ``shown`` issued and the first ``shown`` failed outcomes of a batch (two queries)."""
    return [
        *iter_batch_outcomes(batch=batch, action=IssuanceLog.Action.ISSUED, limit=shown),
        *iter_batch_outcomes(batch=batch, action=IssuanceLog.Action.FAILED, limit=shown),
    ]


# Failures that an administrator can mend (switch manual issuance on, enroll the student…) before
# retrying. Already earned, revoked and other organizations' or unknown ids never succeed later.
RETRYABLE = [
    Outcome.MANUAL_ISSUANCE_DISABLED,
    Outcome.BADGE_INACTIVE,
    Outcome.NOT_ENROLLED,
    Outcome.OUTSIDE_INSTRUCTOR_SCOPE,
    Outcome.NOT_PERMITTED,
]


def _retryable(batch: IssuanceBatch):
    return IssuanceLog.objects.filter(
        batch=batch,
        action=IssuanceLog.Action.FAILED,
        reason_code__in=RETRYABLE,
        badge__isnull=False,
        recipient__isnull=False,
    )


def batch_failed_pairs(*, batch: IssuanceBatch) -> list[tuple[int, int]]:
    """The (badge, student) pairs of a batch whose failure may be mended, for Retry failed."""
    return list(_retryable(batch).order_by("pk").values_list("badge_id", "recipient_id"))


def batch_retryable_count(*, batch: IssuanceBatch) -> int:
    return _retryable(batch).count()


# Newest first: the order of Find Issued Badges, served by the (issued_at, id) covering indexes.
DATE_ORDER = ("-issued_at", "-pk")


def issued_badge_search(*, request) -> IssuedBadgeFilter:
    """Find Issued Badges: what the viewer may see, filtered and sorted; page it from ``.qs``."""
    base = IssuedBadge.objects.visible_to(request.user).order_by(*DATE_ORDER)
    return IssuedBadgeFilter(request.GET or None, queryset=base, request=request)


def _title_of(source: str, column: str) -> Subquery:
    """A scalar subquery reading ``column`` of the row's class, course assignment or achievement."""
    return Subquery(related_model(source).objects.filter(pk=OuterRef(f"{source}_id")).values(column))


@functools.cache
def _row_values() -> QuerySet:
    """The columns of a Find Issued Badges row. Built once: resolving its twenty expressions
    took longer than running the query; each page clones it and adds its ids."""
    return IssuedBadge.objects.values(
        "id",
        "uuid",
        "recipient_id",
        "issued_at",
        "source",
        "revoked_at",
        "classroom_id",
        "course_assignment_id",
        "achievement_id",
        "badge_id",
        "issued_by_id",
        badge_name=F("badge__name"),
        organization_id=F("badge__organization_id"),
        organization_name=F("badge__organization__name"),
        student_first=F("recipient__first_name"),
        student_last=F("recipient__last_name"),
        student_username=F("recipient__username"),
        issuer_first=F("issued_by__first_name"),
        issuer_last=F("issued_by__last_name"),
        issuer_username=F("issued_by__username"),
        class_title=_title_of("classroom", "title"),
        course_title=_title_of("course_assignment", "course__title"),
        achievement_name=_title_of("achievement", "name"),
        batch_uuid=Subquery(IssuanceBatch.objects.filter(pk=OuterRef("batch_id")).values("uuid")),
    )


def issued_badge_rows(ids: list[int], *, viewer) -> list[dict]:
    """One page of Find Issued Badges as flat rows, in the order of ``ids`` (one query), its source in
    ``viewer``'s words with links to what they may open.

    Only the joins every row needs (badge, organization, student, issuer); the class, course,
    achievement and batch of its source are scalar subqueries: PostgreSQL spends ~7 ms choosing
    the order of eight joined tables, longer than running the query. Plain dicts, not models:
    fifty rows of seven model instances each were a third of the page's time.
    """
    by_id = {}
    for row in _row_values().filter(pk__in=ids):
        issued_on = timezone.localtime(row["issued_at"])
        row["issued_on"] = f"{issued_on:%b} {issued_on.day}, {issued_on.year}"  # "Nov 3, 2026", as |date:"M j, Y"
        row["student"] = display_name(row["student_first"], row["student_last"], row["student_username"])
        issuer = display_name(row["issuer_first"], row["issuer_last"], row["issuer_username"])
        row["issuer"] = issuer_words(issuer if row["issued_by_id"] else "", row["source"])
        row["src"] = source_words(
            Origin(
                source=row["source"],
                organization_id=row["organization_id"],
                organization_name=row["organization_name"],
                recipient_id=row["recipient_id"],
                issued_by_id=row["issued_by_id"],
                classroom_id=row["classroom_id"],
                class_title=row["class_title"] or "",
                course_assignment_id=row["course_assignment_id"],
                course_title=row["course_title"] or "",
                achievement_name=row["achievement_name"] or "",
                batch_uuid=row["batch_uuid"],
            ),
            viewer,
        )
        row["is_revoked"] = row["revoked_at"] is not None
        by_id[row["id"]] = row
    return [by_id[pk] for pk in ids if pk in by_id]


def issued_badge_history(*, issued_badge: IssuedBadge) -> QuerySet[IssuanceLog]:
    """Issued, revoked, reinstated: every log entry of one issued badge, oldest first."""
    return IssuanceLog.objects.filter(issued_badge=issued_badge).select_related("actor", "batch").order_by("pk")
