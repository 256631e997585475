"""Celery tasks of achievements: the evaluator, hourly on the beat schedule (badges_portal/celery.py)."""

from celery import shared_task

from apps.accounts.models import User

from .services.evaluation import achievements_evaluate


@shared_task(name="achievements.evaluate_achievements", acks_late=True)
def evaluate_achievements(full: bool = False, trigger: str = "schedule", requested_by_id: int | None = None) -> dict:
    """Evaluate every active achievement (incremental unless ``full``). Idempotent: a redelivered or
    repeated run finds nothing new; two at once never overlap (the second is recorded as skipped)."""
    requested_by = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    run = achievements_evaluate(full=full, trigger=trigger, requested_by=requested_by)
    return {"run": run.pk, "status": run.status, "mode": run.mode, "badges_issued": run.badges_issued}
