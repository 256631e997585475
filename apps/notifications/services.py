"""Writes of badge e-mails besides the outbox's: Resend."""

from django.core.exceptions import PermissionDenied, ValidationError

from apps.access import policy

from .models import BadgeEmail
from .outbox import email_queue


def badge_email_resend(*, issued_badge, actor) -> BadgeEmail:
    """Queue the badge's e-mail to its holder again (administrators of the badge's organization); sent at once
    after commit. ValidationError when it cannot go: the badge revoked, or the holder without an address."""
    if not policy.administers(actor, issued_badge.badge.organization_id):
        raise PermissionDenied("Only administrators of the badge's organization resend its e-mail.")
    if issued_badge.revoked_at is not None:
        raise ValidationError("A revoked badge is not e-mailed: reinstate it first.")
    if not issued_badge.recipient.email:
        raise ValidationError(f"{issued_badge.recipient.display_name} has no e-mail address.")
    if not issued_badge.recipient.is_active:
        raise ValidationError(f"{issued_badge.recipient.display_name}'s account is inactive.")
    return email_queue(issued_badge.pk, requested_by=actor)
