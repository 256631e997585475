"""The Celery application; the beat schedule is code, kept here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_portal.settings")

app = Celery("badges_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks are added here as the features that need them land.
app.conf.beat_schedule = {}
