"""The home page and the role navigation: the portal's shell, above every app whose figures it shows."""

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "apps.home"
    label = "home"
