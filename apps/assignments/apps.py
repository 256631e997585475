"""App configuration for assignments."""

from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "apps.assignments"
    verbose_name = "Assignments"
