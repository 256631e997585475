"""Webhooks of organizations and their outbox: events recorded with the change that caused them, and one delivery
per subscribed webhook, sent by Celery after commit (apps.webhooks.delivery).

Only apps.webhooks' services and outbox write these rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.access.querysets import ScopedQuerySet

from .events import KINDS


class Webhook(models.Model):
    """An organization's endpoint: the URL, the events it wants and the secret its payloads are signed with.

    It hears of its organization's issued badges and those of the organization's children (whose administrators
    they are too). ``is_active`` False: nothing new is queued for it and its pending deliveries wait; it is
    switched off by an administrator or, after repeated failure, by the delivery (``disabled_reason`` says why).
    """

    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("URL", max_length=2000)
    events = models.JSONField(default=list, help_text="The event types it is sent (events.SUBSCRIBABLE).")
    # The Standard Webhooks signing secret (whsec_ + base64 of 32 random bytes). Signing needs it, so it is kept
    # as it is (not hashed); the portal shows it once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    disabled_automatically = models.BooleanField(default=False, help_text="By the delivery, after failures.")
    # Its health, for the rule that disables it (delivery.py): the first failed attempt since the last success.
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "url", "pk"]

    def __str__(self) -> str:
        return f"{self.url} ({self.organization})"

    @property
    def event_kinds(self) -> list:
        return [KINDS[type_] for type_ in self.events if type_ in KINDS]

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to recognize it, never enough to use it."""
        return f"{self.secret[:10]}…"


class WebhookEvent(models.Model):
    """One event of the outbox: what happened to an issued badge (or a test), with the ``uuid`` every delivery of
    it sends as ``webhook-id`` — the same on every retry, so receivers drop repeats.

    The revocation columns are the issued badge's at the event (a ``badge.issued`` delivered after a revocation
    still says it was active); the rest of the payload is read when it is sent.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    # History, written in bulk: ids without database constraints, as the issuance log keeps them.
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    issued_badge = models.ForeignKey(
        "issued_badges.IssuedBadge", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    revoked_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(null=True, blank=True, help_text="A test event's data, sent as it is.")

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.uuid}"

    @property
    def kind(self):
        return KINDS.get(self.type)


class WebhookDelivery(models.Model):
    """One event to one webhook: pending until an attempt succeeds (2xx) or it gives up (delivery.py's rule)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    # Written in bulk by the outbox (tens of thousands per pass): no database constraints, whose per-row checks at
    # commit cost more than the inserts; the ORM still deletes a webhook's or an event's deliveries with it.
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False, db_constraint=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    # When it is due (pending only). Claiming a delivery moves it a lease ahead: a worker killed while sending it
    # leaves it due again when the lease ends, and the sweep sends it again (at least once).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["webhook", "-id"], name="webhook_delivery_page"),  # the webhook's page
            models.Index(  # the due deliveries of a webhook, oldest first
                fields=["webhook", "next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id}: {self.get_status_display()}"
