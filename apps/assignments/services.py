"""Writes for course assignments."""

from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.courses.models import Course

from .models import CourseAssignment


def course_assignment_create(*, course: Course, student: User, days: int, actor: User) -> CourseAssignment:
    """Give ``student`` self-paced access to ``course`` for ``days`` days from now (the caller checked access)."""
    starts_at = timezone.now()
    return CourseAssignment.objects.create(
        organization_id=course.organization_id,
        course=course,
        student=student,
        starts_at=starts_at,
        expires_at=starts_at + timedelta(days=days),
        created_by=actor,
    )
