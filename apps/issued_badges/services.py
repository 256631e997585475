"""The one door through which every badge is issued — and the only writer of ``IssuedBadge``.

``badges_issue`` takes badges × recipients, an actor, a source and its context
(class, course assignment, achievement or organization) and returns an outcome
for every pair.

Invariants:
- A (badge, recipient) pair exists at most once: the database's unique
  constraint decides, through ``INSERT … ON CONFLICT DO NOTHING``, so the loser
  of a race gets ``already_earned`` and never an error.
- A revoked badge is never issued again here: it reports ``revoked``.
- Manual sources accept only active, manually issuable badges of the context's
  organization, to students the actor may reach (rule 3).
- Valid pairs are issued even when others fail.

Side effects, in one transaction: one ``IssuanceBatch``, the new
``IssuedBadge`` rows and one ``IssuanceLog`` row per pair. The number of
queries does not depend on the number of pairs (on PostgreSQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.badges.models import Badge
from apps.classes.models import Enrollment
from apps.classes.scope import issuer_scope
from apps.organizations.querysets import administered_organization_ids

from .models import IssuanceBatch, IssuanceLog, IssuedBadge, Outcome, Source
from .outcomes import IssuanceReport, PairOutcome

MANUAL_SOURCES = {Source.ROSTER, Source.BATCH, Source.ASSIGNMENT, Source.USERNAMES, Source.API}
CLASS_SOURCES = {Source.ROSTER, Source.BATCH}


@dataclass(frozen=True)
class _Context:
    source: str
    actor: User | None
    organization_id: int
    classroom: object = None
    course_assignment: object = None
    achievement: object = None

    @property
    def label(self) -> str:
        if self.classroom is not None:
            return "this class"
        if self.course_assignment is not None:
            return "this course assignment"
        return "this organization"


def badges_issue(
    *,
    badge_ids: Iterable[int],
    recipient_ids: Iterable[int],
    actor: User | None,
    source: str,
    classroom=None,
    course_assignment=None,
    achievement=None,
    organization=None,
    key: str | None = None,
    retry_of: IssuanceBatch | None = None,
    issued_at: Mapping[int, datetime] | None = None,
) -> IssuanceReport:
    """Issue every badge to every recipient the rules allow; report every pair.

    ``key`` makes the call idempotent: a second call with the same key issues
    nothing and returns the first call's report (``replayed=True``).
    ``issued_at`` optionally dates each recipient's badge (automatic issuance
    dates a badge when its requirements were first met); the default is now.
    """
    context = _context(source, actor, classroom, course_assignment, achievement, organization)
    badge_ids = list(dict.fromkeys(int(pk) for pk in badge_ids))
    recipient_ids = list(dict.fromkeys(int(pk) for pk in recipient_ids))
    if key:
        existing = IssuanceBatch.objects.filter(key=key).first()
        if existing is not None:
            return batch_report(existing, replayed=True)
    try:
        with transaction.atomic():
            return _issue(context, badge_ids, recipient_ids, key, retry_of, issued_at)
    except IntegrityError:
        # Only the batch key is unique among what we insert without ON CONFLICT:
        # a concurrent submission of the same form won. Show its result.
        if key and (existing := IssuanceBatch.objects.filter(key=key).first()) is not None:
            return batch_report(existing, replayed=True)
        raise


def _context(source, actor, classroom, course_assignment, achievement, organization) -> _Context:
    source = Source(source)
    if source in CLASS_SOURCES:
        if classroom is None:
            raise ValueError(f"source {source} needs a classroom")
        organization_id = classroom.organization_id
    elif source == Source.ASSIGNMENT:
        if course_assignment is None:
            raise ValueError("source assignment needs a course_assignment")
        organization_id = course_assignment.organization_id
    elif source == Source.ACHIEVEMENT:
        if achievement is None:
            raise ValueError("source achievement needs an achievement")
        organization_id = achievement.organization_id
    else:
        if organization is None:
            raise ValueError(f"source {source} needs an organization")
        organization_id = organization.pk
    return _Context(source, actor, organization_id, classroom, course_assignment, achievement)


def _issue(context: _Context, badge_ids, recipient_ids, key, retry_of, issued_at) -> IssuanceReport:
    now = timezone.now()
    badges = Badge.objects.only("id", "name", "organization_id", "is_active", "manual_issuance_enabled").in_bulk(
        badge_ids
    )
    recipients = User.objects.only("id", "username", "first_name", "last_name", "organization_id").in_bulk(
        recipient_ids
    )
    scope = issuer_scope(context.actor, context.classroom) if context.source in CLASS_SOURCES else None
    permitted = _actor_permitted(context, scope)
    # Every rule is about the badge, the student or the actor, never the pair: the pairs
    # that pass are exactly valid badges × valid students.
    badge_failures = {
        pk: code
        for pk in badge_ids
        if (code := Outcome.NOT_PERMITTED if not permitted else _badge_failure(context, badges.get(pk)))
    }
    recipient_failures = _recipient_failures(context, scope, recipient_ids, recipients)
    valid_badges = [pk for pk in badge_ids if pk not in badge_failures]
    valid_recipients = [pk for pk in recipient_ids if pk not in recipient_failures]

    batch = IssuanceBatch.objects.create(
        key=key or None,
        organization_id=context.organization_id,
        source=context.source,
        created_by=context.actor,
        created_at=now,
        classroom=context.classroom,
        course_assignment=context.course_assignment,
        achievement=context.achievement,
        retry_of=retry_of,
    )
    rejected = {
        (b, r): badge_failures.get(b) or recipient_failures[r]
        for b in badge_ids
        for r in (recipient_ids if b in badge_failures else recipient_failures)
    }
    writer = _PostgresWriter if connection.vendor == "postgresql" else _PortableWriter
    inserted = writer.insert_issued(context, batch, valid_badges, valid_recipients, now, issued_at)
    conflicts = {}
    if len(inserted) < len(valid_badges) * len(valid_recipients):
        conflicts = writer.log_conflicts(context, batch, valid_badges, valid_recipients, now)
    writer.log_rejected(context, batch, rejected, badges, recipients, now)

    batch.issued_count = len(inserted)
    batch.failed_count = len(rejected) + len(conflicts)
    IssuanceBatch.objects.filter(pk=batch.pk).update(issued_count=batch.issued_count, failed_count=batch.failed_count)

    def outcomes() -> list[PairOutcome]:
        result = []
        for b in badge_ids:
            badge = badges.get(b)
            for r in recipient_ids:
                recipient = recipients.get(r)
                pair = (b, r)
                code = Outcome.ISSUED if pair in inserted else rejected.get(pair) or conflicts[pair]
                result.append(
                    PairOutcome(
                        badge_id=b,
                        recipient_id=r,
                        code=code,
                        badge_name=badge.name if badge else None,
                        student_name=recipient.display_name if recipient else None,
                        student_username=recipient.username if recipient else None,
                        issued_badge_id=inserted.get(pair),
                        context=context.label,
                    )
                )
        return result

    return IssuanceReport(
        batch=batch, outcomes=outcomes, issued_count=batch.issued_count, failed_count=batch.failed_count
    )


def _actor_permitted(context: _Context, scope) -> bool:
    if context.source == Source.ACHIEVEMENT:
        return True  # the evaluator acts for the organization that defined the achievement
    actor = context.actor
    if actor is None or not actor.is_active:
        return False
    if scope is not None:
        return scope.permitted
    return context.organization_id in administered_organization_ids(actor)


def _badge_failure(context: _Context, badge: Badge | None) -> str | None:
    if badge is None:
        return Outcome.BADGE_NOT_FOUND
    if badge.organization_id != context.organization_id:
        return Outcome.BADGE_OF_OTHER_ORGANIZATION
    if not badge.is_active:
        return Outcome.BADGE_INACTIVE
    if context.source in MANUAL_SOURCES and not badge.manual_issuance_enabled:
        return Outcome.MANUAL_ISSUANCE_DISABLED
    return None


def _recipient_failures(context: _Context, scope, recipient_ids, recipients) -> dict[int, str]:
    failures = {pk: Outcome.RECIPIENT_NOT_FOUND for pk in recipient_ids if pk not in recipients}
    if scope is not None:
        enrolled = set(
            Enrollment.objects.filter(classroom=context.classroom, student_id__in=recipients).values_list(
                "student_id", flat=True
            )
        )
        for pk, recipient in recipients.items():
            if pk not in enrolled:
                failures[pk] = Outcome.NOT_ENROLLED
            elif not scope.covers(recipient.organization_id):
                failures[pk] = Outcome.OUTSIDE_INSTRUCTOR_SCOPE
    elif context.source == Source.ASSIGNMENT:
        for pk in recipients:
            if pk != context.course_assignment.student_id:
                failures[pk] = Outcome.NOT_ENROLLED
    return failures


# --- SQL: set-based writes ----------------------------------------------------------------------------
#
# PostgreSQL: one statement each, the pairs as a cross join of two id arrays, the
# issued rows' log entries written by the same statement (a data-modifying CTE).
# Elsewhere (SQLite, the embedded default): chunked VALUES with RETURNING.

_ISSUED_COLUMNS = (
    "uuid, badge_id, recipient_id, issued_at, issued_by_id, source, classroom_id, "
    "course_assignment_id, achievement_id, batch_id, revocation_reason"
)
_LOG_COLUMNS = (
    "created_at, action, batch_id, issued_badge_id, badge_id, recipient_id, actor_id, source, reason_code, reason"
)


def _shared(context: _Context, batch) -> list:
    return [
        context.actor.pk if context.actor else None,
        context.source,
        context.classroom.pk if context.classroom else None,
        context.course_assignment.pk if context.course_assignment else None,
        context.achievement.pk if context.achievement else None,
        batch.pk,
    ]


class _PostgresWriter:
    @staticmethod
    def insert_issued(context, batch, badge_ids, recipient_ids, now, issued_at) -> dict[tuple[int, int], int]:
        """Insert valid badges × valid recipients, skipping pairs that exist, and log each one inserted."""
        if not badge_ids or not recipient_ids:
            return {}
        dates = [issued_at.get(r, now) for r in recipient_ids] if issued_at else None
        recipients_sql = (
            "unnest(%s::bigint[], %s::timestamptz[]) AS r(id, issued_at)" if dates else "unnest(%s::bigint[]) AS r(id)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH inserted AS (
                    INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS})
                    SELECT gen_random_uuid(), b.id, r.id, {"r.issued_at" if dates else "%s::timestamptz"},
                           %s, %s, %s, %s, %s, %s, ''
                    FROM unnest(%s::bigint[]) AS b(id) CROSS JOIN {recipients_sql}
                    ON CONFLICT (badge_id, recipient_id) DO NOTHING
                    RETURNING id, badge_id, recipient_id
                ), logged AS (
                    INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                    SELECT %s, 'issued', %s, id, badge_id, recipient_id, %s, %s, 'issued', '' FROM inserted
                )
                SELECT id, badge_id, recipient_id FROM inserted
                """,  # noqa: S608 - tables and columns are ours; values are parameters
                [
                    *([] if dates else [now]),
                    *_shared(context, batch),
                    badge_ids,
                    recipient_ids,
                    *([dates] if dates else []),
                    now,
                    batch.pk,
                    context.actor.pk if context.actor else None,
                    context.source,
                ],
            )
            return {(b, r): pk for pk, b, r in cursor.fetchall()}

    @staticmethod
    def log_conflicts(context, batch, badge_ids, recipient_ids, now) -> dict[tuple[int, int], str]:
        """Log the valid pairs that already existed (earned before, or revoked); return their codes."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                SELECT %s, 'failed', %s, NULL, i.badge_id, i.recipient_id, %s, %s,
                       CASE WHEN i.revoked_at IS NULL THEN 'already_earned' ELSE 'revoked' END, ''
                FROM {IssuedBadge._meta.db_table} AS i
                WHERE i.badge_id = ANY(%s::bigint[]) AND i.recipient_id = ANY(%s::bigint[])
                  AND i.batch_id IS DISTINCT FROM %s
                RETURNING badge_id, recipient_id, reason_code
                """,  # noqa: S608
                [now, batch.pk, context.actor.pk if context.actor else None, context.source, badge_ids,
                 recipient_ids, batch.pk],
            )  # fmt: skip
            return {(b, r): code for b, r, code in cursor.fetchall()}

    @staticmethod
    def log_rejected(context, batch, rejected, badges, recipients, now) -> None:
        """Log the pairs that failed a rule (nothing was written for them)."""
        if not rejected:
            return
        pairs = list(rejected)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS}) "  # noqa: S608
                "SELECT %s, 'failed', %s, NULL, l.badge_id, l.recipient_id, %s, %s, l.reason_code, '' "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[]) AS l(badge_id, recipient_id, reason_code)",
                [
                    now,
                    batch.pk,
                    context.actor.pk if context.actor else None,
                    context.source,
                    [b if b in badges else None for b, _ in pairs],
                    [r if r in recipients else None for _, r in pairs],
                    [rejected[pair] for pair in pairs],
                ],
            )


