"""Reads for the course assignment pages."""

from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.models import User

from .models import CourseAssignment


def assignment_list(*, user: User) -> QuerySet[CourseAssignment]:
    """Course assignments of the organizations the user administers, newest first. Filter it with
    ``AssignmentFilter``."""
    return (
        CourseAssignment.objects.administered_by(user)
        .select_related("course", "student", "organization")
        .order_by("-starts_at", "-pk")
    )


def active_assignment(*, course, student) -> CourseAssignment | None:
    """The student's assignment of this course that has not expired yet, if any."""
    return CourseAssignment.objects.filter(course=course, student=student, expires_at__gt=timezone.now()).first()
