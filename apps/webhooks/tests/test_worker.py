"""A real Celery worker with beat, on Redis, delivers webhooks: enqueued after commit, and — when the enqueue was
lost because the broker could not be reached — by the sweep beat runs (every second here, every minute in
production)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError
from standardwebhooks import Webhook as StandardWebhook

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.webhooks.models import WebhookDelivery
from apps.webhooks.tasks import deliver_webhook
from tests.personas import celery_worker

from .factories import WebhookFactory
from .receiver import Receiver

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def _award(world, username):
    student = make_student(world.alpha.org, username=username)
    badges_issue(
        IssueRequest(badge_ids=[world.alpha.badge.pk], recipient_ids=[student.pk], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=world.alpha.org)
    )  # fmt: skip
    return IssuedBadge.objects.get(recipient=student)


def test_a_worker_delivers_after_commit_and_the_sweep_delivers_what_the_broker_missed(world, tmp_path, monkeypatch):
    with Receiver(204) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        worker = celery_worker(tmp_path, beat=True, env={"WEBHOOKS_SWEEP_EVERY": "1"})  # seconds, not a minute
        try:
            first = _award(world, "worker-first")  # committed: enqueued on Redis, the worker sends it
            [(headers, body)] = receiver.wait_for(1, timeout=60)
            assert StandardWebhook(webhook.secret).verify(body, headers)["data"]["uuid"] == str(first.uuid)

            def broker_down(*args, **kwargs):
                raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

            monkeypatch.setattr(deliver_webhook, "delay", broker_down)
            second = _award(world, "worker-second")  # the enqueue fails; the event waits in the outbox
            _, (headers, body) = receiver.wait_for(2, timeout=60)  # beat's sweep sends it
            assert StandardWebhook(webhook.secret).verify(body, headers)["data"]["uuid"] == str(second.uuid)
        finally:
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["succeeded", "succeeded"]
    assert "webhooks.deliver" in output and "webhooks.sweep" in output, output
