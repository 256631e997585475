"""A real Celery worker with beat, on Redis, evaluates achievements on its schedule (issue 5)."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRun
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.tests.factories import ActivityRecordFactory
from apps.issued_badges.models import IssuedBadge, Source

from .personas import celery_worker

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def test_beat_schedules_the_evaluation_and_the_worker_issues_the_badge(tmp_path):
    achievement = AchievementFactory(notification="silent")
    student = make_student(achievement.organization, username="beat-student")
    ActivityRecordFactory(user=student, course=achievement.course)
    worker = celery_worker(tmp_path, beat=True, env={"EVALUATE_ACHIEVEMENTS_EVERY": "2"})  # seconds, not hourly
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not IssuedBadge.objects.filter(badge=achievement.badge).exists():
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.5)
        issued = IssuedBadge.objects.get(badge=achievement.badge)
        assert (issued.recipient, issued.source, issued.achievement) == (student, Source.ACHIEVEMENT, achievement)
        run = EvaluationRun.objects.filter(badges_issued=1).get()
        assert (run.trigger, run.status) == ("schedule", EvaluationRun.Status.FINISHED)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "achievements.evaluate_achievements" in output  # beat sent it, the worker ran it
