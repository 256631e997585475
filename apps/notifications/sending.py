"""Sending the e-mail outbox: claim what is due, compose (HTML and text), send, record the outcome.

The rules:

- **Exactly once**: rows are claimed (``sending``) in a committed transaction before anything is sent, with
  ``SKIP LOCKED``, so two workers — or a task and the sweep — never take the same row. After the send, the row
  is ``sent``. A worker killed between the claim and the record leaves the row ``sending``: after ``LEASE`` it
  is marked failed ("interrupted"), never sent again by itself, for the e-mail may have gone out; an
  administrator can Resend it.
- **Retries**: a send that fails (SMTP down, refused) puts the row back in the queue 1 min × 2^(n−1) later, for a
  day; then it is failed with the error. Nothing is lost while Redis or SMTP is down: the rows wait in the
  database, and the sweep (every minute) sends them once both are back.
- **Digests**: a digest row waits ``BADGE_EMAIL_DIGEST_WAIT`` for its recipient's other new badges; when one is
  due, every queued digest row of that recipient goes in one e-mail.
- A recipient without an e-mail address, or inactive, and a badge revoked before its e-mail went: failed, with
  the reason; nothing is sent.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.credentials import identifiers
from apps.credentials.share import linkedin_add_url
from apps.issued_badges.models import IssuedBadge

from .models import BadgeEmail

logger = logging.getLogger(__name__)

CHUNK = 100  # rows claimed at a time
LEASE = timedelta(minutes=10)  # a claim older than this was interrupted
FIRST_DELAY, MAX_DELAY, RETRY_FOR = timedelta(minutes=1), timedelta(hours=2), timedelta(days=1)
RUN_BUDGET = 50.0  # seconds a run sends for; the sweep runs every minute
INTERRUPTED = "Interrupted while sending: it may not have gone out. Resend it if the student did not receive it."
Status = BadgeEmail.Status


def emails_send_due(*, now: datetime | None = None, budget: float = RUN_BUDGET) -> int:
    """Send the due e-mails, a chunk at a time, for at most ``budget`` seconds; returns how many were sent.
    ``now`` fixes the clock (tests)."""
    clock = (lambda: now) if now is not None else timezone.now
    _fail_interrupted(clock())
    sent, started = 0, time.monotonic()
    while time.monotonic() - started < budget:
        claimed = _claim(clock())
        if not claimed:
            break
        sent += _send(claimed, clock)
    return sent


def _fail_interrupted(now: datetime) -> None:
    BadgeEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - LEASE).update(
        status=Status.FAILED, error=INTERRUPTED
    )


def _claim(now: datetime) -> list[BadgeEmail]:
    """Take a chunk of due rows — and, for a due digest, its recipient's other queued digest rows — for sending."""
    with transaction.atomic():
        due = list(
            BadgeEmail.objects.filter(status=Status.QUEUED, due_at__lte=now)
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "digest", "issued_badge__recipient_id")[:CHUNK]
        )
        ids = {pk for pk, _, _ in due}
        if digest_recipients := {recipient for _, digest, recipient in due if digest}:
            ids |= set(
                BadgeEmail.objects.filter(
                    status=Status.QUEUED, digest=True, issued_badge__recipient__in=digest_recipients
                )
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
        if not ids:
            return []
        BadgeEmail.objects.filter(pk__in=ids).update(status=Status.SENDING, claimed_at=now)
    return list(
        BadgeEmail.objects.filter(pk__in=ids)
        .select_related("issued_badge__badge__organization", "issued_badge__recipient")
        .order_by("pk")
    )


def _send(claimed: list[BadgeEmail], clock) -> int:
    """Compose the claimed rows' e-mails and send them over one connection; record each one's outcome."""
    refused = defaultdict(list)
    letters: list[tuple[list[BadgeEmail], EmailMultiAlternatives]] = []
    digests = defaultdict(list)
    for email in claimed:
        if reason := _refusal(email.issued_badge):
            refused[reason].append(email.pk)
        elif email.digest:
            digests[email.issued_badge.recipient_id].append(email)
        else:
            letters.append(([email], compose([email.issued_badge])))
    letters += [(emails, compose([e.issued_badge for e in emails])) for emails in digests.values()]
    for reason, ids in refused.items():
        BadgeEmail.objects.filter(pk__in=ids).update(status=Status.FAILED, error=reason)
    sent = 0
    try:
        with get_connection() as connection:
            for emails, message in letters:
                try:
                    connection.send_messages([message])
                except Exception as error:
                    _retry(emails, error, clock())
                else:
                    BadgeEmail.objects.filter(pk__in=[e.pk for e in emails]).update(
                        status=Status.SENT, sent_at=clock(), attempts=F("attempts") + 1, error=""
                    )
                    sent += 1
    except Exception as error:  # the connection could not be opened (or closed): what was not sent waits
        logger.warning("Badge e-mails: the mail server failed: %s", error)
        claimed_ids = [e.pk for emails, _ in letters for e in emails]
        _retry(list(BadgeEmail.objects.filter(pk__in=claimed_ids, status=Status.SENDING)), error, clock())
    return sent


def _refusal(issued: IssuedBadge) -> str | None:
    recipient = issued.recipient
    if not recipient.is_active:
        return "The student's account is inactive."
    if not recipient.email:
        return "The student has no e-mail address."
    if issued.revoked_at is not None:
        return "The badge was revoked before its e-mail went out."
    return None


def _retry(emails: list[BadgeEmail], error: Exception, now: datetime) -> None:
    words = (str(error) or type(error).__name__)[:300]
    for email in emails:
        attempts = email.attempts + 1
        due_at = now + min(FIRST_DELAY * 2 ** (attempts - 1), MAX_DELAY)
        if due_at - email.created_at > RETRY_FOR:
            changes = {"status": Status.FAILED}
        else:
            changes = {"status": Status.QUEUED, "due_at": due_at, "claimed_at": None}
        BadgeEmail.objects.filter(pk=email.pk).update(attempts=attempts, error=words, **changes)


def compose(issued_badges: list[IssuedBadge]) -> EmailMultiAlternatives:
    """The e-mail telling a recipient of these badges (one, or a digest of several): HTML and plain text, each
    badge with its image, its verification page and its share links."""
    recipient = issued_badges[0].recipient
    items = [
        {
            "issued": issued,
            "verify_url": identifiers.verify_page(issued.uuid),
            "image_url": identifiers.badge_image(issued.badge_id),
            "linkedin_url": linkedin_add_url(issued),
        }
        for issued in issued_badges
    ]
    context = {
        "recipient": recipient,
        "items": items,
        "my_badges_url": f"{settings.PORTAL_URL}{reverse('people:my_badges')}",
    }
    if len(items) == 1:
        subject = f"You earned the badge “{issued_badges[0].badge.name}”"
    else:
        subject = f"You earned {len(items)} new badges"
    message = EmailMultiAlternatives(
        subject, render_to_string("notifications/badge_email.txt", context), to=[recipient.email]
    )
    message.attach_alternative(render_to_string("notifications/badge_email.html", context), "text/html")
    return message
