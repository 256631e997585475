"""One spec per achievement kind: its target field, what it requires, who meets it, whom new activity
concerns, and how it reads on a page.

A kind's ``Requirement`` is read from a saved achievement or from a form not saved yet (the preview), so both
evaluate exactly the same thing. Its ``sql`` is a SELECT of ``(user_id, first_met)`` over the users with
relevant activity: ``first_met`` is when the requirement was first met, NULL when it is not (yet). It is plain
SQL that PostgreSQL and SQLite both run; the evaluator wraps it in one INSERT per achievement. Adding a kind:
its value in ``Achievement.Kind`` (and the model's check constraint), and its spec in ``KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from apps.accounts.models import User
from apps.activity.models import ACTIVITY_TABLE, ActivityRecord

from .models import Achievement

USERS = User._meta.db_table
Kind = Achievement.Kind
Activity = ActivityRecord.Kind


@dataclass(frozen=True)
class Requirement:
    kind: str
    organization_id: int
    lab_id: int | None = None
    course_id: int | None = None
    course_ids: tuple[int, ...] = ()  # a set of courses, or a learning path's courses
    learning_path_id: int | None = None
    exam: bool = False  # the learning path has an exam to pass
    points_threshold: int | None = None
    member_organization_ids: tuple[int, ...] = field(default=(), compare=False)  # whose points count

    @property
    def steps(self) -> int:
        """How many things a set or a path asks for (each course, and the exam)."""
        return len(self.course_ids) + int(self.exam)


@dataclass(frozen=True)
class Condition:
    """One line of "Why not awarded?"."""

    label: str
    met: bool
    detail: str = ""  # when it was met, or how far along


Done = Callable[..., Condition]  # done(label, *(activity kind, target id)): met when any of them was done


def in_list(values) -> tuple[str, list]:
    values = list(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


@dataclass(frozen=True)
class UserRange:
    """The students whose id is in [start, stop) — ``None``: open on that side. A shard of a full run."""

    start: int | None = None
    stop: int | None = None

    def sql(self, column: str) -> tuple[str, list]:
        """`` AND column >= start AND column < stop`` for the bounds that are set, and their parameters."""
        bounds = [(">=", self.start), ("<", self.stop)]
        return "".join(f" AND {column} {op} %s" for op, value in bounds if value is not None), [
            value for _, value in bounds if value is not None
        ]

    def __contains__(self, user_id: int) -> bool:
        return (self.start is None or user_id >= self.start) and (self.stop is None or user_id < self.stop)


def _users(active) -> tuple[str, list]:
    """The condition that narrows a statement to the users of an incremental run, or a shard's range of users
    (see ``per_user_sql``)."""
    if isinstance(active, UserRange):
        return active.sql("user_id")
    if isinstance(active, tuple):
        users_sql = f" AND user_id IN (SELECT user_id FROM {ACTIVITY_TABLE} WHERE id > %s AND id <= %s)"  # noqa: S608
        return users_sql, list(active)
    if active is not None:
        ids_sql, ids = in_list(active or [0])
        return f" AND user_id IN {ids_sql}", ids
    return "", []


@dataclass(frozen=True)
class KindSpec:
    """Everything that differs between achievement kinds."""

    target: str  # the achievement (and form) field naming what is to be done
    requirement: Callable[..., dict]  # (achievement, *, course_set, paths, members): the Requirement's other fields
    sql: Callable[..., tuple[str, list]]  # (requirement, *, active, history): see requirements.per_user_sql
    concerned: Callable[[Requirement, Any], set[int]]  # (requirement, evaluator's _Touched): who may meet it now
    sentence: Callable[[Achievement], str]  # what it asks (its targets loaded)
    conditions: Callable[..., list[Condition]]  # (achievement, done, *, points, member): "Why not awarded?"


def _lab(verb: str, past: str, *activities: str) -> KindSpec:
    """A lab launched or completed: ``activities``, the records that meet it (a completed lab was launched)."""

    def sql(r: Requirement, *, active, history: str) -> tuple[str, list]:
        users_sql, users_params = _users(active)
        kinds_sql, kinds_params = in_list(activities)
        return (
            f"SELECT user_id, MIN(occurred_at) AS first_met FROM {history} "  # noqa: S608
            f"WHERE kind IN {kinds_sql} AND lab_id = %s{users_sql} GROUP BY user_id",
            [*kinds_params, r.lab_id, *users_params],
        )

    return KindSpec(
        target="lab",
        requirement=lambda a, **_: {"lab_id": a.lab_id},
        sql=sql,
        concerned=lambda r, touched: set(touched.labs.get(r.lab_id, ())),
        sentence=lambda a: f"{verb} the lab “{a.lab.title}” ({a.lab.course.title})",
        conditions=lambda a, done, **_: [
            done(f"Lab “{a.lab.title}” {past}", *((kind, a.lab.pk) for kind in activities))
        ],
    )


def _course_sql(r: Requirement, *, active, history: str) -> tuple[str, list]:
    users_sql, users_params = _users(active)
    return (
        f"SELECT user_id, MIN(occurred_at) AS first_met FROM {history} "  # noqa: S608
        f"WHERE kind = %s AND course_id = %s{users_sql} GROUP BY user_id",
        [Activity.COURSE_COMPLETED, r.course_id, *users_params],
    )


def _course_done(done: Done, course) -> Condition:
    return done(f"Course “{course.title}” completed", (Activity.COURSE_COMPLETED, course.pk))


def _steps_sql(r: Requirement, *, active, history: str) -> tuple[str, list]:
    """Every course of a set (or of a path, and its exam): met when the last of them was first done."""
    users_sql, users_params = _users(active)
    parts, params = [], []
    if r.course_ids:
        courses_sql, courses_params = in_list(r.course_ids)
        parts.append(
            f"SELECT user_id, course_id AS step, MIN(occurred_at) AS done FROM {history} "  # noqa: S608
            f"WHERE kind = %s AND course_id IN {courses_sql}{users_sql} GROUP BY user_id, course_id"
        )
        params += [Activity.COURSE_COMPLETED, *courses_params, *users_params]
    if r.exam:
        parts.append(
            f"SELECT user_id, 0 AS step, MIN(occurred_at) AS done FROM {history} "  # noqa: S608
            f"WHERE kind = %s AND learning_path_id = %s{users_sql} GROUP BY user_id"
        )
        params += [Activity.EXAM_PASSED, r.learning_path_id, *users_params]
    if not parts:  # nothing to do can never be met
        return f"SELECT user_id, NULL AS first_met FROM {ACTIVITY_TABLE} WHERE 1 = 0", []  # noqa: S608
    return (
        "SELECT user_id, CASE WHEN COUNT(*) = %s THEN MAX(done) END AS first_met "  # noqa: S608
        f"FROM ({' UNION ALL '.join(parts)}) AS steps GROUP BY user_id",
        [r.steps, *params],
    )


def _steps_concerned(r: Requirement, touched) -> set[int]:
    users = {u for course in r.course_ids for u in touched.courses.get(course, ())}
    if r.exam:
        users |= touched.exams.get(r.learning_path_id, set())
    return users


def _path_requirement(achievement: Achievement, *, paths, **_) -> dict:
    courses, exam = paths.get(achievement.learning_path_id, ((), False))
    return {"learning_path_id": achievement.learning_path_id, "course_ids": courses, "exam": exam}


def _path_sentence(achievement: Achievement) -> str:
    path = achievement.learning_path
    exam = f" and pass its exam “{path.exam_title}”" if path.has_exam else ""
    return f"Complete every course of the learning path “{path.title}”{exam}"


def _path_conditions(achievement: Achievement, done: Done, **_) -> list[Condition]:
    path = achievement.learning_path
    conditions = [_course_done(done, step.course) for step in path.steps.all()]
    if path.has_exam:
        conditions.append(done(f"Exam “{path.exam_title}” passed", (Activity.EXAM_PASSED, path.pk)))
    return conditions


def _points_sql(r: Requirement, *, active, history: str) -> tuple[str, list]:
    """Points count for the organization's own people (home organization in its tree); the badge is dated
    when a student's running total first reached the threshold. An incremental run starts from the active
    people and reads their records (not every record with points)."""
    members_sql, members_params = in_list(r.member_organization_ids)
    people, people_params = f"{USERS} AS u", []
    if isinstance(active, tuple):
        people = (
            f"(SELECT DISTINCT user_id FROM {ACTIVITY_TABLE} WHERE id > %s AND id <= %s) AS active "  # noqa: S608
            f"JOIN {USERS} AS u ON u.id = active.user_id"
        )
        people_params = list(active)
    named_sql, named_params = "", []
    if isinstance(active, UserRange):  # both sides: the planner reads one range of each table
        history_sql, history_params = active.sql("a.user_id")
        users_sql, users_params = active.sql("u.id")
        named_sql, named_params = history_sql + users_sql, history_params + users_params
    if isinstance(active, list):
        ids_sql, named_params = in_list(active or [0])
        named_sql = f" AND a.user_id IN {ids_sql} AND u.id IN {ids_sql}"  # both sides: two index lookups
        named_params = named_params * 2
    return (
        "SELECT user_id, MIN(CASE WHEN running >= %s THEN occurred_at END) AS first_met FROM ("  # noqa: S608
        "  SELECT a.user_id, a.occurred_at, SUM(a.points) OVER ("
        "    PARTITION BY a.user_id ORDER BY a.occurred_at, a.id ROWS UNBOUNDED PRECEDING) AS running"
        f"  FROM {people} JOIN {history} AS a ON a.user_id = u.id"
        f"  WHERE u.organization_id IN {members_sql} AND a.points > 0{named_sql}"
        ") AS totals GROUP BY user_id",
        [r.points_threshold, *people_params, *members_params, *named_params],
    )


def _points_concerned(r: Requirement, touched) -> set[int]:
    """Only those whose new points carried them over the threshold."""
    if touched.many:
        return set(touched.scored)
    threshold = r.points_threshold
    return {user for user, (before, now) in touched.crossed.items() if before < threshold <= now}


def _points_conditions(achievement: Achievement, done: Done, *, points: int, member: bool) -> list[Condition]:
    threshold = achievement.points_threshold
    if not member:  # the evaluator counts points for the organization's own people only
        return [Condition(f"Member of {achievement.organization}", False, "points count for its members")]
    return [Condition(f"{threshold:,} points", points >= threshold, f"{points:,} / {threshold:,} points")]


KINDS: dict[str, KindSpec] = {
    Kind.LAB_LAUNCHED: _lab("Launch", "launched", Activity.LAB_LAUNCHED, Activity.LAB_COMPLETED),
    Kind.LAB_COMPLETED: _lab("Complete", "completed", Activity.LAB_COMPLETED),
    Kind.COURSE_COMPLETED: KindSpec(
        target="course",
        requirement=lambda a, **_: {"course_id": a.course_id},
        sql=_course_sql,
        concerned=lambda r, touched: set(touched.courses.get(r.course_id, ())),
        sentence=lambda a: f"Complete the course “{a.course.title}”",
        conditions=lambda a, done, **_: [_course_done(done, a.course)],
    ),
    Kind.COURSES_COMPLETED: KindSpec(
        target="courses",
        requirement=lambda a, *, course_set, **_: {"course_ids": tuple(course_set)},
        sql=_steps_sql,
        concerned=_steps_concerned,
        sentence=lambda a: "Complete every course of: " + ", ".join(f"“{c.title}”" for c in a.courses.all()),
        conditions=lambda a, done, **_: [_course_done(done, course) for course in a.courses.all()],
    ),
    Kind.LEARNING_PATH_COMPLETED: KindSpec(
        target="learning_path",
        requirement=_path_requirement,
        sql=_steps_sql,
        concerned=_steps_concerned,
        sentence=_path_sentence,
        conditions=_path_conditions,
    ),
    Kind.POINTS_REACHED: KindSpec(
        target="points_threshold",
        requirement=lambda a, *, members, **_: {
            "points_threshold": a.points_threshold,
            "member_organization_ids": members(a.organization_id),
        },
        sql=_points_sql,
        concerned=_points_concerned,
        sentence=lambda a: f"Reach {a.points_threshold:,} activity points",
        conditions=_points_conditions,
    ),
}
if set(KINDS) != set(Kind):
    raise ImproperlyConfigured(f"Achievement kinds without a spec: {sorted(set(Kind) - set(KINDS))}")
