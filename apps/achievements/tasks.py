"""Celery tasks of achievements: the evaluator, hourly on the beat schedule (badges_portal/celery.py)."""

from celery import shared_task

from apps.accounts.models import User

from .services.evaluation import achievements_evaluate
from .services.soon import BUSY, evaluate_soon, evaluation_requested


@shared_task(name="achievements.evaluate_achievements", acks_late=True)
def evaluate_achievements(full: bool = False, trigger: str = "schedule", requested_by_id: int | None = None) -> dict:
    """Evaluate every active achievement (incremental unless ``full``). Idempotent: a redelivered or
    repeated run finds nothing new; two at once never overlap (the second is recorded as skipped)."""
    requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    run = achievements_evaluate(full=full, trigger=trigger, requested_by=requested_by)
    return {"run": run.pk, "status": run.status, "mode": run.mode, "badges_issued": run.badges_issued}


@shared_task(name="achievements.evaluate_new_activity", acks_late=True)
def evaluate_new_activity() -> dict:
    """New activity asked for it (services/soon.py): an incremental run, within seconds of the activity. If another
    run holds the lock it may have started before that activity: ask again, and this one ends quietly."""
    evaluation_requested()
    run = achievements_evaluate(trigger="activity", record_skipped=False)
    if run is None:
        evaluate_soon(countdown=BUSY)
        return {"run": None, "status": "busy"}
    return {"run": run.pk, "status": run.status, "mode": run.mode, "badges_issued": run.badges_issued}
