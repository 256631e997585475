"""The access policy app: no models, only the rules every other app asks."""

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "apps.access"
    label = "access"
