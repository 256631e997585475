"""Writes for badges: create and update. Issuing is apps.issued_badges.services' job."""

from apps.accounts.models import User
from apps.organizations.models import Organization

from .models import Badge

EDITABLE = {"name", "description", "criteria", "image", "is_active", "manual_issuance_enabled"}


def badge_create(*, organization: Organization, actor: User, **fields) -> Badge:
    """Create a badge of ``organization`` (the caller has checked the actor administers it)."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not badge fields: {sorted(unknown)}")
    badge = Badge(organization=organization, **fields)
    badge.full_clean()
    badge.save()
    return badge


def badge_update(*, badge: Badge, **fields) -> Badge:
    """Change a badge's editable fields; switching manual issuance off hides it from every Choose Badge dialog."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not badge fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(badge, name, value)
    badge.full_clean()
    badge.save()
    return badge
