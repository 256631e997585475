"""The REST API (/api/v1/) and the API keys other systems call it with, on top of the apps it serves."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"

    def ready(self):
        from . import schema  # noqa: F401 - registers the authentication's OpenAPI description
