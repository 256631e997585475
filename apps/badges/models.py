"""Badges an organization awards, by hand and through achievements."""

from django.db import models

from apps.access.querysets import ScopedQuerySet

from .validators import validate_badge_image


class BadgeQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def manually_issuable(self):
        """Badges the manual paths accept: active with Enable Manual Issuance checked."""
        return self.filter(is_active=True, manual_issuance_enabled=True)


class Badge(models.Model):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="badges")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    criteria = models.TextField(blank=True, help_text="What a student does to earn this badge.")
    image = models.FileField(upload_to="badges/", blank=True, validators=[validate_badge_image])
    manual_issuance_enabled = models.BooleanField(
        "Enable Manual Issuance",
        default=False,
        help_text="Administrators and instructors may issue this badge by hand.",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BadgeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="badge_name_unique_per_organization"),
        ]

    def __str__(self) -> str:
        return self.name
