"""Issued badges — once per (badge, recipient), enforced by the database — and their audit log.

Only ``apps.issued_badges.services`` creates or changes these rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.organizations.querysets import OrganizationScopedQuerySet, administered_organization_ids


class Source(models.TextChoices):
    ROSTER = "roster", "Roster"
    BATCH = "batch", "Issue Badges page"
    ASSIGNMENT = "assignment", "Course assignment"
    USERNAMES = "usernames", "Username list"
    API = "api", "API"
    ACHIEVEMENT = "achievement", "Achievement"


class IssuedBadgeQuerySet(OrganizationScopedQuerySet):
    organization_lookup = "badge__organization"

    def visible_to(self, user):
        """Administered organizations' badges, what the user issued or holds, and their students'."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        from apps.classes.models import Enrollment

        students = Enrollment.objects.filter(classroom__instructor_links__instructor=user).values("student_id")
        return self.filter(
            Q(badge__organization__in=administered_organization_ids(user))
            | Q(recipient=user)
            | Q(issued_by=user)
            | Q(recipient__in=students)
        )

    def active(self):
        return self.filter(revoked_at__isnull=True)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class IssuedBadge(models.Model):
    Source = Source

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    badge = models.ForeignKey("badges.Badge", on_delete=models.PROTECT, related_name="issued_badges")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_badges")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="badges_issued"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    classroom = models.ForeignKey(
        "classes.Classroom", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    course_assignment = models.ForeignKey(
        "assignments.CourseAssignment", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    achievement = models.ForeignKey(
        "achievements.Achievement", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="badges_revoked"
    )
    revocation_reason = models.TextField(blank=True)

    objects = IssuedBadgeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        permissions = [("issue_badge", "Can issue badges")]
        constraints = [
            models.UniqueConstraint(fields=["badge", "recipient"], name="issued_badge_once_per_recipient"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="issued_badge_revocation_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "issued_at"], name="issued_badge_recipient_date"),
            models.Index(fields=["issued_at"], name="issued_badge_issued_at"),
        ]

    def __str__(self) -> str:
        return f"{self.badge} → {self.recipient}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AppendOnlyQuerySet(OrganizationScopedQuerySet):
    organization_lookup = "badge__organization"

    def update(self, **kwargs):
        raise TypeError("The issuance log is append-only.")

    def delete(self):
        raise TypeError("The issuance log is append-only.")


class IssuanceLog(models.Model):
    """Append-only audit of every issue, failed issue, revocation and reinstatement."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        FAILED = "failed", "Failed"
        REVOKED = "revoked", "Revoked"
        REINSTATED = "reinstated", "Reinstated"

    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    issued_badge = models.ForeignKey(
        IssuedBadge, null=True, blank=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    badge = models.ForeignKey("badges.Badge", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    reason_code = models.CharField(max_length=50, blank=True)
    reason = models.TextField(blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.badge} → {self.recipient}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The issuance log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The issuance log is append-only.")
