"""Reads for the badge pages."""

from django.db.models import Count, F, Q, QuerySet

from apps.accounts.models import User
from apps.issued_badges.models import IssuedBadge

from .models import Badge


def badge_list(*, user: User) -> QuerySet[Badge]:
    """Badges of the organizations the user administers, with their recipient and achievement counts.
    Filter it with ``BadgeFilter``."""
    return (
        Badge.objects.administered_by(user)
        .select_related("organization")
        .annotate(
            recipient_count=Count("issued_badges", filter=Q(issued_badges__revoked_at__isnull=True), distinct=True),
            achievement_count=Count("achievements", distinct=True),
        )
        .order_by("-is_active", "name")
    )


def badge_profile(*, badge: Badge) -> dict:
    """The profile's figures and lists: recipients (newest first) and the achievements that award it."""
    recipients = (
        IssuedBadge.objects.filter(badge=badge)
        .with_origin()
        .select_related("recipient__organization")
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at", "-pk")
    )
    return {
        "recipients": recipients,
        "achievements": list(badge.achievements.order_by("name")),
        "active_count": IssuedBadge.objects.filter(badge=badge).active().count(),
    }
