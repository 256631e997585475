"""App configuration for achievements."""

from django.apps import AppConfig


class AchievementsConfig(AppConfig):
    name = "apps.achievements"
    verbose_name = "Achievements"

    def ready(self):
        from django.db import transaction

        from apps.activity.signals import activity_recorded

        from .services.soon import evaluate_soon

        def on_activity(sender, user_ids, **kwargs):
            transaction.on_commit(evaluate_soon)  # once the activity is there for the evaluation to read

        activity_recorded.connect(on_activity, weak=False, dispatch_uid="achievements.evaluate_new_activity")
