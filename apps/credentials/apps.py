"""App configuration for credentials: listens to the issuing door's signal (status bits, re-signing)."""

from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "apps.credentials"
    verbose_name = "Credentials"

    def ready(self) -> None:
        from apps.issued_badges.signals import issued_badges_changed

        from . import checks  # noqa: F401 - registers the deploy check
        from .receivers import issued_badges_changed_receiver

        issued_badges_changed.connect(issued_badges_changed_receiver, dispatch_uid="credentials.receiver")
