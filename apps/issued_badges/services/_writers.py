"""Set-based writes of the issuing door (PostgreSQL: one statement each; SQLite: chunks)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import connection

from ..models import IssuanceLog, IssuedBadge, Outcome

if TYPE_CHECKING:
    from .issuing import _Context, _Pairs

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


def _candidates_sql(pairs: _Pairs) -> tuple[str, list]:
    """A SELECT of (badge_id, recipient_id) for the pairs: a cross join of two id arrays, or two zipped arrays."""
    if pairs.listed is None:
        return (
            "SELECT b.id AS badge_id, r.id AS recipient_id "
            "FROM unnest(%s::bigint[]) AS b(id) CROSS JOIN unnest(%s::bigint[]) AS r(id)",
            [pairs.badge_ids, pairs.recipient_ids],
        )
    return (
        "SELECT badge_id, recipient_id FROM unnest(%s::bigint[], %s::bigint[]) AS p(badge_id, recipient_id)",
        [[b for b, _ in pairs.listed], [r for _, r in pairs.listed]],
    )


class PostgresWriter:
    @staticmethod
    def insert_issued(context, batch, pairs: _Pairs, now, issued_at) -> dict[tuple[int, int], int]:
        """Insert the pairs, skipping those that exist, and log each one inserted — one statement."""
        candidates, params = _candidates_sql(pairs)
        date_sql, dates_join = "%s::timestamptz", ""
        if issued_at:  # each recipient's own date, else now
            date_sql = "COALESCE(d.issued_at, %s)"
            dates_join = (
                "LEFT JOIN unnest(%s::bigint[], %s::timestamptz[]) AS d(rid, issued_at) ON d.rid = c.recipient_id"
            )
            dated = [r for r in pairs.recipient_ids if r in issued_at]
            params += [dated, [issued_at[r] for r in dated]]
        actor_id = context.actor.pk if context.actor else None
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH inserted AS (
                    INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS})
                    SELECT gen_random_uuid(), c.badge_id, c.recipient_id, {date_sql},
                           %s, %s, %s, %s, %s, %s, ''
                    FROM ({candidates}) AS c {dates_join}
                    ON CONFLICT (badge_id, recipient_id) DO NOTHING
                    RETURNING id, badge_id, recipient_id
                ), logged AS (
                    INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                    SELECT %s, 'issued', %s, id, badge_id, recipient_id, %s, %s, 'issued', '' FROM inserted
                )
                SELECT id, badge_id, recipient_id FROM inserted
                """,  # noqa: S608 - tables and columns are ours; values are parameters
                [now, *_shared(context, batch), *params, now, batch.pk, actor_id, context.source],
            )
            return {(b, r): pk for pk, b, r in cursor.fetchall()}

    @staticmethod
    def log_conflicts(context, batch, pairs: _Pairs, now) -> dict[tuple[int, int], str]:
        """Log the valid pairs that already existed (earned before, or revoked); return their codes."""
        candidates, params = _candidates_sql(pairs)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IssuanceLog._meta.db_table} ({_LOG_COLUMNS})
                SELECT %s, 'failed', %s, NULL, i.badge_id, i.recipient_id, %s, %s,
                       CASE WHEN i.revoked_at IS NULL THEN 'already_earned' ELSE 'revoked' END, ''
                FROM ({candidates}) AS c
                JOIN {IssuedBadge._meta.db_table} AS i ON i.badge_id = c.badge_id AND i.recipient_id = c.recipient_id
                WHERE i.batch_id IS DISTINCT FROM %s
                RETURNING badge_id, recipient_id, reason_code
                """,  # noqa: S608
                [now, batch.pk, context.actor.pk if context.actor else None, context.source, *params, batch.pk],
            )
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


class PortableWriter:
    """The same writes for SQLite (the embedded default), in chunks."""

    @staticmethod
    def insert_issued(context, batch, pairs: _Pairs, now, issued_at) -> dict[tuple[int, int], int]:
        ops, shared, listed = connection.ops, _shared(context, batch), list(pairs)
        inserted: dict[tuple[int, int], int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(listed), 500):
                params: list = []
                for b, r in listed[start : start + 500]:
                    date = issued_at.get(r, now) if issued_at else now
                    params += [uuid.uuid4().hex, b, r, ops.adapt_datetimefield_value(date), *shared]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')"] * (len(params) // 10))
                cursor.execute(
                    f"INSERT INTO {IssuedBadge._meta.db_table} ({_ISSUED_COLUMNS}) VALUES {values} "  # noqa: S608
                    "ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, badge_id, recipient_id",
                    params,
                )
                inserted.update({(b, r): pk for pk, b, r in cursor.fetchall()})
        PortableWriter._log(context, batch, now, [(pk, b, r, "issued") for (b, r), pk in inserted.items()])
        return inserted

    @staticmethod
    def log_conflicts(context, batch, pairs: _Pairs, now) -> dict[tuple[int, int], str]:
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
