"""Celery tasks of webhooks: send one webhook's due deliveries (enqueued after commit), and the sweep that beat
runs every minute (badges_portal/celery.py) so that nothing waits on a lost message or a broker that was down.

Both take ids, are idempotent (they send what is due; claimed deliveries are leased) and acknowledge late: a
worker killed while sending leaves the message to be delivered again, and the deliveries due after their lease.
"""

from celery import shared_task

from .delivery import deliveries_prune, deliveries_send_due


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(webhook_id: int) -> int:
    return deliveries_send_due(webhook_ids=[webhook_id])


@shared_task(name="webhooks.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep_webhook_deliveries() -> int:
    return deliveries_send_due()


@shared_task(name="webhooks.prune")
def prune_webhook_deliveries() -> int:
    return deliveries_prune()
