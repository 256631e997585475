"""Reads of the api app."""

from django.db.models import QuerySet

from .models import ApiKey


def api_keys_for(actor) -> QuerySet[ApiKey]:
    """The keys of the organizations ``actor`` administers, active ones first."""
    return (
        ApiKey.objects.administered_by(actor)
        .select_related("organization", "created_by", "revoked_by")
        .order_by("revoked_at", "-created_at", "-pk")
    )


ISSUED_BADGE_RELATED = ("badge__organization", "recipient", "issued_by", "classroom", "achievement", "batch")
