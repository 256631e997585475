"""Celery task of credentials: sign issued badges' credentials ahead of their first request (queued after commit
on settings.CREDENTIALS_QUEUE when CREDENTIALS_SIGN_AHEAD is on). Takes ids; idempotent (signed ones are skipped;
revoked ones are not signed)."""

from celery import shared_task

from .services import credentials_sign


@shared_task(name="credentials.sign", acks_late=True, reject_on_worker_lost=True)
def sign_credentials(issued_badge_ids: list[int]) -> int:
    return credentials_sign(issued_badge_ids=issued_badge_ids)
