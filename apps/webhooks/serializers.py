"""The payloads webhooks send, as DRF serializers: they build every payload (delivery.py), and the API's OpenAPI
document describes them from the same classes (``WebhookPayloadSerializer``, ``WebhookTestPayloadSerializer``).

Per Standard Webhooks a payload is ``{"type", "timestamp", "data"}``; it is sent with the headers
``webhook-id`` (the event's uuid: the same on every retry — drop repeats by it), ``webhook-timestamp`` and
``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body`` with the webhook's ``whsec_`` secret).
"""

from rest_framework import serializers

from apps.issued_badges.models import Source

from .events import KINDS, SUBSCRIBABLE, TEST


class BadgeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RecipientSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(help_text="“First Last”, or the username when the person has no name.")


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IssuedBadgeDataSerializer(serializers.Serializer):
    """The issued badge an event is about. ``revoked_at`` and ``reason`` are as the event left them; the rest is
    read when the payload is sent."""

    uuid = serializers.UUIDField(help_text="The issued badge's public id (as in /api/v1/issued-badges/{uuid}/).")
    badge = BadgeRefSerializer()
    recipient = RecipientSerializer()
    organization = OrganizationRefSerializer(help_text="The badge's organization.")
    issued_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=Source.choices)
    revoked_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="Why it was revoked; empty when it is not.")


class WebhookPayloadSerializer(serializers.Serializer):
    """The body of a ``badge.issued``, ``badge.revoked`` or ``badge.reinstated`` webhook."""

    type = serializers.ChoiceField(choices=[(type_, kind.label) for type_, kind in SUBSCRIBABLE.items()])
    timestamp = serializers.DateTimeField(help_text="When it happened (not when it was sent).")
    data = IssuedBadgeDataSerializer()


class TestDataSerializer(serializers.Serializer):
    message = serializers.CharField()
    webhook = serializers.IntegerField(help_text="The webhook's id.")
    organization = OrganizationRefSerializer()


class WebhookTestPayloadSerializer(serializers.Serializer):
    """The body of the test event (Send test event): no badge changed."""

    type = serializers.ChoiceField(choices=[(TEST.type, TEST.label)])
    timestamp = serializers.DateTimeField()
    data = TestDataSerializer()


def event_payload(event) -> dict:
    """The payload of ``event`` (a WebhookEvent read with its issued badge's badge, organization and recipient)."""
    if not KINDS[event.type].subscribable:
        return dict(WebhookTestPayloadSerializer({"type": event.type, "timestamp": event.occurred_at,
                                                  "data": event.data}).data)  # fmt: skip
    issued = event.issued_badge
    badge, recipient = issued.badge, issued.recipient
    data = {
        "uuid": issued.uuid,
        "badge": badge,
        "recipient": {"username": recipient.username, "display_name": recipient.display_name},
        "organization": badge.organization,
        "issued_at": issued.issued_at,
        "source": issued.source,
        "revoked_at": event.revoked_at,
        "reason": event.reason,
    }
    return dict(WebhookPayloadSerializer({"type": event.type, "timestamp": event.occurred_at, "data": data}).data)
