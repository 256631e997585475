"""Awards within seconds of the activity: new activity asks for an incremental evaluation of the students it
concerns (the evaluator's watermark finds them), queued after commit; a burst of activity queues one run
(``EvaluationRequest``); activity recorded while a run is going asks for the next. Activity whose asking was
lost while the broker was down is queued by the sweep beat runs every minute; the hourly run stays the backstop."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.activity.models import ActivityRecord

from ..models import EvaluationRequest, EvaluationRun

logger = logging.getLogger(__name__)

SOON = 1  # seconds: activity recorded within this second joins the same run
BUSY = 5  # seconds before asking again while another run holds the lock
STALE = timedelta(minutes=5)


def evaluate_soon(*, countdown: float = SOON) -> bool:
    """Queue an evaluation of new activity unless one is queued already; True if this call queued it."""
    from ..tasks import evaluate_new_activity

    now = timezone.now()
    # Queued already, unless that was long ago: its task was lost (a broker restarted empty) — queue another.
    waiting = Q(requested_at__isnull=True) | Q(requested_at__lt=now - STALE)
    if not EvaluationRequest.objects.filter(waiting, pk=1).update(requested_at=now):
        if EvaluationRequest.objects.filter(pk=1).exists():
            return False  # one is queued
        try:  # its row is missing (a database emptied since its migration): make it, asking
            with transaction.atomic():
                EvaluationRequest.objects.create(pk=1, requested_at=now)
        except IntegrityError:
            return False  # made at this very moment by another request, which queues the run
    try:
        evaluate_new_activity.apply_async(countdown=countdown)
    except Exception:  # the broker is down: the hourly run evaluates it; let the next activity try again
        logger.warning("could not queue the evaluation of new activity", exc_info=True)
        EvaluationRequest.objects.filter(pk=1).update(requested_at=None)
        return False
    return True


def evaluation_requested() -> None:
    """The queued evaluation starts: activity recorded from now on asks for another."""
    EvaluationRequest.objects.filter(pk=1).update(requested_at=None)


def evaluation_waiting() -> bool:
    """Activity recorded since the last finished run, and no run going to take it (the sweep queues one, if none
    is queued: asking was lost while the broker was down). Before any run has finished, the hourly run does it."""
    last = EvaluationRun.objects.completed().order_by("-started_at", "-pk")
    watermark = last.values_list("watermark", flat=True).first()
    if watermark is None or EvaluationRun.objects.filter(status=EvaluationRun.Status.RUNNING).exists():
        return False
    return ActivityRecord.objects.filter(pk__gt=watermark).exists()
