"""What an achievement requires, as data, and the one SQL statement that finds who has met it.

``Requirement`` is read from a saved achievement or from a form that has not been saved yet
(the preview), so both evaluate exactly the same thing. ``per_user_sql`` is a SELECT of
``(user_id, first_met)`` over the users with relevant activity: ``first_met`` is when the
requirement was first met, NULL when it is not (yet). It is plain SQL that PostgreSQL and SQLite
both run; the evaluator wraps it in one INSERT per achievement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.accounts.models import User
from apps.activity.models import ACTIVITY_TABLE, ActivityRecord
from apps.courses.models import LearningPath, LearningPathCourse
from apps.organizations.querysets import descendant_ids

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


def requirements_of(achievements: Iterable[Achievement]) -> dict[int, Requirement]:
    """Each achievement's requirement, read for all of them at once (at most three queries)."""
    achievements = list(achievements)
    sets: dict[int, list[int]] = {}
    set_ids = [a.pk for a in achievements if a.kind == Kind.COURSES_COMPLETED]
    if set_ids:
        through = Achievement.courses.through.objects.filter(achievement_id__in=set_ids).order_by("course_id")
        for achievement_id, course_id in through.values_list("achievement_id", "course_id"):
            sets.setdefault(achievement_id, []).append(course_id)
    path_ids = {a.learning_path_id for a in achievements if a.kind == Kind.LEARNING_PATH_COMPLETED}
    paths = _paths(path_ids)
    members = functools.cache(lambda organization_id: tuple(sorted(descendant_ids([organization_id]))))
    return {a.pk: _requirement(a, sets.get(a.pk, ()), paths, members) for a in achievements}


def requirement_from(*, organization_id: int, kind: str, lab=None, course=None, courses=(), learning_path=None,
                     points_threshold=None) -> Requirement:  # fmt: skip
    """The requirement of an achievement described by a form (not saved yet)."""
    draft = Achievement(
        organization_id=organization_id,
        kind=kind,
        lab=lab,
        course=course,
        learning_path=learning_path,
        points_threshold=points_threshold,
    )
    paths = _paths({learning_path.pk} if learning_path is not None else set())
    return _requirement(draft, sorted(c.pk for c in courses), paths, lambda pk: tuple(sorted(descendant_ids([pk]))))


def _paths(path_ids) -> dict[int, tuple[tuple[int, ...], bool]]:
    if not path_ids:
        return {}
    steps: dict[int, list[int]] = {pk: [] for pk in path_ids}
    for path_id, course_id in LearningPathCourse.objects.filter(learning_path_id__in=path_ids).values_list(
        "learning_path_id", "course_id"
    ):
        steps[path_id].append(course_id)
    exams = dict(LearningPath.objects.filter(pk__in=path_ids).values_list("pk", "exam_title"))
    return {pk: (tuple(sorted(courses)), bool(exams.get(pk))) for pk, courses in steps.items()}


def _requirement(achievement: Achievement, course_set, paths, members) -> Requirement:
    base = {"kind": achievement.kind, "organization_id": achievement.organization_id}
    match achievement.kind:
        case Kind.LAB_LAUNCHED | Kind.LAB_COMPLETED:
            return Requirement(**base, lab_id=achievement.lab_id)
        case Kind.COURSE_COMPLETED:
            return Requirement(**base, course_id=achievement.course_id)
        case Kind.COURSES_COMPLETED:
            return Requirement(**base, course_ids=tuple(course_set))
        case Kind.LEARNING_PATH_COMPLETED:
            courses, exam = paths.get(achievement.learning_path_id, ((), False))
            return Requirement(**base, learning_path_id=achievement.learning_path_id, course_ids=courses, exam=exam)
        case Kind.POINTS_REACHED:
            return Requirement(
                **base,
                points_threshold=achievement.points_threshold,
                member_organization_ids=members(achievement.organization_id),
            )
    raise ValueError(f"unknown achievement kind {achievement.kind!r}")


def _in(values) -> tuple[str, list]:
    values = list(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def per_user_sql(
    requirement: Requirement, *, active: list[int] | tuple[int, int] | None = None, history: str = ACTIVITY_TABLE
) -> tuple[str, list]:
    """SELECT user_id, first_met for every user with activity relevant to ``requirement``.

    ``active`` narrows it to the users of an incremental run: a list of their ids, or ``(after, upto)``,
    the users with an activity record whose id is in (after, upto] (for very many of them). Their whole
    history is still read: an achievement is met by everything a student has ever done. ``history`` is
    where it is read from: the activity table, or a relation with its columns holding (at least) the
    whole history of the ``active`` users.
    """
    users_sql, users_params = "", []
    if isinstance(active, tuple):
        users_sql = f" AND user_id IN (SELECT user_id FROM {ACTIVITY_TABLE} WHERE id > %s AND id <= %s)"  # noqa: S608
        users_params = list(active)
    elif active is not None:
        ids_sql, users_params = _in(active or [0])
        users_sql = f" AND user_id IN {ids_sql}"
    r = requirement
    match r.kind:
        case Kind.LAB_LAUNCHED | Kind.LAB_COMPLETED:
            # Completing a lab means it was launched: either record meets "launched".
            kinds = (
                [Activity.LAB_COMPLETED]
                if r.kind == Kind.LAB_COMPLETED
                else [Activity.LAB_LAUNCHED, Activity.LAB_COMPLETED]
            )
            kinds_sql, kinds_params = _in(kinds)
            return (
                f"SELECT user_id, MIN(occurred_at) AS first_met FROM {history} "  # noqa: S608
                f"WHERE kind IN {kinds_sql} AND lab_id = %s{users_sql} GROUP BY user_id",
                [*kinds_params, r.lab_id, *users_params],
            )
        case Kind.COURSE_COMPLETED:
            return (
                f"SELECT user_id, MIN(occurred_at) AS first_met FROM {history} "  # noqa: S608
                f"WHERE kind = %s AND course_id = %s{users_sql} GROUP BY user_id",
                [Activity.COURSE_COMPLETED, r.course_id, *users_params],
            )
        case Kind.COURSES_COMPLETED | Kind.LEARNING_PATH_COMPLETED:
            return _steps_sql(r, users_sql, users_params, history)
        case Kind.POINTS_REACHED:
            return _points_sql(r, active, history)
    raise ValueError(f"unknown achievement kind {r.kind!r}")


def _points_sql(r: Requirement, active, history: str) -> tuple[str, list]:
    """Points count for the organization's own people (home organization in its tree); the badge is dated
    when a student's running total first reached the threshold. An incremental run starts from the active
    people and reads their records (not every record with points)."""
    members_sql, members_params = _in(r.member_organization_ids)
    people, people_params = f"{USERS} AS u", []
    if isinstance(active, tuple):
        people = (
            f"(SELECT DISTINCT user_id FROM {ACTIVITY_TABLE} WHERE id > %s AND id <= %s) AS active "  # noqa: S608
            f"JOIN {USERS} AS u ON u.id = active.user_id"
        )
        people_params = list(active)
    named_sql, named_params = "", []
    if isinstance(active, list):
        ids_sql, named_params = _in(active or [0])
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


def _steps_sql(r: Requirement, users_sql: str, users_params: list, history: str) -> tuple[str, list]:
    """Every course of a set (or of a path, and its exam): met when the last of them was first done."""
    parts, params = [], []
    if r.course_ids:
        courses_sql, courses_params = _in(r.course_ids)
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
