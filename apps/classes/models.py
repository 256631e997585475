"""Classes (scheduled instructor-led events), their instructors and rosters."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.access.querysets import ScopedQuerySet


class Classroom(models.Model):
    """A class. Named ``Classroom`` so no variable is ever called ``klass``."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="classrooms")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="classrooms")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ClassInstructor", related_name="classes_taught"
    )
    students = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Enrollment", related_name="classes_attended")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="classroom_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class ClassInstructor(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="instructor_links")
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instructor_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "instructor"], name="class_instructor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor} teaches {self.classroom}"


class Enrollment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments")
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "student"], name="enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"
