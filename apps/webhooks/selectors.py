"""Reads for the webhook pages and the API: the webhooks an actor manages, a webhook's deliveries."""

from django.db.models import QuerySet

from .models import Webhook, WebhookDelivery


def webhooks_for(actor) -> QuerySet:
    """The webhooks of the organizations ``actor`` administers (an API key: its organization and children)."""
    return Webhook.objects.administered_by(actor).select_related("organization").order_by("organization__name", "pk")


def administered_webhook(*, actor, pk: int) -> Webhook:
    """One webhook the actor administers; ``Webhook.DoesNotExist`` for any other (never confirm it exists)."""
    return webhooks_for(actor).select_related("created_by").get(pk=pk)


def webhook_deliveries(*, webhook: Webhook) -> QuerySet:
    """A webhook's deliveries, newest first, with their events (one query per page)."""
    return WebhookDelivery.objects.filter(webhook=webhook).select_related("event").order_by("-pk")
