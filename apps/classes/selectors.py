"""Reads for the class pages."""

from django.db.models import Count, Prefetch, Q, QuerySet

from apps.accounts.models import User

from .models import Classroom


def classroom_list(*, user: User, search: str = "") -> QuerySet[Classroom]:
    """Classes the user administers or teaches, with course, organization, instructors and head count.

    Three queries per page whatever its size: the count, the rows, the instructors.
    """
    classrooms = (
        Classroom.objects.visible_to(user)
        .exclude(pk__in=user.enrollments.values("classroom_id"))
        .select_related("organization", "course")
        .annotate(student_count=Count("enrollments"))
        .prefetch_related(Prefetch("instructors", queryset=User.objects.order_by("last_name", "first_name")))
        .order_by("-starts_at", "title")
    )
    if search:
        classrooms = classrooms.filter(
            Q(title__icontains=search) | Q(course__title__icontains=search) | Q(course__code__icontains=search)
        )
    return classrooms
