"""App configuration for classes."""

from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "apps.classes"
    verbose_name = "Classes"
