"""App configuration for webhooks: connects the outbox to the issuing door's signal."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from apps.issued_badges.signals import issued_badges_changed

        from .outbox import record_issued_badge_events

        issued_badges_changed.connect(record_issued_badge_events, dispatch_uid="webhooks.outbox")
