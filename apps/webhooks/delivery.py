"""Sending the outbox: claim a webhook's due deliveries, sign each (Standard Webhooks, with its library), POST it
with the standard library, record the outcome, retry with backoff, disable a webhook that keeps failing.

The rules:

- **Success** is a 2xx answer within ``TIMEOUT`` seconds. Anything else is a failure: a 3xx (redirects are not
  followed, as the specification advises), 4xx, 5xx, no answer in time, a refused connection.
- **Retries**: after the n-th failed attempt the next comes 10 s × 4^(n−1) later, at most 8 h later, and never
  later than a day after the event: 10 s, 40 s, 2 min 40 s, 10 min 40 s, 42 min 40 s, 2 h 50 min 40 s, 8 h, 8 h,
  and the last attempt at 24 h — 10 attempts. An attempt that fails a day or more after the event gives up
  (status failed). The test event is tried once.
- **Disabling**: a webhook is disabled when its endpoint answers 410 Gone, or when every attempt has failed for 24
  hours (an attempt fails while the first failure since the last success is a day old — at the latest when an
  event's last retry fails). The reason is kept and shown on its page; an administrator enables it again, and
  then its pending deliveries are sent. While it is disabled nothing new is queued for it and its pending
  deliveries wait (its test event is still sent).
- **Kept**: a finished delivery (delivered, or given up) is kept ``KEPT`` on the webhook's page, then deleted by
  the daily prune with its event once no delivery of the event is left.
- **At least once**: claiming a delivery moves it a lease (``LEASE``) ahead. A worker killed while sending leaves
  it claimed; when the lease ends it is due again and the next run sends it again, with the same ``webhook-id``.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException
from math import floor

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from standardwebhooks import Webhook as StandardWebhook

from .events import TEST
from .models import Webhook, WebhookDelivery, WebhookEvent
from .serializers import event_payload
from .validators import PRIVATE_REFUSAL, is_private_address, private_networks_allowed

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for an answer
LEASE = timedelta(minutes=5)  # a claimed delivery is due again after this: a chunk's sends take at most 100 s
CHUNK = 10  # deliveries claimed at a time
STOP_AFTER = 3  # consecutive failures of one webhook in one run: the rest of its due deliveries wait a minute
FIRST_DELAY, FACTOR, MAX_DELAY = timedelta(seconds=10), 4, timedelta(hours=8)
RETRY_FOR = timedelta(days=1)  # retries end a day after the event
FAILING_FOR = timedelta(days=1)  # every attempt failing this long disables the webhook
RUN_BUDGET = 50.0  # seconds a run sends for; the sweep runs every minute
USER_AGENT = "BadgesPortal-Webhooks/1.0"
KEPT = timedelta(days=30)  # a finished delivery's log line, and its event
PRUNE_CHUNK = 5000


# --- The schedule -----------------------------------------------------------------------------------------------


def retry_delay(failed_attempts: int) -> timedelta:
    """The wait after the n-th failed attempt (n ≥ 1): exponential, capped."""
    return min(FIRST_DELAY * FACTOR ** (failed_attempts - 1), MAX_DELAY)


def next_attempt_at(*, created_at: datetime, failed_attempts: int, now: datetime, retried: bool = True):
    """When to try again after a failure at ``now``; None: give up."""
    deadline = created_at + RETRY_FOR
    if not retried or now >= deadline:
        return None
    return min(now + retry_delay(failed_attempts), deadline)


# --- One attempt ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int | None = None
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx answer is a failure: the webhook's URL should be updated instead


class PrivateAddressError(OSError):
    pass


class _PublicOnly:
    """A connection that refuses a private peer: the check is on the address actually connected to, after the
    name was resolved, so a name that resolves to a private address (or starts to) is refused too."""

    def connect(self):
        super().connect()
        if not private_networks_allowed() and is_private_address(self.sock.getpeername()[0]):
            self.sock.close()
            raise PrivateAddressError(PRIVATE_REFUSAL)


class _HTTPConnection(_PublicOnly, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_PublicOnly, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)


_opener = urllib.request.build_opener(_NoRedirects, _HTTPHandler, _HTTPSHandler)


def _words(error: BaseException) -> str:
    reason = getattr(error, "reason", error)
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"No answer within {TIMEOUT} s"
    if isinstance(reason, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(reason, socket.gaierror):
        return "Host not found"
    if isinstance(reason, PrivateAddressError):
        return str(reason)
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {reason}"[:300]
    return (str(reason) or type(reason).__name__)[:300]


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` (urllib, no redirects, ``TIMEOUT``): what came back."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            response.read(1024)
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        return Answer(False, error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, HTTPException, ValueError) as error:
        return Answer(False, None, _words(error))
    return Answer(True, status) if 200 <= status < 300 else Answer(False, status, f"HTTP {status}")


def signed_request(webhook: Webhook, event, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of ``event`` for ``webhook``, signed at ``now``."""
    body = json.dumps(event_payload(event), separators=(",", ":"), ensure_ascii=False)
    msg_id = str(event.uuid)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(floor(now.timestamp())),
        "webhook-signature": StandardWebhook(webhook.secret).sign(msg_id, now, body),
    }
    return body.encode(), headers


