"""App configuration for core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401 - registers the deployment checks (portal.W001)
            converters,  # noqa: F401 - registers <id:…> before any URLconf loads
        )
