"""A real Celery worker with beat, on Redis, sends badge e-mails: queued after the issuing commit, and — when the
broker could not be reached then — by the sweep; messages sent twice send nothing twice."""

import time

import pytest
from django.conf import settings
from django.db import connection
from kombu.exceptions import OperationalError

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.notifications.models import BadgeEmail
from apps.notifications.tasks import send_badge_emails
from tests.personas import celery_worker, sent_emails, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]


def _award(world, *usernames):
    students = [make_student(world.alpha.org, username=name, email=f"{name}@example.org") for name in usernames]
    badges_issue(
        IssueRequest(badge_ids=[world.alpha.badge.pk], recipient_ids=[s.pk for s in students], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=world.alpha.org, notify="each")
    )  # fmt: skip


def test_a_worker_sends_each_email_once_after_commit_and_after_a_broker_outage(world, tmp_path, monkeypatch):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {"WEBHOOKS_SWEEP_EVERY": "1", "EMAIL_FILE_PATH": str(mail_dir)}  # the sweeps every second
    worker = celery_worker(tmp_path, beat=True, env=env)
    try:
        _award(world, "ann", "ben", "cat")  # committed: the task is queued on Redis and the worker sends
        wait_for(lambda: len(sent_emails(mail_dir)) == 3, 60, "3 e-mails sent", [worker])

        def broker_down(*args, **kwargs):
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(send_badge_emails, "delay", broker_down)
        _award(world, "dan", "eve")  # the queueing fails: the rows wait, beat's sweep sends them
        wait_for(lambda: len(sent_emails(mail_dir)) == 5, 60, "5 e-mails sent", [worker])
        monkeypatch.undo()
        for _ in range(3):  # repeated messages, as a redelivery would bring: nothing is due, nothing is sent
            send_badge_emails.delay()
        time.sleep(3)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert sent_emails(mail_dir) == [f"{name}@example.org" for name in ("ann", "ben", "cat", "dan", "eve")]
    assert set(BadgeEmail.objects.values_list("status", flat=True)) == {"sent"}
