"""Reads for the activity pages: the records an administrator sees, the students and catalog they record for."""

from django.db.models import Q, QuerySet

from apps.accounts.models import User, person_search
from apps.courses.models import Course, Lab, LearningPath
from apps.organizations.querysets import administered_organization_ids

from .models import ActivityRecord


def activity_record_list(*, user: User, search: str = "", kind: str = "") -> QuerySet[ActivityRecord]:
    """Activity on the catalog of the organizations ``user`` administers, newest first.

    Points records have no target: they show where the student's home organization is administered.
    Subqueries rather than joins, so that the planner can use the (kind, target, user) indexes.
    """
    records = ActivityRecord.objects.select_related("user", "course", "lab__course", "learning_path")
    if not (user.is_superuser and user.is_active):
        ids = administered_organization_ids(user)
        courses = Course.objects.filter(organization__in=ids).values("pk")
        records = records.filter(
            Q(course__in=courses)
            | Q(lab__in=Lab.objects.filter(course__in=courses).values("pk"))
            | Q(learning_path__in=LearningPath.objects.filter(organization__in=ids).values("pk"))
            | Q(kind=ActivityRecord.Kind.POINTS, user__in=User.objects.filter(organization__in=ids).values("pk"))
        )
    if search:
        records = records.filter(person_search(search, prefix="user__"))
    if kind:
        records = records.filter(kind=kind)
    return records.order_by("-occurred_at", "-pk")


def activity_students(*, user: User) -> QuerySet[User]:
    """The people ``user`` may record activity for: active users whose home organization they administer."""
    return User.objects.filter(organization__in=administered_organization_ids(user), is_active=True)


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
