"""What each achievement requires, read for many at once or from an unsaved form, and the one SQL statement that
finds who has met it (each kind's own, in ``kinds``)."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from apps.access.policy import descendant_ids
from apps.activity.models import ACTIVITY_TABLE
from apps.courses.models import LearningPath, LearningPathCourse

from .kinds import KINDS, Requirement, UserRange
from .models import Achievement

__all__ = ["Requirement", "UserRange", "per_user_sql", "requirement_from", "requirements_of"]


def requirements_of(achievements: Iterable[Achievement]) -> dict[int, Requirement]:
    """Each achievement's requirement, read for all of them at once (at most three queries)."""
    achievements = list(achievements)
    sets: dict[int, list[int]] = {}
    set_ids = [a.pk for a in achievements if KINDS[a.kind].target == "courses"]
    if set_ids:
        through = Achievement.courses.through.objects.filter(achievement_id__in=set_ids).order_by("course_id")
        for achievement_id, course_id in through.values_list("achievement_id", "course_id"):
            sets.setdefault(achievement_id, []).append(course_id)
    path_ids = {a.learning_path_id for a in achievements if KINDS[a.kind].target == "learning_path"}
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
    fields = KINDS[achievement.kind].requirement(achievement, course_set=course_set, paths=paths, members=members)
    return Requirement(kind=achievement.kind, organization_id=achievement.organization_id, **fields)


def per_user_sql(
    requirement: Requirement,
    *,
    active: list[int] | tuple[int, int] | UserRange | None = None,
    history: str = ACTIVITY_TABLE,
) -> tuple[str, list]:
    """SELECT user_id, first_met for every user with activity relevant to ``requirement``.

    ``active`` narrows it to the users of an incremental run: a list of their ids, or ``(after, upto)``,
    the users with an activity record whose id is in (after, upto] (for very many of them); or a ``UserRange``,
    the students of a full run's shard. Their whole
    history is still read: an achievement is met by everything a student has ever done. ``history`` is
    where it is read from: the activity table, or a relation with its columns holding (at least) the
    whole history of the ``active`` users.
    """
    return KINDS[requirement.kind].sql(requirement, active=active, history=history)
