"""The Celery application; the beat schedule is code, kept here."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_portal.settings")

app = Celery("badges_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# EVALUATE_ACHIEVEMENTS_EVERY (seconds) shortens the hourly schedule, to watch it work (the beat test).
_every = float(os.environ.get("EVALUATE_ACHIEVEMENTS_EVERY") or 0)
# WEBHOOKS_SWEEP_EVERY (seconds) shortens the webhook sweep's minute (the worker test).
_sweep_every = float(os.environ.get("WEBHOOKS_SWEEP_EVERY") or 60)
app.conf.beat_schedule = {
    # Incremental: the students with activity since the last run, and achievements changed since then.
    "evaluate-achievements-hourly": {
        "task": "achievements.evaluate_achievements",
        "schedule": _every or crontab(minute=0),
    },
    # Full: everyone and every active achievement — catches anything an incremental run could miss.
    "evaluate-achievements-nightly": {
        "task": "achievements.evaluate_achievements",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"full": True},
    },
    # Webhook deliveries that are due and were not sent after their commit (the broker was down, a worker died,
    # a retry's time came). A sweep not started within its minute is dropped: the next one does its work.
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": _sweep_every,
        "options": {"expires": _sweep_every},
    },
    # Badge e-mails due and not sent after their commit (the broker was down, a retry's time came, a digest's wait).
    "badge-emails-sweep": {
        "task": "notifications.sweep_badge_emails",
        "schedule": _sweep_every,
        "options": {"expires": _sweep_every},
    },
    # Evaluation runs whose worker stopped are marked interrupted; activity whose evaluation could not be queued
    # (the broker was down) is queued.
    "achievements-sweep": {
        "task": "achievements.sweep",
        "schedule": _sweep_every,
        "options": {"expires": _sweep_every},
    },
    # Finished webhook deliveries are kept 30 days on their webhook's page, then go with their events.
    "webhooks-prune": {"task": "webhooks.prune", "schedule": crontab(hour=3, minute=15)},
}
