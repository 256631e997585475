"""Badge e-mails: written to the outbox in the issuing transaction, sent after commit exactly once, retried while
the mail server is down, HTML and text with the verification page and the share links."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.accounts.tests.factories import make_student
from apps.credentials import identifiers
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke
from apps.notifications.models import BadgeEmail
from apps.notifications.sending import INTERRUPTED, emails_send_due
from apps.notifications.tasks import send_badge_emails, sweep_badge_emails


class Boom(Exception):
    pass


def _award(world, students, *, notify="each", badge=None, **more):
    badge = badge or world.alpha.badge
    return badges_issue(
        IssueRequest(badge_ids=[badge.pk], recipient_ids=[s.pk for s in students], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=badge.organization, notify=notify, **more)
    )  # fmt: skip


def _students(world, count):
    return [make_student(world.alpha.org, username=f"mail-s{n}", email=f"s{n}@example.org") for n in range(count)]


def test_an_issue_queues_its_emails_in_its_transaction_and_they_go_after_commit(
    world, eager_celery, django_capture_on_commit_callbacks
):
    [ada] = _students(world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        _award(world, [ada])
        assert BadgeEmail.objects.get().status == "queued"  # written with the badge
        assert mail.outbox == []  # issuing never waits for mail
    [message] = mail.outbox
    issued = IssuedBadge.objects.get(recipient=ada)
    email = BadgeEmail.objects.get()
    assert (email.status, email.issued_badge, email.attempts) == ("sent", issued, 1) and email.sent_at
    assert message.to == ["s0@example.org"] and message.subject == "You earned the badge “Alpha Academy Star”"
    html, kind = message.alternatives[0]
    verify = identifiers.verify_page(issued.uuid)
    assert kind == "text/html" and verify in html and verify in message.body
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert identifiers.badge_image(world.alpha.badge.pk) in html
    assert "Add to LinkedIn profile" in html and "Alpha Academy" in html


def test_no_email_unless_asked_and_none_when_the_issue_rolls_back(world, django_capture_on_commit_callbacks):
    ada, bob = _students(world, 2)
    _award(world, [ada], notify="")
    _award(world, [bob], notify="silent")
    assert not BadgeEmail.objects.exists()
    carol = make_student(world.alpha.org, username="carol", email="c@example.org")
    with pytest.raises(Boom), transaction.atomic():
        _award(world, [carol])
        raise Boom
    assert not BadgeEmail.objects.exists() and not IssuedBadge.objects.filter(recipient=carol).exists()


def test_the_outbox_costs_one_statement_however_many_badges(world):
    def statements(count, start):
        students = [
            make_student(world.alpha.org, username=f"n{start + n}", email="x@example.org") for n in range(count)
        ]
        with CaptureQueriesContext(connection) as ctx:
            _award(world, students)
        return len(ctx.captured_queries)

    statements(1, 200)  # the first issuance records its facet
    assert statements(2, 0) == statements(40, 100)
    assert BadgeEmail.objects.count() == 43


def test_while_the_mail_server_is_down_emails_wait_and_then_go_exactly_once(world, settings, caplog):
    ada, bob = _students(world, 2)
    _award(world, [ada, bob])
    # A real SMTP backend and nothing listening on its port: the connection is refused.
    with socket_without_listener() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
        with caplog.at_level(logging.WARNING, logger="apps.notifications.sending"):
            assert emails_send_due() == 0
    emails = list(BadgeEmail.objects.order_by("pk"))
    assert {(e.status, e.attempts) for e in emails} == {("queued", 1)}
    assert all("refused" in e.error.lower() or "errno" in e.error.lower() for e in emails)
    assert all(timedelta(seconds=50) < e.due_at - timezone.now() < timedelta(seconds=70) for e in emails)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert emails_send_due() == 0  # not due yet: a minute's wait after the first failure
    assert emails_send_due(now=timezone.now() + timedelta(minutes=2)) == 2
    assert emails_send_due(now=timezone.now() + timedelta(hours=1)) == 0  # never again
    assert sorted(m.to[0] for m in mail.outbox) == ["s0@example.org", "s1@example.org"]
    assert set(BadgeEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_a_failing_send_gives_up_after_a_day(world, settings):
    [ada] = _students(world, 1)
    _award(world, [ada])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket_without_listener() as port:
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
        when = timezone.now()
        for _ in range(30):
            emails_send_due(now=when)
            email = BadgeEmail.objects.get()
            if email.status == "failed":
                break
            when = email.due_at
    assert email.status == "failed" and email.error and email.attempts > 5
    assert when - email.created_at <= timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims: PostgreSQL (SQLite runs one writer at a time)")
    _award(world, _students(world, 30))
    barrier, counts = threading.Barrier(2), []

    def sender():
        try:
            barrier.wait()
            counts.append(emails_send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 30 and len(mail.outbox) == 30
    assert len({m.to[0] for m in mail.outbox}) == 30


def test_a_send_interrupted_after_its_claim_is_marked_failed_not_sent_twice(world):
    [ada] = _students(world, 1)
    _award(world, [ada])
    BadgeEmail.objects.update(status="sending", claimed_at=timezone.now() - timedelta(minutes=11))  # a killed worker
    assert emails_send_due() == 0 and mail.outbox == []
    email = BadgeEmail.objects.get()
    assert (email.status, email.error) == ("failed", INTERRUPTED)


def test_a_digest_waits_and_tells_each_student_once_of_all_their_new_badges(world, settings):
    from apps.badges.tests.factories import BadgeFactory

    ada, bob = _students(world, 2)
    second = BadgeFactory(organization=world.alpha.org, name="Second Star", manual_issuance_enabled=True)
    _award(world, [ada, bob], notify="digest")
    _award(world, [ada], notify="digest", badge=second)
    assert emails_send_due() == 0  # waiting for the other badges of the run
    assert emails_send_due(now=timezone.now() + timedelta(seconds=settings.BADGE_EMAIL_DIGEST_WAIT + 1)) == 2
    by_student = {m.to[0]: m for m in mail.outbox}
    assert by_student["s0@example.org"].subject == "You earned 2 new badges"
    assert (
        "Second Star" in by_student["s0@example.org"].body and "Alpha Academy Star" in by_student["s0@example.org"].body
    )
    assert by_student["s1@example.org"].subject == "You earned the badge “Alpha Academy Star”"
    assert set(BadgeEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_no_address_inactive_or_revoked_fails_with_the_reason_and_sends_nothing(world):
    nomail = make_student(world.alpha.org, username="nomail", email="")
    gone = make_student(world.alpha.org, username="gone", email="g@example.org", is_active=True)
    revoked = make_student(world.alpha.org, username="rev", email="r@example.org")
    _award(world, [nomail, gone, revoked])
    gone.is_active = False
    gone.save()
    issued_badges_revoke(ids=[IssuedBadge.objects.get(recipient=revoked).pk], actor=world.alpha.admin, reason="Mistake")
    assert emails_send_due() == 0 and mail.outbox == []
    errors = dict(BadgeEmail.objects.values_list("issued_badge__recipient__username", "error"))
    assert errors == {
        "nomail": "The student has no e-mail address.",
        "gone": "The student's account is inactive.",
        "rev": "The badge was revoked before its e-mail went out.",
    }
    assert set(BadgeEmail.objects.values_list("status", flat=True)) == {"failed"}


def test_queued_while_the_broker_is_down_the_sweep_sends_it(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_badge_emails, "delay", broker_down)
    [ada] = _students(world, 1)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        _award(world, [ada])  # the issue succeeds; its e-mail waits in the outbox
    assert "Could not queue the badge e-mails" in caplog.text and mail.outbox == []
    assert sweep_badge_emails.apply().get() == 1  # what beat runs every minute
    assert [m.to for m in mail.outbox] == [["s0@example.org"]]


class socket_without_listener:
    """A loopback port nothing listens on (bound, never listening: connections to it are refused)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()
