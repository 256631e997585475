"""Set-based writes of the issuing door (PostgreSQL: one statement each; SQLite: chunks)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import connection

from ..models import IssuanceBatch, IssuanceLog, IssuedBadge, Outcome

if TYPE_CHECKING:
    from .issuing import _Context, _Pairs

# --- SQL: set-based writes ----------------------------------------------------------------------------
#
# PostgreSQL: one statement each for all the jobs of a pass, each job's pairs as a cross join of two
# id arrays (or two zipped arrays), the issued rows' log entries written by the same statement (a
# data-modifying CTE).
# Elsewhere (SQLite, the embedded default): chunked VALUES with RETURNING.

_ISSUED_COLUMNS = (
    "uuid, badge_id, recipient_id, issued_at, updated_at, earned_at, issued_by_id, source, classroom_id, "
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


def _candidates_sql(jobs) -> tuple[str, list]:
    """A SELECT of every job's pairs, each with its earned date (or NULL) and the job's shared columns: per job a
    cross join of two id arrays, or zipped arrays; the jobs joined by UNION ALL."""
    parts, params = [], []
    for job, batch, pairs in jobs:
        dates = job.earned_at or {}
        if pairs.listed is None:
            rows = (
                "unnest(%s::bigint[]) AS b(badge_id) "
                "CROSS JOIN unnest(%s::bigint[], %s::timestamptz[]) AS r(recipient_id, earned_at)"
            )
            ids = [pairs.badge_ids, pairs.recipient_ids, [dates.get(r) for r in pairs.recipient_ids]]
        else:
            rows = "unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS p(badge_id, recipient_id, earned_at)"
            ids = [[b for b, _ in pairs.listed], [r for _, r in pairs.listed], [dates.get(r) for _, r in pairs.listed]]
        parts.append(
            "SELECT %s::bigint AS actor_id, %s::varchar AS source, %s::bigint AS classroom_id, "  # noqa: S608
            "%s::bigint AS course_assignment_id, %s::bigint AS achievement_id, %s::bigint AS batch_id, "
            f"badge_id, recipient_id, earned_at FROM {rows}"
        )
        params += [*_shared(job.context, batch), *ids]
    return " UNION ALL ".join(parts), params


def _by_batch(rows) -> dict[int, dict[tuple[int, int], object]]:
    """{batch: {(badge, recipient): value}} from rows of (batch, badge, recipient, value)."""
    result: dict[int, dict[tuple[int, int], object]] = {}
    for batch_id, badge_id, recipient_id, value in rows:
        result.setdefault(batch_id, {})[badge_id, recipient_id] = value
    return result


class PostgresWriter:
    """``jobs`` are (job, its batch, its valid pairs); every job's pairs are written by one statement."""

    @staticmethod
    def insert_issued(jobs, now) -> dict[int, dict[tuple[int, int], int]]:
        """Insert the pairs, skipping those that exist, and log each one inserted — one statement.
        Returns {batch: {pair: issued badge id}}."""
        if not jobs:
            return {}
        candidates, params = _candidates_sql(jobs)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH inserted AS (
                    INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS})
                    SELECT gen_random_uuid(), c.badge_id, c.recipient_id, %s, %s, c.earned_at, c.actor_id,
                           c.source, c.classroom_id, c.course_assignment_id, c.achievement_id, c.batch_id, ''
                    FROM ({candidates}) AS c
                    ON CONFLICT (badge_id, recipient_id) DO NOTHING
                    RETURNING id, batch_id, badge_id, recipient_id, issued_by_id, source
                ), logged AS (
                    INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                    SELECT %s, 'issued', batch_id, id, badge_id, recipient_id, issued_by_id, source, 'issued', ''
                    FROM inserted
                )
                SELECT batch_id, badge_id, recipient_id, id FROM inserted
                """,  # noqa: S608 - tables and columns are ours; values are parameters
                [now, now, *params, now],
            )
            return _by_batch(cursor.fetchall())

    @staticmethod
    def count(batches) -> None:
        """Store each batch's issued and failed counts."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {IssuanceBatch._meta.db_table} AS b SET issued_count = c.issued, failed_count = c.failed "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::integer[], %s::integer[]) AS c(id, issued, failed) WHERE b.id = c.id",
                [[b.pk for b in batches], [b.issued_count for b in batches], [b.failed_count for b in batches]],
            )

    @staticmethod
    def log_conflicts(jobs, now) -> dict[int, dict[tuple[int, int], str]]:
        """Log the valid pairs that already existed (earned before, or revoked); return {batch: {pair: code}}."""
        candidates, params = _candidates_sql(jobs)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                SELECT %s, 'failed', c.batch_id, NULL, i.badge_id, i.recipient_id, c.actor_id, c.source,
                       CASE WHEN i.revoked_at IS NULL THEN 'already_earned' ELSE 'revoked' END, ''
                FROM ({candidates}) AS c
                JOIN {IssuedBadge._meta.db_table} AS i ON i.badge_id = c.badge_id AND i.recipient_id = c.recipient_id
                WHERE i.batch_id IS DISTINCT FROM c.batch_id
                RETURNING batch_id, badge_id, recipient_id, reason_code
                """,  # noqa: S608
                [now, *params],
            )
            return _by_batch(cursor.fetchall())

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


class PortableWriter:
    """The same writes for SQLite (the embedded default), in chunks."""

    @staticmethod
    def insert_issued(jobs, now) -> dict[int, dict[tuple[int, int], int]]:
        return {batch.pk: PortableWriter._insert(job, batch, pairs, now) for job, batch, pairs in jobs}

    @staticmethod
    def log_conflicts(jobs, now) -> dict[int, dict[tuple[int, int], str]]:
        return {batch.pk: PortableWriter._conflicts(job.context, batch, pairs, now) for job, batch, pairs in jobs}

    @staticmethod
    def count(batches) -> None:
        for batch in batches:
            IssuanceBatch.objects.filter(pk=batch.pk).update(
                issued_count=batch.issued_count, failed_count=batch.failed_count
            )

    @staticmethod
    def _insert(job, batch, pairs: _Pairs, now) -> dict[tuple[int, int], int]:
        ops, shared, listed, earned_at = connection.ops, _shared(job.context, batch), list(pairs), job.earned_at or {}
        inserted: dict[tuple[int, int], int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(listed), 500):
                params: list = []
                for b, r in listed[start : start + 500]:
                    earned = ops.adapt_datetimefield_value(earned_at.get(r))
                    when = ops.adapt_datetimefield_value(now)
                    params += [uuid.uuid4().hex, b, r, when, when, earned, *shared]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')"] * (len(params) // 12))
                cursor.execute(
                    f"INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS}) VALUES {values} "  # noqa: S608
                    "ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, badge_id, recipient_id",
                    params,
                )
                inserted.update({(b, r): pk for pk, b, r in cursor.fetchall()})
        PortableWriter._log(job.context, batch, now, [(pk, b, r, "issued") for (b, r), pk in inserted.items()])
        return inserted

    @staticmethod
    def _conflicts(context, batch, pairs: _Pairs, now) -> dict[tuple[int, int], str]:
        wanted = set(pairs)
        rows = (
            IssuedBadge.objects.filter(badge_id__in=pairs.badge_ids, recipient_id__in=pairs.recipient_ids)
            .exclude(batch=batch)
            .values_list("badge_id", "recipient_id", "revoked_at")
        )
        conflicts = {
            (b, r): Outcome.ALREADY_EARNED if revoked_at is None else Outcome.REVOKED
            for b, r, revoked_at in rows
            if (b, r) in wanted
        }
        PortableWriter._log(context, batch, now, [(None, b, r, code) for (b, r), code in conflicts.items()])
        return conflicts

    @staticmethod
    def log_rejected(context, batch, rejected, badges, recipients, now) -> None:
        rows = [
            (None, b if b in badges else None, r if r in recipients else None, code)
            for (b, r), code in rejected.items()
        ]
        PortableWriter._log(context, batch, now, rows)

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
