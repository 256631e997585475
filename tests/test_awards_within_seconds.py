"""Awards within seconds of the activity (issue 13): activity posted through the API is evaluated by a real Celery
worker on Redis at once, not at the next hour — and a burst of posts is evaluated in few runs."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRun
from apps.achievements.tests.factories import AchievementFactory
from apps.api.tests.conftest import api_client
from apps.issued_badges.models import IssuedBadge, Source

from .personas import celery_worker, worker_ready

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 10  # seconds from the POST to the issued badge (the p95 budget)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


@pytest.fixture
def worker(tmp_path):
    log = tmp_path / "worker.log"
    process = celery_worker(tmp_path, log=log)
    worker_ready(log, process)
    yield process
    process.terminate()
    process.communicate(timeout=30)


def test_activity_posted_through_the_api_is_awarded_within_seconds(worker):
    achievement = AchievementFactory(notification="silent", badge__manual_issuance_enabled=False)
    students = [make_student(achievement.organization) for _ in range(12)]
    EvaluationRun.objects.create(mode="full", status="finished", started_at=timezone.now(), finished_at=timezone.now())
    caller = api_client(achievement.organization)
    when = (timezone.now() - timedelta(minutes=5)).isoformat()

    def post(student):
        item = {"username": student.username, "kind": "course_completed", "course": achievement.course.code,
                "occurred_at": when}  # fmt: skip
        assert caller.post(reverse("api:activities"), {"activities": [item]}, format="json").json()["recorded"] == 1

    def wait_for(student, posted) -> float:
        while time.monotonic() - posted < 60:
            if IssuedBadge.objects.filter(badge=achievement.badge, recipient=student).exists():
                return time.monotonic() - posted
            assert worker.poll() is None
            time.sleep(0.1)
        pytest.fail(f"no badge for {student} within 60 s")

    posted = time.monotonic()
    post(students[0])
    assert wait_for(students[0], posted) < BUDGET
    issued = IssuedBadge.objects.get(recipient=students[0])
    assert (issued.source, issued.achievement) == (Source.ACHIEVEMENT, achievement)

    burst = time.monotonic()
    for student in students[1:]:  # ten posts in a row, as fast as the API answers
        post(student)
    assert max(wait_for(student, burst) for student in students[1:]) < BUDGET
    runs = EvaluationRun.objects.filter(trigger="activity")
    assert runs.count() < len(students), "a burst is evaluated in fewer runs than posts"
    assert not runs.exclude(status="finished").exists()
