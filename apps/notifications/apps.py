"""App configuration for badge e-mails: connects the outbox to the issuing door's signal."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    verbose_name = "Badge e-mails"

    def ready(self) -> None:
        from apps.issued_badges.signals import issued_badges_changed

        from .outbox import record_badge_emails

        issued_badges_changed.connect(record_badge_emails, dispatch_uid="notifications.outbox")
