"""Course assignments: self-paced access to one course for one student."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.access.querysets import ScopedQuerySet


class CourseAssignment(models.Model):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="course_assignments"
    )
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="assignments")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="course_assignments")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("starts_at")), name="course_assignment_expires_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} for {self.student}"