def _attempt(webhook: Webhook, delivery: WebhookDelivery, now: datetime) -> Answer:
    """Send one delivery and record what came back (on the delivery, and on the webhook's health)."""
    try:
        body, headers = signed_request(webhook, delivery.event, now)
    except Exception as error:  # a payload that cannot be built is a failure like any other, and logged
        logger.exception("Webhook delivery %s: the payload could not be built", delivery.pk)
        answer = Answer(False, None, f"The payload could not be built: {type(error).__name__}")
    else:
        answer = post(webhook.url, body, headers)
    attempts = delivery.attempts + 1
    if answer.ok:
        changes = {"status": WebhookDelivery.Status.SUCCEEDED, "next_attempt_at": None}
    else:
        retry_at = next_attempt_at(created_at=delivery.created_at, failed_attempts=attempts, now=now,
                                   retried=delivery.event.kind.retried)  # fmt: skip
        status = WebhookDelivery.Status.PENDING if retry_at else WebhookDelivery.Status.FAILED
        changes = {"status": status, "next_attempt_at": retry_at}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_attempt_at=now, response_code=answer.status, error=answer.error[:300], **changes
    )
    _record_health(webhook, answer, now)
    return answer


def _record_health(webhook: Webhook, answer: Answer, now: datetime) -> None:
    """A success resets the webhook's failure count; a failure may disable it (the module's rule)."""
    webhooks = Webhook.objects.filter(pk=webhook.pk)
    if answer.ok:
        webhooks.update(failing_since=None, consecutive_failures=0, last_success_at=now)
        return
    webhooks.update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), Value(now, output_field=DateTimeField())),
    )
    health = webhooks.values("failing_since", "consecutive_failures").first()
    if health is None:  # deleted meanwhile
        return
    when = f"{timezone.localtime(now):%b %-d, %Y, %H:%M}"
    if answer.status == 410:
        reason = f"The endpoint answered 410 Gone on {when}: it asked to receive no more webhooks."
    elif health["failing_since"] <= now - FAILING_FOR:
        since = f"{timezone.localtime(health['failing_since']):%b %-d, %Y, %H:%M}"
        reason = (
            f"Every delivery attempt failed for 24 hours: {health['consecutive_failures']} attempts since {since}, "
            f"the last on {when} ({answer.error})."
        )
    else:
        return
    if webhooks.filter(is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason, disabled_automatically=True
    ):
        webhook.is_active, webhook.disabled_reason = False, reason
        logger.warning("Webhook %s disabled: %s", webhook.pk, reason)


# --- Runs -------------------------------------------------------------------------------------------------------


def _claim(webhook: Webhook, now: datetime) -> list[int]:
    """Up to CHUNK due deliveries of the webhook, oldest first, moved a lease ahead (no other run takes them)."""
    due = WebhookDelivery.objects.filter(webhook=webhook, status=WebhookDelivery.Status.PENDING,
                                         next_attempt_at__lte=now)  # fmt: skip
    if not webhook.is_active:
        due = due.filter(event__type=TEST.type)  # paused, but a test may still be sent
    with transaction.atomic():
        ids = list(
            due.order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:CHUNK]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def _send_chunk(webhook: Webhook, clock, failures: int) -> tuple[int, int, bool]:
    """Claim and send one chunk: (sent, consecutive failures so far, whether to go on with this webhook)."""
    ids = _claim(webhook, clock())
    if not ids:
        return 0, failures, False
    deliveries = (
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("event__issued_badge__badge__organization", "event__issued_badge__recipient")
        .order_by("pk")
    )
    sent, stopped = 0, False
    for delivery in deliveries:
        if stopped:  # the endpoint is down or the webhook was disabled: give the rest back, due again
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=clock())
            continue
        answer = _attempt(webhook, delivery, clock())
        sent += 1
        failures = 0 if answer.ok else failures + 1
        stopped = failures >= STOP_AFTER or not webhook.is_active
    return sent, failures, not stopped


def deliveries_send_due(*, webhook_ids=None, now: datetime | None = None, budget: float = RUN_BUDGET) -> int:
    """Send the due deliveries of these webhooks (default: every webhook that has some), a chunk of each in turn,
    for at most ``budget`` seconds; returns how many attempts were made. ``now`` fixes the clock (tests)."""
    clock = (lambda: now) if now is not None else timezone.now
    due = WebhookDelivery.objects.filter(
        webhook=OuterRef("pk"), status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=clock()
    )
    webhooks = Webhook.objects.filter(Exists(due))
    if webhook_ids is not None:
        webhooks = webhooks.filter(pk__in=list(webhook_ids))
    turns = {webhook.pk: (webhook, 0) for webhook in webhooks.order_by("pk")}
    deadline, attempts = time.monotonic() + budget, 0
    while turns and time.monotonic() < deadline:
        for pk, (webhook, failures) in list(turns.items()):
            sent, failures, go_on = _send_chunk(webhook, clock, failures)
            attempts += sent
            if go_on:
                turns[pk] = (webhook, failures)
            else:
                del turns[pk]
            if time.monotonic() >= deadline:
                break
    return attempts


def deliveries_prune(*, now: datetime | None = None) -> int:
    """Delete the deliveries finished more than ``KEPT`` ago, then the events none is left of; in chunks (short
    transactions). Returns how many deliveries went."""
    cutoff = (now or timezone.now()) - KEPT
    finished = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.PENDING).filter(created_at__lt=cutoff)
    deleted = 0
    while ids := list(finished.order_by().values_list("pk", flat=True)[:PRUNE_CHUNK]):
        deleted += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
    orphans = WebhookEvent.objects.filter(occurred_at__lt=cutoff).exclude(
        Exists(WebhookDelivery.objects.filter(event=OuterRef("pk")))
    )
    while ids := list(orphans.order_by().values_list("pk", flat=True)[:PRUNE_CHUNK]):
        WebhookEvent.objects.filter(pk__in=ids).delete()
    return deleted
