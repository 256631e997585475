"""The e-mail outbox: one row per issued badge to tell its recipient about, written in the issuing door's
transaction and sent by the worker after commit (sending.py has the rules)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class BadgeEmail(models.Model):
    """The e-mail telling a badge's recipient about it: queued, sending, then sent or failed. A ``digest`` row is
    sent together with its recipient's other queued digest rows, as one e-mail. Resend adds a new row."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # Written in bulk by the door's pass (tens of thousands): no database constraint, as the webhook outbox.
    issued_badge = models.ForeignKey(
        "issued_badges.IssuedBadge", on_delete=models.CASCADE, related_name="emails", db_constraint=False
    )
    digest = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="When a queued e-mail is sent (a retry, or a digest's wait).")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(  # who pressed Resend
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(status="queued"), name="badge_email_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="badge_email_sending"),
        ]

    def __str__(self) -> str:
        return f"e-mail for issued badge {self.issued_badge_id}: {self.get_status_display()}"
