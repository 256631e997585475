"""The outbox: events written in the issuing door's transaction, one delivery per subscribed webhook, and the
delivery task enqueued once that transaction commits.

Invariants: an event is written in the same transaction as the change it reports (both commit or neither does),
only when some active webhook is subscribed to it, with one delivery per such webhook. With no webhook
subscribed the receiver costs one query; otherwise a fixed few, however many badges changed (PostgreSQL: one
INSERT … SELECT for the events and their deliveries; elsewhere chunks). Enqueueing happens after commit and may
fail (the broker down): it is logged, and the beat sweep (tasks.sweep_webhook_deliveries) sends the deliveries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from apps.access import policy
from apps.issued_badges.models import IssuedBadge

from .events import BY_ACTION, TEST
from .models import Webhook, WebhookDelivery, WebhookEvent
from .tasks import deliver_webhook

logger = logging.getLogger(__name__)
CHUNK = 500  # issued badges per statement, where a statement cannot take them all (SQLite)


def record_issued_badge_events(sender=None, *, action: str, ids: list[int], at: datetime | None = None, **kwargs):
    """The receiver of ``issued_badges_changed``: record the event of each changed issued badge for every active
    webhook subscribed to it (its organization's or a parent's), in the door's transaction."""
    kind = BY_ACTION.get(action)
    if kind is None or not ids:
        return
    # 1 query: the active webhooks (few) — and, with none subscribed, the only one.
    webhooks = [
        (pk, organization_id)
        for pk, organization_id, events in Webhook.objects.filter(is_active=True).values_list(
            "pk", "organization_id", "events"
        )
        if kind.type in events
    ]
    if not webhooks:
        return
    # 1 query: each webhook hears of its organization's tree.
    trees = policy.organization_trees({organization_id for _, organization_id in webhooks})
    covered = [(pk, covered_id) for pk, organization_id in webhooks for covered_id in trees[organization_id]]
    at = at or timezone.now()
    writer = _postgres_write if connection.vendor == "postgresql" else _portable_write
    writer(kind.type, at, list(ids), covered)
    enqueue_after_commit({pk for pk, _ in webhooks})


def _changed(ids, organization_ids):
    """The changed issued badges of these organizations: id, organization, revocation (a read of the door's
    rows; only the door writes them)."""
    return IssuedBadge.objects.filter(pk__in=ids, badge__organization__in=organization_ids).values_list(
        "pk", "badge__organization_id", "revoked_at", "revocation_reason"
    )


def _postgres_write(type_: str, at: datetime, ids: list[int], covered: list[tuple[int, int]]) -> None:
    """One statement: the events (a uuid each) and, for each, a delivery per webhook covering its organization."""
    ids_sql = RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    changed = _changed(ids_sql, sorted({organization_id for _, organization_id in covered})).order_by()
    changed_sql, changed_params = changed.query.sql_with_params()
    events, deliveries = WebhookEvent._meta.db_table, WebhookDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH event AS (
                INSERT INTO {events} (uuid, type, occurred_at, issued_badge_id, organization_id, revoked_at, reason)
                SELECT gen_random_uuid(), %s, %s, c.id, c.organization_id, c.revoked_at, c.reason
                FROM ({changed_sql}) AS c(id, organization_id, revoked_at, reason)
                ORDER BY c.id
                RETURNING id, organization_id
            )
            INSERT INTO {deliveries} (event_id, webhook_id, status, created_at, next_attempt_at, attempts, error)
            SELECT event.id, w.webhook_id, 'pending', %s, %s, 0, ''
            FROM event JOIN unnest(%s::bigint[], %s::bigint[]) AS w(webhook_id, organization_id)
                 ON w.organization_id = event.organization_id
            """,  # noqa: S608 - tables are ours; values are parameters
            [type_, at, *changed_params, at, at, [w for w, _ in covered], [o for _, o in covered]],
        )


def _portable_write(type_: str, at: datetime, ids: list[int], covered: list[tuple[int, int]]) -> None:
    """The same in chunks: read the changed rows, then insert their events and deliveries in bulk."""
    webhooks_of: dict[int, list[int]] = {}
    for webhook_id, organization_id in covered:
        webhooks_of.setdefault(organization_id, []).append(webhook_id)
    for start in range(0, len(ids), CHUNK):
        rows = list(_changed(ids[start : start + CHUNK], list(webhooks_of)).order_by("pk"))
        events = WebhookEvent.objects.bulk_create(
            WebhookEvent(uuid=uuid.uuid4(), type=type_, occurred_at=at, issued_badge_id=pk,
                         organization_id=organization_id, revoked_at=revoked_at, reason=reason)
            for pk, organization_id, revoked_at, reason in rows
        )  # fmt: skip
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, webhook_id=webhook_id, created_at=at, next_attempt_at=at)
            for event in events
            for webhook_id in webhooks_of[event.organization_id]
        )


def record_test_event(webhook: Webhook, *, at: datetime) -> WebhookDelivery:
    """A test event for one webhook (sent even while it is disabled: it checks the endpoint before enabling)."""
    organization = webhook.organization
    event = WebhookEvent.objects.create(
        type=TEST.type,
        occurred_at=at,
        organization=organization,
        data={
            "message": "A test event from Badges Portal: no badge changed.",
            "webhook": webhook.pk,
            "organization": {"id": organization.pk, "name": organization.name},
        },
    )
    delivery = WebhookDelivery.objects.create(event=event, webhook=webhook, created_at=at, next_attempt_at=at)
    enqueue_after_commit([webhook.pk])
    return delivery


def enqueue_after_commit(webhook_ids: Iterable[int]) -> None:
    """Once the transaction commits, ask a worker to send these webhooks' due deliveries."""
    ids = sorted(set(webhook_ids))
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(webhook_ids: Iterable[int]) -> None:
    """Enqueue the delivery task of each webhook; a broker that cannot be reached is logged, not raised: the
    deliveries are in the database, and the sweep sends them within a minute of the broker's return."""
    for webhook_id in webhook_ids:
        try:
            deliver_webhook.delay(webhook_id)
        except Exception:
            logger.exception("Could not enqueue the deliveries of webhook %s; the sweep will send them", webhook_id)
