"""App configuration for issued_badges."""

from django.apps import AppConfig


class IssuedBadgesConfig(AppConfig):
    name = "apps.issued_badges"
    verbose_name = "Issued badges"
