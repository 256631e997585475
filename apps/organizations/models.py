"""Organizations: the tenants that own every other object, in a tree."""

from django.core.validators import RegexValidator
from django.db import models

from apps.access.querysets import ScopedQuerySet


class OrganizationQuerySet(ScopedQuerySet):
    organization_lookup = "pk"


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField(auto_now_add=True)
    # LinkedIn's numeric company id: "Add to LinkedIn profile" then names the organization by it (its page links).
    linkedin_organization_id = models.CharField(
        "LinkedIn organization id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^\d+$", "Digits only: the number in the organization's LinkedIn admin URL.")],
        help_text="Optional. The number in https://www.linkedin.com/company/<number>/admin/.",
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="organization_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name
