"""Faults (issue 15 item 5): the real test Redis stopped (SHUTDOWN, as a crash: it comes back empty) under a
running worker with beat. Meanwhile an administrator awards a badge through the web pages — it is issued, the pages
answer at once — and activity is posted through the API. Once Redis is back, without restarting anything, what
could not be queued is delivered by the worker and beat's sweeps: the webhook, the badge e-mail, and the evaluation
of the new activity (the sweeps run every second here, every minute in production)."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.achievements.models import EvaluationRequest, EvaluationRun
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.api.tests.conftest import api_client
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge, Source
from apps.notifications.models import BadgeEmail
from apps.webhooks.models import WebhookDelivery
from apps.webhooks.tests.factories import WebhookFactory
from apps.webhooks.tests.receiver import Receiver

from .personas import (
    celery_worker,
    redis_stopped,
    sent_emails,
    stop_process,
    wait_for,
    worker_ready,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def test_with_redis_stopped_issuing_by_hand_works_and_what_waited_is_delivered_once_it_is_back(
    world, client, tmp_path, redis_server
):
    org, admin = world.alpha.org, world.alpha.admin
    badge = BadgeFactory(organization=org, name="Outage Hero")
    awarded = make_student(org, username="outage-awarded", email="outage-awarded@example.org")
    achievement = AchievementFactory(organization=org, notification="silent", badge__manual_issuance_enabled=False)
    active = make_student(org, username="outage-active")
    watermark = ActivityRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()  # the hourly run has run: new activity is evaluated incrementally, from here
    EvaluationRun.objects.create(mode="full", status="finished", started_at=now, finished_at=now, watermark=watermark)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    client.force_login(admin)
    caller = api_client(org)

    with Receiver(204) as receiver:
        WebhookFactory(organization=org, url=receiver.url)
        worker = celery_worker(tmp_path, beat=True, log=log,
                               env={"WEBHOOKS_SWEEP_EVERY": "1", "EMAIL_FILE_PATH": str(mail_dir)})  # fmt: skip
        try:
            worker_ready(log, worker)
            with redis_stopped(redis_server):
                # Award Badge through the pages: issued, and the pages answer without waiting for the broker.
                started = time.monotonic()
                response = client.post(reverse("badges:award", args=[badge.pk]),
                                       {"usernames": awarded.username, "key": "outage-1", "notify": "on"})  # fmt: skip
                assert response.status_code == 302, response.content.decode()[:2000]
                assert client.get(response["Location"]).status_code == 200
                assert time.monotonic() - started < 10
                issued = IssuedBadge.objects.get(badge=badge, recipient=awarded)
                assert issued.source == Source.USERNAMES

                # Activity through the API: recorded; its evaluation cannot be queued.
                item = {"username": active.username, "kind": "course_completed", "course": achievement.course.code,
                        "occurred_at": (now - timedelta(minutes=5)).isoformat()}  # fmt: skip
                answer = caller.post(reverse("api:activities"), {"activities": [item]}, format="json")
                assert answer.status_code == 200 and answer.json()["recorded"] == 1

                # What waits for the broker, in the database.
                assert WebhookDelivery.objects.filter(status="pending").count() == 1
                assert BadgeEmail.objects.filter(status="queued").count() == 1
                assert EvaluationRequest.objects.get(pk=1).requested_at is None  # not queued: asked again later
                time.sleep(2)  # the worker and beat meet the outage too
                assert WebhookDelivery.objects.filter(status="pending").count() == 1
                assert not receiver.requests and not sent_emails(mail_dir)

            # Redis is back (empty): the worker reconnects, beat's sweeps queue what waited.
            wait_for(lambda: len(sent_emails(mail_dir)) == 1, 90, "the badge e-mail sent", [worker])
            wait_for(lambda: IssuedBadge.objects.filter(badge=achievement.badge, recipient=active).exists(), 90,
                     "the new activity evaluated", [worker])  # fmt: skip
            wait_for(lambda: not WebhookDelivery.objects.exclude(status="succeeded").exists(), 90,
                     "the webhooks delivered", [worker])  # fmt: skip
        finally:
            stop_process(worker)
    output = log.read_text()
    assert sent_emails(mail_dir) == ["outage-awarded@example.org"]
    assert sorted(d.event.type for d in WebhookDelivery.objects.select_related("event")) == [
        "badge.issued",
        "badge.issued",
    ], output[-3000:]
    auto = IssuedBadge.objects.get(badge=achievement.badge, recipient=active)
    assert (auto.source, auto.achievement) == (Source.ACHIEVEMENT, achievement)
    assert "achievements.sweep" in output and "achievements.evaluate_new_activity" in output