class _PortableWriter:
    """The same writes for SQLite (the embedded default), in chunks."""

    @staticmethod
    def insert_issued(context, batch, badge_ids, recipient_ids, now, issued_at) -> dict[tuple[int, int], int]:
        ops, shared = connection.ops, _shared(context, batch)
        pairs = [(b, r) for b in badge_ids for r in recipient_ids]
        inserted: dict[tuple[int, int], int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(pairs), 500):
                params: list = []
                for b, r in pairs[start : start + 500]:
                    date = issued_at.get(r, now) if issued_at else now
                    params += [uuid.uuid4().hex, b, r, ops.adapt_datetimefield_value(date), *shared]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')"] * (len(params) // 10))
                cursor.execute(
                    f"INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS}) VALUES {values} "  # noqa: S608
                    "ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, badge_id, recipient_id",
                    params,
                )
                inserted.update({(b, r): pk for pk, b, r in cursor.fetchall()})
        _PortableWriter._log(context, batch, now, [(pk, b, r, "issued") for (b, r), pk in inserted.items()])
        return inserted

    @staticmethod
    def log_conflicts(context, batch, badge_ids, recipient_ids, now) -> dict[tuple[int, int], str]:
        wanted = set(recipient_ids)
        rows = (
            IssuedBadge.objects.filter(badge_id__in=badge_ids, recipient_id__in=recipient_ids)
            .exclude(batch=batch)
            .values_list("badge_id", "recipient_id", "revoked_at")
        )
        conflicts = {
            (b, r): Outcome.ALREADY_EARNED if revoked_at is None else Outcome.REVOKED
            for b, r, revoked_at in rows
            if r in wanted
        }
        _PortableWriter._log(context, batch, now, [(None, b, r, code) for (b, r), code in conflicts.items()])
        return conflicts

    @staticmethod
    def log_rejected(context, batch, rejected, badges, recipients, now) -> None:
        rows = [
            (None, b if b in badges else None, r if r in recipients else None, code)
            for (b, r), code in rejected.items()
        ]
        _PortableWriter._log(context, batch, now, rows)

    @staticmethod
    def _log(context, batch, now, rows) -> None:
        if not rows:
            return
        created, actor = connection.ops.adapt_datetimefield_value(now), context.actor.pk if context.actor else None
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS}) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '')",
                [
                    (
                        created,
                        "issued" if code == "issued" else "failed",
                        batch.pk,
                        pk,
                        b,
                        r,
                        actor,
                        context.source,
                        code,
                    )
                    for pk, b, r, code in rows
                ],
            )


# --- Reading a batch back ------------------------------------------------------------------------------


def batch_report(batch: IssuanceBatch, *, replayed: bool = False) -> IssuanceReport:
    """Rebuild a batch's report from its log (two queries)."""
    from .selectors import batch_outcomes

    return IssuanceReport(
        batch=batch,
        outcomes=lambda: batch_outcomes(batch=batch),
        issued_count=batch.issued_count,
        failed_count=batch.failed_count,
        replayed=replayed,
    )
