"""App configuration for courses."""

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "apps.courses"
    verbose_name = "Courses"
