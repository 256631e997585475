"""The receiver of the issuing door's ``issued_badges_changed``: revoked badges' status bits are set and
reinstated badges' credentials get a new index, in the door's transaction (a revocation and its bit commit
together; a few queries per pass, whatever the number of badges). Issued badges cost nothing here: their
credentials are made and signed later — at their first request, or by the sign-ahead task queued after commit
when settings.CREDENTIALS_SIGN_AHEAD is on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from .services import credentials_reinstated, credentials_revoked
from .tasks import sign_credentials

logger = logging.getLogger(__name__)
TASK_CHUNK = 200  # issued badges per sign-ahead task (~15 s of signing)


def issued_badges_changed_receiver(sender=None, *, action: str, ids: list[int], **kwargs) -> None:
    ids = list(ids)
    if not ids:
        return
    if action == "revoked":
        credentials_revoked(issued_badge_ids=ids)
    elif action == "reinstated":
        changed = credentials_reinstated(issued_badge_ids=ids)
        if changed and settings.CREDENTIALS_SIGN_AHEAD:
            enqueue_after_commit(changed)
    elif action == "issued" and settings.CREDENTIALS_SIGN_AHEAD:
        enqueue_after_commit(ids)


def enqueue_after_commit(issued_badge_ids: Iterable[int]) -> None:
    ids = sorted(issued_badge_ids)
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> None:
    """Queue the signing of these credentials on settings.CREDENTIALS_QUEUE (its own queue: a backlog of
    signatures never delays the evaluation or webhooks). A broker that cannot be reached is logged: nothing is
    lost, each credential is signed at its first request instead."""
    for start in range(0, len(ids), TASK_CHUNK):
        try:
            sign_credentials.apply_async(args=[ids[start : start + TASK_CHUNK]], queue=settings.CREDENTIALS_QUEUE)
        except Exception:
            logger.exception(
                "Could not queue the signing of %s credentials; they are signed when first asked", len(ids)
            )
            return
