"""Reads for issued badges."""

from django.db.models import F, QuerySet

from apps.accounts.models import User

from .models import IssuedBadge


def badges_held_by(*, recipient: User) -> QuerySet[IssuedBadge]:
    """A person's badges: active ones first, newest first; revoked ones after them (the page marks them)."""
    return (
        IssuedBadge.objects.filter(recipient=recipient)
        .select_related("badge__organization", "issued_by", "classroom", "achievement")
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at")
    )
