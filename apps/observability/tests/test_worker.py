"""A real Celery worker on Redis (PostgreSQL: it shares the test database): the request id of the request that
enqueued a task is on the task's log records, and on those of the tasks it enqueues in turn; the worker's task
durations and failures reach the web's /metrics through the multiprocess folder, and its own metrics port."""

import json
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRun
from apps.achievements.tests.factories import AchievementFactory
from apps.api.tests.conftest import api_client
from apps.badges.tests.factories import BadgeFactory
from badges_portal.celery import app
from tests.personas import celery_worker, free_port, wait_for, worker_ready

from .scraping import parse, scrape, value

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]

DURATION = "portal_celery_task_duration_seconds_count"
FAILURES = "portal_celery_task_failures_total"


def _json_lines(log) -> list[dict]:
    """The worker's log records (its JSON lines; the banner Celery prints is not one)."""
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def _finished(log, task_name: str) -> list[dict]:
    """The records Celery's tracer writes inside a task when it ends (succeeded or raised)."""
    return [r for r in _json_lines(log) if r.get("task_name") == task_name and r["logger"] == "celery.app.trace"]


def test_a_worker_logs_with_the_request_id_and_its_metrics_reach_the_web(world, tmp_path, client, monkeypatch):
    metrics_dir, log, port = tmp_path / "prometheus", tmp_path / "worker.log", free_port()
    metrics_dir.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "CELERY_METRICS_PORT": str(port), "LOG_FORMAT": "json"}
    before = scrape(client)  # this process's own metrics: the worker's tasks never show here
    worker = celery_worker(tmp_path, log=log, env=env)
    try:
        worker_ready(log, worker)
        caller = api_client(world.alpha.org)

        # A request enqueues a task (a badge's e-mail, after the award's commit): the task logs with its id.
        badge = BadgeFactory(organization=world.alpha.org, manual_issuance_enabled=True)
        student = make_student(world.alpha.org, email="awarded@example.org")
        answer = caller.post(reverse("api:awards", args=[badge.pk]), {"recipients": [student.username]},
                             format="json", HTTP_X_REQUEST_ID="req-award-0001")  # fmt: skip
        assert answer.status_code == 200 and answer["X-Request-ID"] == "req-award-0001"
        emails = wait_for(lambda: _finished(log, "notifications.send_badge_emails"), 60, "the e-mail task", [worker])
        assert [(r["request_id"], r["level"]) for r in emails] == [("req-award-0001", "INFO")]

        # A request enqueues a task that enqueues another: activity posted -> its evaluation (which issues the
        # achievement's badge) -> the badge's e-mail. Both carry the request's id.
        achievement = AchievementFactory(organization=world.alpha.org, notification="each")
        learner = make_student(world.alpha.org, email="learner@example.org")
        now = timezone.now()
        EvaluationRun.objects.create(mode="full", status="finished", started_at=now, finished_at=now)
        item = {"username": learner.username, "kind": "course_completed", "course": achievement.course.code,
                "occurred_at": (now - timedelta(minutes=5)).isoformat()}  # fmt: skip
        answer = caller.post(reverse("api:activities"), {"activities": [item]}, format="json",
                             HTTP_X_REQUEST_ID="req-activity-0001")  # fmt: skip
        assert answer.json()["recorded"] == 1
        wait_for(lambda: len(_finished(log, "notifications.send_badge_emails")) == 2, 60, "the second e-mail", [worker])
        evaluation = _finished(log, "achievements.evaluate_new_activity")
        assert {r["request_id"] for r in evaluation} == {"req-activity-0001"}
        assert _finished(log, "notifications.send_badge_emails")[1]["request_id"] == "req-activity-0001"

        # A task that raises: counted as a failure; its record has the traceback as a string.
        app.send_task("webhooks.deliver", args=["not-an-id"])
        failed = wait_for(lambda: _finished(log, "webhooks.deliver"), 60, "the failing task", [worker])
        assert failed[0]["level"] == "ERROR" and "Traceback" in failed[0]["exc_info"]
        assert failed[0]["request_id"]  # sent from no request: a new id of its own

        # The worker's metrics port (for workers on hosts without a web process) ...
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            served = parse(response.read().decode())
        # ... and the web's /metrics in multiprocess mode, reading the same folder, show the same figures.
        monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
        aggregated = scrape(client)
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
        alone = scrape(client)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    for samples in (served, aggregated):
        assert value(samples, DURATION, task="notifications.send_badge_emails") == 2
        assert value(samples, DURATION, task="achievements.evaluate_new_activity") >= 1
        assert value(samples, DURATION, task="webhooks.deliver") == 1
        assert value(samples, FAILURES, task="webhooks.deliver") == 1
        assert value(samples, FAILURES, task="notifications.send_badge_emails") == 0
    assert value(aggregated, "portal_evaluation_lag_seconds") == 0  # the evaluation ran: nothing waits
    assert ("portal_evaluation_lag_seconds", frozenset()) in aggregated
    for name, task in ((DURATION, "notifications.send_badge_emails"), (FAILURES, "webhooks.deliver")):
        assert value(alone, name, task=task) == value(before, name, task=task)  # without the folder: not seen
