"""Reads of badge e-mails."""

from .models import BadgeEmail


def latest_badge_email(*, issued_badge) -> BadgeEmail | None:
    """The issued badge's newest e-mail (Resend adds one), or None when it was never e-mailed."""
    return BadgeEmail.objects.filter(issued_badge=issued_badge).order_by("-pk").first()
