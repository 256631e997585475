"""Delivery: a real HTTP server on 127.0.0.1 receives each event after commit, signed per Standard Webhooks (the
library's receiver side verifies it); failures are retried with backoff for a day and then disable the webhook;
a worker killed mid-delivery and a broker that was down lose nothing."""

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError
from standardwebhooks import Webhook as StandardWebhook

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke
from apps.webhooks import delivery as delivery_module
from apps.webhooks.delivery import deliveries_send_due
from apps.webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from apps.webhooks.services import webhook_send_test, webhook_set_active
from apps.webhooks.tasks import deliver_webhook, prune_webhook_deliveries, sweep_webhook_deliveries

from .factories import WebhookFactory
from .receiver import Receiver


def _award(world, username="hook-student"):
    student = make_student(world.alpha.org, username=username)
    badges_issue(
        IssueRequest(badge_ids=[world.alpha.badge.pk], recipient_ids=[student.pk], actor=world.alpha.admin,
                     source=Source.USERNAMES, organization=world.alpha.org)
    )  # fmt: skip
    return IssuedBadge.objects.get(recipient=student)


def test_an_issued_badge_is_delivered_after_commit_signed_per_standard_webhooks(
    world, eager_celery, django_capture_on_commit_callbacks
):
    with Receiver(204) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            issued = _award(world)
            assert receiver.requests == []  # nothing is sent before the commit
        [(headers, body)] = receiver.wait_for(1)
    payload = StandardWebhook(webhook.secret).verify(body, headers)  # raises unless the signature is right
    event = WebhookEvent.objects.get()
    assert headers["webhook-id"] == str(event.uuid)
    assert headers["content-type"] == "application/json"
    student = issued.recipient
    assert payload == {
        "type": "badge.issued",
        "timestamp": issued.issued_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "uuid": str(issued.uuid),
            "badge": {"id": world.alpha.badge.pk, "name": "Alpha Academy Star"},
            "recipient": {"username": "hook-student", "display_name": student.display_name},
            "organization": {"id": world.alpha.org.pk, "name": "Alpha Academy"},
            "issued_at": issued.issued_at.isoformat().replace("+00:00", "Z"),
            "source": "usernames",
            "revoked_at": None,
            "reason": "",
        },
    }
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == ("succeeded", 1, 204, "")
    assert delivery.next_attempt_at is None and delivery.last_attempt_at is not None
    webhook.refresh_from_db()
    assert webhook.last_success_at == delivery.last_attempt_at and webhook.consecutive_failures == 0


def test_a_signature_made_with_another_secret_is_refused_by_the_receiver(world, eager_celery):
    from standardwebhooks import WebhookVerificationError

    with Receiver(200) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world)
        deliveries_send_due()
        [(headers, body)] = receiver.requests
    other = WebhookFactory.build().secret
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(other).verify(body, headers)
    tampered = body.replace(b"hook-student", b"someone-else")
    with pytest.raises(WebhookVerificationError):
        StandardWebhook(Webhook.objects.get().secret).verify(tampered, headers)


def test_a_revocation_is_delivered_with_its_reason(world):
    with Receiver(200) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url, events=["badge.revoked"])
        issued = world.alpha.issued
        issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Cheating")
        assert deliveries_send_due() == 1
        [(headers, body)] = receiver.requests
    payload = StandardWebhook(webhook.secret).verify(body, headers)
    issued.refresh_from_db()
    assert payload["type"] == "badge.revoked"
    assert payload["data"]["uuid"] == str(issued.uuid)
    assert payload["data"]["reason"] == "Cheating"
    assert payload["data"]["revoked_at"] == issued.revoked_at.isoformat().replace("+00:00", "Z")


# --- Retries and disabling --------------------------------------------------------------------------------------

SCHEDULE = [  # the wait after each failed attempt (delivery.py): ×4 from 10 s, at most 8 h, ending at 24 h
    timedelta(seconds=10),
    timedelta(seconds=40),
    timedelta(seconds=160),
    timedelta(seconds=640),
    timedelta(seconds=2560),
    timedelta(seconds=10240),
    timedelta(hours=8),
    timedelta(hours=8),
]


