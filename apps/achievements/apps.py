"""App configuration for achievements."""

from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    name = "apps.achievements"
    verbose_name = "Achievements"
