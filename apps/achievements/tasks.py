"""Celery tasks of achievements: the evaluator, hourly on the beat schedule (badges_portal/celery.py), and its sweep.

The evaluations acknowledge their message late and give it back if their worker process is lost: a worker killed
mid-run has its message delivered again — at once when a pool's child dies, after the broker's visibility timeout
(settings.CELERY_VISIBILITY_TIMEOUT) when the whole worker does — and the redelivered run redoes the killed one's
work (its run is marked interrupted once its lease has run out). Redelivered or repeated, a run is harmless: the
watermark and the unique earned and issued badges make it issue nothing twice."""

from celery import group, shared_task
from django.conf import settings

from apps.accounts.models import User

from .services.evaluation import achievements_evaluate
from .services.runs import lease_seconds, runs_interrupt_stale
from .services.shards import shard_run
from .services.soon import BUSY, evaluate_soon, evaluation_requested, evaluation_waiting

# A redelivered evaluation that finds the killed run's lease still alive waits for it to run out, this many times.
REDELIVERED_RETRIES = 3


def _redelivered(task) -> bool:
    return bool((task.request.delivery_info or {}).get("redelivered"))


@shared_task(name="achievements.evaluate_achievements", bind=True, acks_late=True, reject_on_worker_lost=True)
def evaluate_achievements(self, full: bool = False, trigger: str = "schedule", requested_by_id: int | None = None):
    """Evaluate every active achievement (incremental unless ``full``). Idempotent: a redelivered or
    repeated run finds nothing new; two at once never overlap (the second is recorded as skipped) — except a
    redelivered one, whose run was most likely killed: it tries again once the killed run's lease has run out."""
    requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    waits = (_redelivered(self) or self.request.retries > 0) and self.request.retries < REDELIVERED_RETRIES
    dispatch = shards_dispatch if settings.EVALUATION_FAN_OUT else None
    run = achievements_evaluate(
        full=full, trigger=trigger, requested_by=requested_by, record_skipped=not waits, dispatch=dispatch
    )
    if run is None:
        raise self.retry(countdown=lease_seconds() + 1, max_retries=REDELIVERED_RETRIES)
    return {"run": run.pk, "status": run.status, "mode": run.mode, "badges_issued": run.badges_issued}


def shards_dispatch(shard_ids: list[int]) -> None:
    """A full run's shards, to whichever workers are free (a group: each shard its own message, largest first)."""
    group(evaluate_shard.si(shard_id) for shard_id in shard_ids).apply_async()


@shared_task(name="achievements.evaluate_shard", bind=True, acks_late=True, reject_on_worker_lost=True)
def evaluate_shard(self, shard_id: int) -> None:
    """One shard of a full run (services/shards.py): retried on its own when it raises; delivered again when its
    worker is lost, and then harmless — it either redoes its work (nothing is issued twice) or finds it done."""
    retries = settings.EVALUATION_SHARD_RETRIES
    if shard_run(shard_id, retries_left=self.request.retries < retries):
        delay = settings.EVALUATION_SHARD_RETRY_DELAY * 2**self.request.retries
        raise self.retry(countdown=delay, max_retries=retries)


@shared_task(name="achievements.evaluate_new_activity", acks_late=True, reject_on_worker_lost=True)
def evaluate_new_activity() -> dict:
    """New activity asked for it (services/soon.py): an incremental run, within seconds of the activity. If another
    run holds the lock it may have started before that activity: ask again, and this one ends quietly."""
    evaluation_requested()
    run = achievements_evaluate(trigger="activity", record_skipped=False)
    if run is None:
        evaluate_soon(countdown=BUSY)
        return {"run": None, "status": "busy"}
    return {"run": run.pk, "status": run.status, "mode": run.mode, "badges_issued": run.badges_issued}


@shared_task(name="achievements.sweep")
def sweep_evaluations() -> dict:
    """Every minute: mark runs whose worker stopped as interrupted (so the Achievements page does not say
    "running" until the next run), and queue the evaluation of activity that is waiting with nothing queued for
    it (its queueing failed while the broker was down) — within a minute of the broker's return, not the hour."""
    interrupted = runs_interrupt_stale()
    queued = evaluation_waiting() and evaluate_soon()
    return {"interrupted": interrupted, "queued": bool(queued)}