def test_a_failing_endpoint_is_retried_with_backoff_for_a_day_then_the_webhook_is_disabled(world):
    with Receiver(500) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world)
        delivery = WebhookDelivery.objects.get()
        created, now, waits = delivery.created_at, delivery.created_at, []
        while True:
            assert deliveries_send_due(now=now) == 1
            delivery.refresh_from_db()
            assert (delivery.response_code, delivery.error, delivery.last_attempt_at) == (500, "HTTP 500", now)
            if delivery.status == "failed":
                break
            waits.append(delivery.next_attempt_at - now)
            assert deliveries_send_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0  # not yet due
            now = delivery.next_attempt_at
        ids = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert waits == [*SCHEDULE, created + timedelta(days=1) - (created + sum(SCHEDULE, timedelta()))]
    assert now == created + timedelta(days=1)  # the last attempt, a day after the event
    assert (delivery.attempts, delivery.next_attempt_at, len(receiver.requests)) == (10, None, 10)
    assert ids == {str(delivery.event.uuid)}  # the same webhook-id on every attempt
    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.disabled_automatically, webhook.consecutive_failures) == (False, True, 10)
    assert webhook.disabled_reason.startswith("Every delivery attempt failed for 24 hours: 10 attempts since ")
    assert webhook.disabled_reason.endswith("(HTTP 500).")
    assert webhook.disabled_at == now


def test_a_disabled_webhook_gets_nothing_new_and_its_pending_deliveries_wait_for_enable(world):
    with Receiver(503, 200) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world, "first")
        deliveries_send_due()  # 503: to be retried
        webhook_set_active(webhook=webhook, actor=world.alpha.admin, active=False)
        webhook.refresh_from_db()
        assert webhook.disabled_reason.startswith(f"Disabled by {world.alpha.admin.display_name} on ")
        assert not webhook.disabled_automatically
        _award(world, "second")
        assert WebhookEvent.objects.count() == 1  # nothing queued while disabled
        assert deliveries_send_due(now=timezone.now() + timedelta(hours=1)) == 0  # pending, but waiting
        webhook_set_active(webhook=webhook, actor=world.alpha.admin, active=True)
        assert deliveries_send_due() == 1
        assert len(receiver.requests) == 2
    webhook.refresh_from_db()
    assert (webhook.is_active, webhook.disabled_reason, webhook.failing_since) == (True, "", None)
    assert WebhookDelivery.objects.get().status == "succeeded"


def test_410_gone_disables_the_webhook_at_once(world):
    with Receiver(410) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world)
        deliveries_send_due()
    webhook.refresh_from_db()
    assert not webhook.is_active and webhook.disabled_automatically
    assert "answered 410 Gone" in webhook.disabled_reason
    assert WebhookDelivery.objects.get().status == "pending"  # kept, sent if it is enabled again


def test_an_address_that_resolves_to_a_private_network_is_not_sent_to(world, settings):
    """The check is on the address connected to: a public-looking name that resolves to loopback (here
    "localhost", written into the row as a name that changed its address would be) gets nothing."""
    settings.WEBHOOKS_PRIVATE_NETWORKS = False
    with Receiver(200) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url.replace("127.0.0.1", "localhost"))
        _award(world)
        deliveries_send_due()
        assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", None, 1)
    assert "private or local network" in delivery.error


def test_a_success_forgets_the_failures_before_it(world):
    with Receiver(500, 500, 200) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url)
        for name in ("a", "b", "c"):
            _award(world, name)
        delivery_module.STOP_AFTER, stop_after = 10, delivery_module.STOP_AFTER
        try:
            assert deliveries_send_due() == 3
        finally:
            delivery_module.STOP_AFTER = stop_after
        assert len(receiver.requests) == 3
    webhook.refresh_from_db()
    assert (webhook.failing_since, webhook.consecutive_failures, webhook.is_active) == (None, 0, True)


def test_a_run_stops_after_three_failures_in_a_row_and_leaves_the_rest_due(world):
    with Receiver(500) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url)
        for n in range(5):
            _award(world, f"s{n}")
        assert deliveries_send_due() == 3
        assert len(receiver.requests) == 3
    attempts = sorted(WebhookDelivery.objects.values_list("attempts", flat=True))
    assert attempts == [0, 0, 1, 1, 1]
    assert WebhookDelivery.objects.filter(attempts=0, next_attempt_at__lte=timezone.now()).count() == 2


def test_redirects_are_failures_and_not_followed(world):
    with Receiver(302, headers={"Location": "http://127.0.0.1:9/elsewhere"}) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world)
        deliveries_send_due()
        assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.error) == ("pending", 302, "HTTP 302")


