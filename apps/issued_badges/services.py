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
    badge_failures = {pk: _badge_failure(context, badges.get(pk)) for pk in badge_ids}
    recipient_failures = _recipient_failures(context, scope, recipient_ids, recipients)
    permitted = _actor_permitted(context, scope)

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

    codes: dict[tuple[int, int], str] = {}
    valid: list[tuple[int, int]] = []
    for badge_id in badge_ids:
        badge_failure = badge_failures[badge_id]
        for recipient_id in recipient_ids:
            failure = (
                (None if permitted else Outcome.NOT_PERMITTED) or badge_failure or recipient_failures.get(recipient_id)
            )
            if failure:
                codes[(badge_id, recipient_id)] = failure
            else:
                valid.append((badge_id, recipient_id))

    inserted = _insert_issued_badges(context, batch, valid, now, issued_at)
    conflicted = [pair for pair in valid if pair not in inserted]
    revoked = _revoked_pairs(conflicted)
    for pair in valid:
        if pair in inserted:
            codes[pair] = Outcome.ISSUED
        else:
            codes[pair] = Outcome.REVOKED if pair in revoked else Outcome.ALREADY_EARNED

    outcomes = []
    for badge_id in badge_ids:
        badge = badges.get(badge_id)
        for recipient_id in recipient_ids:
            recipient = recipients.get(recipient_id)
            outcomes.append(
                PairOutcome(
                    badge_id=badge_id,
                    recipient_id=recipient_id,
                    code=codes[(badge_id, recipient_id)],
                    badge_name=badge.name if badge else None,
                    student_name=recipient.display_name if recipient else None,
                    student_username=recipient.username if recipient else None,
                    issued_badge_id=inserted.get((badge_id, recipient_id)),
                    context=context.label,
                )
            )
    _write_log(context, batch, outcomes, badges, recipients, now)
    batch.issued_count = len(inserted)
    batch.failed_count = len(outcomes) - len(inserted)
    IssuanceBatch.objects.filter(pk=batch.pk).update(issued_count=batch.issued_count, failed_count=batch.failed_count)
    return IssuanceReport(batch=batch, outcomes=outcomes)


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


def _revoked_pairs(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    if not pairs:
        return set()
    wanted = set(pairs)
    rows = IssuedBadge.objects.revoked().filter(
        badge_id__in={b for b, _ in pairs}, recipient_id__in={r for _, r in pairs}
    )
    return {pair for pair in rows.values_list("badge_id", "recipient_id") if pair in wanted}


# --- SQL: set-based inserts (PostgreSQL: one statement each; others: chunked) -----------------------------


def _insert_issued_badges(context, batch, pairs, now, issued_at) -> dict[tuple[int, int], int]:
    """Insert the pairs, skipping any that exist; return {(badge_id, recipient_id): new id} of those inserted."""
    if not pairs:
        return {}
    table = IssuedBadge._meta.db_table
    columns = (
        "uuid, badge_id, recipient_id, issued_at, issued_by_id, source, classroom_id, "
        "course_assignment_id, achievement_id, batch_id, revocation_reason"
    )
    shared = [
        context.actor.pk if context.actor else None,
        context.source,
        context.classroom.pk if context.classroom else None,
        context.course_assignment.pk if context.course_assignment else None,
        context.achievement.pk if context.achievement else None,
        batch.pk,
    ]
    dates = [issued_at.get(r, now) if issued_at else now for _, r in pairs]
    returning = "ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, badge_id, recipient_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - table and columns are ours
                "SELECT gen_random_uuid(), p.badge_id, p.recipient_id, p.issued_at, %s, %s, %s, %s, %s, %s, '' "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS p(badge_id, recipient_id, issued_at) "
                f"{returning}",
                [*shared, [b for b, _ in pairs], [r for _, r in pairs], dates],
            )
            return {(b, r): pk for pk, b, r in cursor.fetchall()}
        inserted = {}
        ops = connection.ops
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            rows, params = [], []
            for (badge_id, recipient_id), date in zip(chunk, dates[start : start + 500], strict=True):
                rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')")
                params += [uuid.uuid4().hex, badge_id, recipient_id, ops.adapt_datetimefield_value(date), *shared]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join(rows)} {returning}",  # noqa: S608
                params,
            )
            inserted.update({(b, r): pk for pk, b, r in cursor.fetchall()})
        return inserted


def _write_log(context, batch, outcomes: list[PairOutcome], badges, recipients, now) -> None:
    """One log row per pair, in one statement on PostgreSQL."""
    if not outcomes:
        return
    table = IssuanceLog._meta.db_table
    actor_id = context.actor.pk if context.actor else None
    actions = [IssuanceLog.Action.ISSUED if o.ok else IssuanceLog.Action.FAILED for o in outcomes]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (created_at, action, batch_id, issued_badge_id, badge_id, recipient_id, "  # noqa: S608
                "actor_id, source, reason_code, reason) "
                "SELECT %s, l.action, %s, l.issued_badge_id, l.badge_id, l.recipient_id, %s, %s, l.reason_code, '' "
                "FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[], %s::bigint[], %s::varchar[]) "
                "AS l(action, issued_badge_id, badge_id, recipient_id, reason_code)",
                [
                    now,
                    batch.pk,
                    actor_id,
                    context.source,
                    actions,
                    [o.issued_badge_id for o in outcomes],
                    [o.badge_id if o.badge_id in badges else None for o in outcomes],
                    [o.recipient_id if o.recipient_id in recipients else None for o in outcomes],
                    [o.code for o in outcomes],
                ],
            )
            return
        created = connection.ops.adapt_datetimefield_value(now)
        cursor.executemany(
            f"INSERT INTO {table} (created_at, action, batch_id, issued_badge_id, badge_id, recipient_id, "  # noqa: S608
            "actor_id, source, reason_code, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '')",
            [
                (
                    created,
                    action,
                    batch.pk,
                    o.issued_badge_id,
                    o.badge_id if o.badge_id in badges else None,
                    o.recipient_id if o.recipient_id in recipients else None,
                    actor_id,
                    context.source,
                    o.code,
                )
                for o, action in zip(outcomes, actions, strict=True)
            ],
        )


# --- Reading a batch back ------------------------------------------------------------------------------


def batch_report(batch: IssuanceBatch, *, replayed: bool = False) -> IssuanceReport:
    """Rebuild a batch's report from its log (two queries)."""
    from .selectors import batch_outcomes

    return IssuanceReport(batch=batch, outcomes=batch_outcomes(batch=batch), replayed=replayed)
