"""Reads for issued badges."""

from django.db.models import QuerySet

from apps.accounts.models import User

from .models import IssuedBadge


def badges_held_by(*, recipient: User) -> QuerySet[IssuedBadge]:
    """A person's badges, newest first, revoked ones included (the page marks them)."""
    return (
        IssuedBadge.objects.filter(recipient=recipient)
        .select_related("badge__organization", "issued_by", "classroom", "achievement")
        .order_by("revoked_at", "-issued_at")
    )