def test_no_answer_in_time_and_a_refused_connection_are_failures(world, monkeypatch):
    monkeypatch.setattr(delivery_module, "TIMEOUT", 0.3)
    with Receiver(200, delay=1.0) as slow:
        WebhookFactory(organization=world.alpha.org, url=slow.url)
        _award(world, "slow")
        deliveries_send_due()
    with Receiver(200) as closed:
        url = closed.url  # a port nobody listens on once it has stopped
    Webhook.objects.update(url=url)
    _award(world, "refused")
    deliveries_send_due()
    errors = list(WebhookDelivery.objects.order_by("pk").values_list("error", "response_code", "status"))
    assert errors == [("No answer within 0.3 s", None, "pending"), ("Connection refused", None, "pending")]


# --- At least once ----------------------------------------------------------------------------------------------


class Killed(BaseException):
    """The worker process dying: nothing after it runs (not an Exception: no handler catches it)."""


def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_again_with_the_same_id(world, monkeypatch):
    sent = delivery_module.post

    def post_then_die(*args, **kwargs):
        sent(*args, **kwargs)
        raise Killed  # the request went out; its answer was never recorded

    with Receiver(200) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url)
        _award(world)
        start = timezone.now()
        monkeypatch.setattr(delivery_module, "post", post_then_die)
        with pytest.raises(Killed):
            deliveries_send_due(now=start)
        monkeypatch.setattr(delivery_module, "post", sent)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
            "pending",
            0,
            start + delivery_module.LEASE,
        )
        assert deliveries_send_due(now=start + timedelta(minutes=1)) == 0  # claimed: no other run takes it
        assert deliveries_send_due(now=start + delivery_module.LEASE) == 1  # the lease is over: sent again
        first, second = receiver.requests
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == str(delivery.event.uuid)
    assert first[1] == second[1]  # the same payload: the receiver drops the repeat by its webhook-id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


def test_the_delivery_task_acknowledges_late():
    for task in (deliver_webhook, sweep_webhook_deliveries):
        assert task.acks_late and task.reject_on_worker_lost


def test_a_delivery_enqueued_while_the_broker_is_down_is_sent_by_the_sweep(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(deliver_webhook, "delay", broker_down)
    with Receiver(200) as receiver:
        WebhookFactory(organization=world.alpha.org, url=receiver.url)
        with (
            caplog.at_level(logging.ERROR, logger="apps.webhooks.outbox"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            issued = _award(world)  # the issue succeeds: the event waits in the outbox
        assert "Could not enqueue the deliveries of webhook" in caplog.text
        assert receiver.requests == []
        assert WebhookDelivery.objects.get().status == "pending"
        assert sweep_webhook_deliveries.apply().get() == 1  # what beat runs every minute
        [(_, body)] = receiver.requests
    assert json.loads(body)["data"]["uuid"] == str(issued.uuid)
    assert WebhookDelivery.objects.get().status == "succeeded"


# --- Send test event --------------------------------------------------------------------------------------------


def test_send_test_event_delivers_a_signed_test_once_even_while_disabled(
    world, eager_celery, django_capture_on_commit_callbacks
):
    with Receiver(200, 500) as receiver:
        webhook = WebhookFactory(organization=world.alpha.org, url=receiver.url, is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_send_test(webhook=webhook, actor=world.alpha.admin)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_send_test(webhook=webhook, actor=world.alpha.admin)  # the endpoint fails this one
        (headers, body), _ = receiver.wait_for(2)
    payload = StandardWebhook(webhook.secret).verify(body, headers)
    assert payload["type"] == "webhook.test"
    assert payload["data"] == {
        "message": "A test event from Badges Portal: no badge changed.",
        "webhook": webhook.pk,
        "organization": {"id": world.alpha.org.pk, "name": "Alpha Academy"},
    }
    ok, failed = WebhookDelivery.objects.order_by("pk")
    assert (ok.status, ok.response_code) == ("succeeded", 200)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)  # not retried


def test_finished_deliveries_and_their_events_go_after_30_days_pending_ones_stay(world):
    webhook = WebhookFactory(organization=world.alpha.org)
    old, recent = timezone.now() - timedelta(days=31), timezone.now() - timedelta(days=29)

    def delivery(created_at, status):
        event = WebhookEvent.objects.create(type="badge.issued", occurred_at=created_at, organization=world.alpha.org)
        WebhookDelivery.objects.create(event=event, webhook=webhook, created_at=created_at, status=status)
        return event

    gone = [delivery(old, "succeeded"), delivery(old, "failed")]
    kept = [delivery(old, "pending"), delivery(recent, "succeeded"), delivery(recent, "failed")]
    assert prune_webhook_deliveries() == 2
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {event.pk for event in kept}
    assert not WebhookDelivery.objects.filter(event__in=gone).exists()
    assert WebhookDelivery.objects.count() == 3
