"""Writes for course assignments."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.courses.models import Course

from .models import CourseAssignment
from .selectors import active_assignment


class AlreadyAssigned(Exception):
    """The student has an active assignment of the course already (``current``): a second one is refused."""

    def __init__(self, current: CourseAssignment):
        super().__init__(f"{current.student} already has {current.course} until {current.expires_at:%Y-%m-%d}.")
        self.current = current


def course_assignment_create(*, course: Course, student: User, days: int, actor: User) -> CourseAssignment:
    """Give ``student`` self-paced access to ``course`` for ``days`` days from now (the caller checked access).

    One active assignment of a course per student: a second is refused with ``AlreadyAssigned``. The check and the
    write hold the student's row locked, so two submissions at once cannot both pass it (PostgreSQL; SQLite
    writes one transaction at a time)."""
    starts_at = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=student.pk).values_list("pk").first()
        if current := active_assignment(course=course, student=student):
            raise AlreadyAssigned(current)
        return CourseAssignment.objects.create(
            organization_id=course.organization_id,
            course=course,
            student=student,
            starts_at=starts_at,
            expires_at=starts_at + timedelta(days=days),
            created_by=actor,
        )
