"""Earning and issuing, the evaluator's unit of work: for some achievements (each with its requirement and the
students to look at), one set-based statement writes an EarnedAchievement for everyone who meets one and has not
earned it yet, and one pass through the door issues each badge — together, in one transaction, or nothing.

Used by incremental runs (services/evaluation.py) and by the shards of full runs (services/shards.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.access import policy
from apps.activity.models import ACTIVITY_TABLE
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue_each

from ..models import EarnedAchievement
from ..requirements import per_user_sql

EARNED = EarnedAchievement._meta.db_table


@dataclass
class Outcome:
    examined: int = 0
    qualified: int = 0
    issued: int = 0
    error: str = ""


def earn_and_issue(items, requested_by) -> dict[int, Outcome]:
    """Earn, then issue each badge through the door — all of ``items`` (achievement, requirement, window)
    together, or nothing. Returns each one's outcome. The door queues the e-mails each achievement's
    notification choice asks for, in its transaction (the notifications app's outbox).

    Badges are issued now, each dated earned when its student first met the requirement. An administrator who
    pressed Evaluate now issues their organizations' badges (they are named as the issuer); the evaluation
    issues the rest by itself."""
    with transaction.atomic():
        outcomes, earned = _earn(items)
        issuing = [achievement for achievement, _, _ in items if earned.get(achievement.pk)]
        reports = badges_issue_each(
            IssueRequest(
                badge_ids=[achievement.badge_id],
                recipient_ids=list(earned[achievement.pk]),
                actor=requested_by if policy.administers(requested_by, achievement.organization_id) else None,
                source=Source.ACHIEVEMENT,
                achievement=achievement,
                earned_at=earned[achievement.pk],
                notify=achievement.notification,
            )
            for achievement in issuing
        )
    for achievement, report in zip(issuing, reports, strict=True):
        outcomes[achievement.pk].issued = report.issued_count
    return outcomes


def _earn(items) -> tuple[dict[int, Outcome], dict[int, dict[int, datetime]]]:
    """Write EarnedAchievement for everyone who meets each achievement of ``items`` and has not earned it;
    return each one's counts, and who earned it when.

    PostgreSQL: one statement (the users are found, counted and inserted by it). SQLite: the counts, then
    the same INSERT … SELECT … RETURNING. Several achievements (their students named) read those students'
    history once.
    """
    history, prefix, params = ACTIVITY_TABLE, "", []
    if len(items) > 1:
        history = "history"
        students = sorted({user_id for _, _, window in items for user_id in window})
        materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
        prefix = (
            f"{history} AS {materialized}(SELECT id, user_id, kind, lab_id, course_id, learning_path_id, "  # noqa: S608
            f"points, occurred_at FROM {ACTIVITY_TABLE} WHERE user_id IN ({', '.join(['%s'] * len(students))})), "
        )
        params += students
    parts = []
    for achievement, requirement, window in items:
        per_user, per_user_params = per_user_sql(requirement, active=window, history=history)
        parts.append(f"SELECT %s AS achievement_id, m.user_id, m.first_met FROM ({per_user}) AS m")  # noqa: S608
        params += [achievement.pk, *per_user_params]
    # One achievement: its id is a constant the planner uses to read only its earned rows.
    which, which_params = ("%s", [items[0][0].pk]) if len(items) == 1 else ("p.achievement_id", [])
    insert = (
        f"INSERT INTO {EARNED} (user_id, achievement_id, earned_at) "  # noqa: S608 - our tables; values are parameters
        "SELECT p.user_id, p.achievement_id, p.first_met FROM per_user AS p "
        "WHERE p.first_met IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {EARNED} AS e WHERE e.achievement_id = {which} AND e.user_id = p.user_id) "
        "ON CONFLICT (user_id, achievement_id) DO NOTHING RETURNING achievement_id, user_id, earned_at"
    )
    per_user = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH {prefix}per_user AS MATERIALIZED ({per_user}), earned AS ({insert}) "  # noqa: S608
                "SELECT achievement_id, NULL, NULL, COUNT(*), COUNT(first_met) FROM per_user GROUP BY achievement_id "
                "UNION ALL SELECT achievement_id, user_id, earned_at, NULL, NULL FROM earned",
                [*params, *which_params],
            )
            rows = cursor.fetchall()
        else:
            cursor.execute(
                f"WITH {prefix}per_user AS ({per_user}) "  # noqa: S608
                "SELECT achievement_id, NULL, NULL, COUNT(*), COUNT(first_met) FROM per_user GROUP BY achievement_id",
                params,
            )
            rows = cursor.fetchall()
            cursor.execute(f"WITH {prefix}per_user AS ({per_user}) {insert}", [*params, *which_params])
            rows += [(a, user_id, _aware(earned_at), None, None) for a, user_id, earned_at in cursor.fetchall()]
    outcomes = {achievement.pk: Outcome() for achievement, _, _ in items}
    earned: dict[int, dict[int, datetime]] = defaultdict(dict)
    for achievement_id, user_id, earned_at, examined, qualified in rows:
        if user_id is None:
            outcomes[achievement_id].examined, outcomes[achievement_id].qualified = examined, qualified
        else:
            earned[achievement_id][user_id] = earned_at
    return outcomes, earned


def _aware(value):
    """SQLite returns RETURNING datetimes as text, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)
