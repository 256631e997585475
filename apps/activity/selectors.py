"""Reads for the activity pages: the records an administrator sees, the students and catalog they record for,
and an example import file made of them."""

import io
from datetime import timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone

from apps.access.policy import home_people
from apps.accounts.models import Membership, User
from apps.core.csv_export import SafeWriter
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


def activity_import_example(*, user: User) -> str:
    """An example CSV file that imports as it is for ``user``: their own students and catalog codes (codes
    that name one item of their organizations), dated in the last days. Placeholders only where they have none.

    Built from what the viewer may record, not from names written here, so it stays true whatever the data."""
    students = activity_students(user=user).exclude(pk=user.pk)
    is_student = Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.STUDENT)
    usernames = list(
        students.annotate(student=Exists(is_student))
        .order_by("-student", "username")
        .values_list("username", flat=True)[:2]
    ) or ["your-student"]
    first, second = usernames[0], usernames[-1]
    lab = _unique_code(activity_labs(user=user), course_key=Upper("course__code"), key=Upper("code"))
    course = _unique_code(activity_courses(user=user), key=Upper("code"))
    # The import finds a path among all the administered ones: its code must be unique there and have an exam.
    path = _unique_code(LearningPath.objects.administered_by(user), key=Upper("code"), having_exam=Max("exam_title"))
    today = timezone.localdate()
    day = lambda n: today - timedelta(days=n)  # noqa: E731
    rows = []
    if lab:
        rows.append([first, "lab_launched", f"{lab['course_code']}/{lab['code']}", 10, f"{day(3)}T14:30"])
    if course:
        rows.append([first, "course_completed", course["code"], 100, f"{day(2)}"])
    if path:
        rows.append([second, "exam_passed", path["code"], 200, f"{day(1)} 09:00"])
    rows.append([second, "points", "", 25, f"{day(1)}"])
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(["username", "kind", "reference", "points", "occurred_at"])
    writer.writerows(rows)
    return out.getvalue()


def _unique_code(items: QuerySet, *, having_exam=None, **keys) -> dict | None:
    """The first item (by code) whose code, in any letter case, names no other of ``items``: as the import reads it."""
    groups = items.order_by().annotate(**keys).values(*keys).annotate(n=Count("pk"), code=Min("code"))
    if "course_key" in keys:
        groups = groups.annotate(course_code=Min("course__code"))
    if having_exam is not None:
        groups = groups.annotate(exam=having_exam).exclude(exam="")
    return groups.filter(n=1).order_by(*keys).first()
