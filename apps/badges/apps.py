"""App configuration for badges."""

from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "apps.badges"
    verbose_name = "Badges"
