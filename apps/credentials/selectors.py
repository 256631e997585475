"""Reads of credentials' public pages: one query for an issued badge and everything its page shows."""

from django.http import Http404

from apps.issued_badges.models import IssuedBadge


def issued_badge_public(uuid) -> IssuedBadge:
    """The issued badge of a public uuid with its badge, organization, recipient and batch (the evidence it was
    issued with), in 1 query; or 404."""
    issued = IssuedBadge.objects.select_related("badge__organization", "recipient", "batch").filter(uuid=uuid).first()
    if issued is None:
        raise Http404("No issued badge has this id.")
    return issued
