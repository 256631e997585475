"""Reads for the course assignment pages."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User, person_search

from .models import CourseAssignment


def assignment_list(*, user: User, search: str = "", status: str = "") -> QuerySet[CourseAssignment]:
    """Course assignments of the organizations the user administers, newest first."""
    assignments = (
        CourseAssignment.objects.administered_by(user)
        .select_related("course", "student", "organization")
        .order_by("-starts_at", "-pk")
    )
    if search:
        assignments = assignments.filter(
            person_search(search, prefix="student__")
            | Q(course__title__icontains=search)
            | Q(course__code__icontains=search)
        )
    now = timezone.now()
    if status == "active":
        assignments = assignments.filter(starts_at__lte=now, expires_at__gt=now)
    elif status == "expired":
        assignments = assignments.filter(expires_at__lte=now)
    return assignments
