"""Writes for webhooks: create (the secret returned once), delete, disable and enable, send a test event.

Each takes the acting person or organization (an API key's ``OrganizationActor``) and asks the access policy:
only an administrator of the webhook's organization may act (``PermissionDenied`` otherwise). Bad input raises
``ValidationError`` keyed by field (``url``, ``events``), for a form or an API serializer to show.
Side effects: a test event and re-enabling enqueue deliveries after commit (outbox.enqueue_after_commit).
"""

from __future__ import annotations

import base64
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.access import policy
from apps.organizations.models import Organization

from .events import SUBSCRIBABLE
from .models import Webhook, WebhookDelivery, WebhookEvent
from .outbox import enqueue_after_commit, record_test_event
from .validators import validate_webhook_url

MAX_PER_ORGANIZATION = 20  # every issue reads the active webhooks: they stay few


def _require_administrator(actor, organization_id: int) -> None:
    if not policy.administers(actor, organization_id):
        raise PermissionDenied("Only an administrator of the organization manages its webhooks.")


def _actor_words(actor) -> str:
    return getattr(actor, "display_name", None) or str(actor)


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and the base64 of 32 random bytes (24 to 64 allowed)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_events(events) -> list[str]:
    """The event types asked for, in the portal's order; ValidationError on ``events`` when none or unknown."""
    if isinstance(events, str) or not events:
        raise ValidationError({"events": "Choose at least one event."}, code="required")
    unknown = sorted({str(event) for event in events} - SUBSCRIBABLE.keys())
    if unknown:
        choices = ", ".join(SUBSCRIBABLE)
        raise ValidationError({"events": f"Not an event: {', '.join(unknown)}. Choose from {choices}."}, code="invalid")
    return [type_ for type_ in SUBSCRIBABLE if type_ in set(events)]


def webhook_create(*, organization: Organization, url: str, events, actor) -> tuple[Webhook, str]:
    """Register ``url`` for ``events`` of ``organization`` (and its children); returns the webhook and its signing
    secret, which is shown this once."""
    _require_administrator(actor, organization.pk)
    errors = {}
    try:
        url = validate_webhook_url(url)
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        events = clean_events(events)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Serialized per organization, so two requests at once cannot both pass the limit.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if Webhook.objects.filter(organization=organization).count() >= MAX_PER_ORGANIZATION:
            raise ValidationError(
                f"{organization.name} has {MAX_PER_ORGANIZATION} webhooks, the most it may have: delete one first.",
                code="too_many",
            )
        secret = new_secret()
        webhook = Webhook.objects.create(
            organization=organization,
            url=url,
            events=events,
            secret=secret,
            created_at=timezone.now(),
            created_by=policy.person_of(actor),
        )
    return webhook, secret


def webhook_delete(*, webhook: Webhook, actor) -> None:
    """Delete the webhook with its deliveries, and the events no other webhook is to receive."""
    _require_administrator(actor, webhook.organization_id)
    others = WebhookDelivery.objects.filter(event=OuterRef("pk")).exclude(webhook=webhook)
    with transaction.atomic():
        WebhookEvent.objects.filter(deliveries__webhook=webhook).exclude(Exists(others)).delete()
        webhook.delete()


def webhook_set_active(*, webhook: Webhook, actor, active: bool) -> bool:
    """Disable (nothing new is queued, pending deliveries wait) or enable (failures forgotten, the pending
    deliveries sent now). Returns whether anything changed."""
    _require_administrator(actor, webhook.organization_id)
    if webhook.is_active == active:
        return False
    now = timezone.now()
    with transaction.atomic():
        if active:
            fields = {"is_active": True, "disabled_at": None, "disabled_reason": "", "disabled_automatically": False,
                      "failing_since": None, "consecutive_failures": 0}  # fmt: skip
            webhook.deliveries.filter(status=WebhookDelivery.Status.PENDING).update(next_attempt_at=now)
            enqueue_after_commit([webhook.pk])
        else:
            when = f"{timezone.localtime(now):%b %-d, %Y, %H:%M}"
            fields = {"is_active": False, "disabled_at": now,
                      "disabled_reason": f"Disabled by {_actor_words(actor)} on {when}."}  # fmt: skip
        Webhook.objects.filter(pk=webhook.pk).update(**fields)
        for name, value in fields.items():
            setattr(webhook, name, value)
    return True


def webhook_send_test(*, webhook: Webhook, actor) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to the webhook (tried once, even while it is disabled)."""
    _require_administrator(actor, webhook.organization_id)
    with transaction.atomic():
        return record_test_event(webhook, at=timezone.now())
