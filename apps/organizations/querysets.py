"""Moved: the access policy lives in ``apps.access`` (kept until every import is swept)."""

from apps.access.policy import ISSUE_BADGE_PERMISSION, administered_organization_ids, descendant_ids
from apps.access.querysets import ScopedQuerySet as OrganizationScopedQuerySet
from apps.access.querysets import ScopedQuerySet as VisibilityQuerySet

__all__ = [
    "ISSUE_BADGE_PERMISSION",
    "OrganizationScopedQuerySet",
    "VisibilityQuerySet",
    "administered_organization_ids",
    "descendant_ids",
]
