"""Organizations: the tenants that own every other object, in a tree."""

from django.db import models

from apps.access.querysets import ScopedQuerySet


class OrganizationQuerySet(ScopedQuerySet):
    organization_lookup = "pk"


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="organization_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name
