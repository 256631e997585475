"""Reads for the activity pages: the records an administrator sees, the students and catalog they record for."""

from django.db.models import QuerySet

from apps.access.policy import home_people
from apps.accounts.models import User
from apps.courses.models import Course, Lab, LearningPath

from .models import ActivityRecord


def activity_record_list(*, user: User) -> QuerySet[ActivityRecord]:
    """The activity ``user`` may see (the access policy), newest first."""
    records = ActivityRecord.objects.visible_to(user).select_related("user", "course", "lab__course", "learning_path")
    return records.order_by("-occurred_at", "-pk")


def activity_students(*, user: User) -> QuerySet[User]:
    """The people ``user`` may record activity for (the access policy): those at home in its organizations."""
    return home_people(user)


def activity_courses(*, user: User) -> QuerySet[Course]:
    return Course.objects.administered_by(user).select_related("organization").order_by("code", "title")


def activity_labs(*, user: User) -> QuerySet[Lab]:
    return Lab.objects.administered_by(user).select_related("course__organization").order_by("course__code", "code")


def activity_learning_paths(*, user: User) -> QuerySet[LearningPath]:
    """Learning paths with a final exam: the only ones an exam can be passed on."""
    return (
        LearningPath.objects.administered_by(user)
        .exclude(exam_title="")
        .select_related("organization")
        .order_by("code", "title")
    )
