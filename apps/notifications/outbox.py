"""The outbox: the e-mails telling recipients of their new badges are written in the issuing door's transaction
(they commit with the badges, or neither does), and the sending task is queued once that transaction commits.

Issuing never waits for mail: a pass costs one statement here however many badges it issued (PostgreSQL; bulk
inserts elsewhere). Queueing after commit may fail (the broker down): it is logged, and the beat sweep sends
what is due once the broker is back (tasks.sweep_badge_emails).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import BadgeEmail
from .tasks import send_badge_emails

logger = logging.getLogger(__name__)
EACH, DIGEST = "each", "digest"


def digest_wait() -> timedelta:
    """How long a digest waits for its recipient's other new badges (an evaluation run issues them in passes)."""
    return timedelta(seconds=settings.BADGE_EMAIL_DIGEST_WAIT)


def record_badge_emails(sender=None, *, action: str, ids, at: datetime | None = None, notify=None, **kwargs):
    """The receiver of ``issued_badges_changed``: queue the e-mails the issuance asked for (``notify``)."""
    if action != "issued" or not notify:
        return
    at = at or timezone.now()
    queued = 0
    for mode, due_at in ((EACH, at), (DIGEST, at + digest_wait())):
        if issued_ids := list(notify.get(mode, ())):
            _write(issued_ids, digest=mode == DIGEST, at=at, due_at=due_at)
            queued += len(issued_ids)
    if queued:
        transaction.on_commit(enqueue)


def email_queue(issued_badge_id: int, *, requested_by=None) -> BadgeEmail:
    """Queue one more e-mail for an issued badge (Resend), sent at once after commit."""
    now = timezone.now()
    email = BadgeEmail.objects.create(issued_badge_id=issued_badge_id, created_at=now, due_at=now,
                                      requested_by=requested_by)  # fmt: skip
    transaction.on_commit(enqueue)
    return email


def _write(ids: list[int], *, digest: bool, at: datetime, due_at: datetime) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BadgeEmail._meta.db_table} "
                "(issued_badge_id, digest, status, created_at, due_at, attempts, error) "
                "SELECT unnest(%s::bigint[]), %s, 'queued', %s, %s, 0, ''",
                [ids, digest, at, due_at],
            )
    else:
        BadgeEmail.objects.bulk_create(
            BadgeEmail(issued_badge_id=pk, digest=digest, created_at=at, due_at=due_at) for pk in ids
        )


def enqueue() -> None:
    try:
        send_badge_emails.delay()
    except Exception:
        logger.exception("Could not queue the badge e-mails: the sweep sends them once the broker is back")
