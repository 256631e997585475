"""Full runs in shards, run by however many Celery workers there are — or one after the other in the run's process.

A full run is planned as shards (``shards_plan``): each active achievement is one shard, and an achievement whose
statement reads more than ``EVALUATION_SHARD_ROWS`` activity records is split by ranges of student ids into as many
as that takes. Each shard is an EvaluationShard row; running one (``shard_run``) is one set-based statement and one
pass through the door, in one transaction that also marks the shard done. A shard that raises is recorded with its
error and retried on its own (the Celery task's retries); once its retries are spent it is failed, the others go
on, and the run ends partial.

The run ends when its last shard does, decided in the database rather than by a Celery chord: each shard's
transaction ends by locking the run's row (a row lock, for that transaction only: pooler-safe) and, if no shard
is left open, writes the run's per-achievement log and its figures. That commit is the shard's own, so a run
completes exactly once, whichever worker ends last, and a worker killed before or after committing loses nothing:
its shard's message is delivered again (late acknowledgement) and either redoes the work — the earned and issued
badges' unique constraints make it issue nothing twice — or finds the shard done. A chord would need a result
backend and never fires when one of its messages is lost.

The watermark is the run's from its start, and counts only once the run has completed (finished or partial); an
achievement that failed is evaluated in full by the next run.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.activity.models import ActivityRecord

from ..kinds import UserRange
from ..models import Achievement, AchievementEvaluation, EvaluationRun, EvaluationShard
from ..requirements import Requirement, requirements_of
from .earning import Outcome, earn_and_issue
from .runs import Heartbeat, heartbeat_seconds

logger = logging.getLogger(__name__)

Shard = EvaluationShard.Status
ENDED = [Shard.DONE, Shard.FAILED]


@dataclass(frozen=True)
class PlannedShard:
    achievement_id: int
    users: UserRange
    estimated_rows: int


def shards_plan(sizes: dict[int, int], bounds: tuple[int, int] | None, rows_per_shard: int) -> list[PlannedShard]:
    """The shards of a full run, largest first (so that the last to run are small and the workers end together).

    ``sizes``: each achievement's estimated activity records read; ``bounds``: the lowest and highest student id
    with activity (None: no activity). An achievement reading up to ``rows_per_shard`` records is one shard over
    every student; a larger one is split into equal ranges of ids within ``bounds``, the first and last open-ended,
    so that every student — inside the bounds or not — is in exactly one of its shards."""
    planned = []
    for achievement_id, rows in sizes.items():
        parts = 1 if bounds is None else min(max(1, math.ceil(rows / rows_per_shard)), bounds[1] - bounds[0] + 1)
        if parts == 1:
            planned.append(PlannedShard(achievement_id, UserRange(), rows))
            continue
        low, high = bounds
        # Strictly increasing cuts within (low, high]: each range holds at least one id of the bounds.
        edges = [None, *(low + (high - low + 1) * k // parts for k in range(1, parts)), None]
        planned += [
            PlannedShard(achievement_id, UserRange(edges[k], edges[k + 1]), rows // parts) for k in range(parts)
        ]
    return sorted(planned, key=lambda shard: -shard.estimated_rows)


def estimated_rows(requirements: dict[int, Requirement]) -> dict[int, int]:
    """How many activity records each achievement's statement reads: its labs', courses' and learning paths'
    records, or every record with points. One grouped count of the activity table."""
    by_target: dict[tuple[str, int], int] = defaultdict(int)
    scored = 0
    counts = (
        ActivityRecord.objects.values_list("lab_id", "course_id", "learning_path_id")
        .annotate(records=Count("pk"), scored=Count("pk", filter=Q(points__gt=0)))
        .order_by()
    )
    for lab, course, path, records, with_points in counts:
        for name, value in (("lab", lab), ("course", course), ("path", path)):
            if value is not None:
                by_target[name, value] += records
        scored += with_points
    sizes = {}
    for pk, r in requirements.items():
        targets = [("lab", r.lab_id), ("course", r.course_id), ("path", r.learning_path_id)]
        targets += [("course", course) for course in r.course_ids]
        rows = sum(by_target.get(target, 0) for target in targets if target[1] is not None)
        sizes[pk] = rows + (scored if r.points_threshold else 0)
    return sizes


def shards_create(run: EvaluationRun, achievements: list[Achievement]) -> list[EvaluationShard]:
    """The run's shards, saved: planned for the achievements whose badge may be issued; one ended, with the reason,
    for each whose badge is inactive (nobody earns it then; reactivating the badge lets the next full run do it)."""
    evaluable = [achievement for achievement in achievements if achievement.badge.is_active]
    sizes = estimated_rows(requirements_of(evaluable))
    bounds = ActivityRecord.objects.aggregate(low=Min("user_id"), high=Max("user_id"))
    bounds = None if bounds["low"] is None else (bounds["low"], bounds["high"])
    now = timezone.now()
    shards = [
        EvaluationShard(
            run=run,
            achievement_id=shard.achievement_id,
            user_from=shard.users.start,
            user_to=shard.users.stop,
            estimated_rows=shard.estimated_rows,
        )
        for shard in shards_plan(sizes, bounds, settings.EVALUATION_SHARD_ROWS)
    ]
    shards += [
        EvaluationShard(
            run=run,
            achievement=achievement,
            status=Shard.DONE,
            started_at=now,
            finished_at=now,
            error=f"Not evaluated: its badge “{achievement.badge.name}” is inactive.",
        )
        for achievement in achievements
        if not achievement.badge.is_active
    ]
    return EvaluationShard.objects.bulk_create(shards)


def full_run(run: EvaluationRun, *, heartbeat: Heartbeat, dispatch: Callable[[list[int]], None] | None = None):
    """Plan the run's shards and hand them to ``dispatch`` (Celery workers; the run goes on without this process),
    or run them here, one after the other. Returns the run as it stands."""
    achievements = list(Achievement.objects.filter(is_active=True).select_related("badge").order_by("pk"))
    shards = shards_create(run, achievements)
    EvaluationRun.objects.filter(pk=run.pk).update(
        shards_total=len(shards), fanned_out=dispatch is not None, heartbeat_at=timezone.now()
    )
    waiting = [shard.pk for shard in shards if shard.status == Shard.QUEUED]
    if not waiting:
        with transaction.atomic():
            _complete_if_last(run.pk)
    elif dispatch is not None:
        dispatch(waiting)
    else:
        for pk in waiting:
            heartbeat()
            shard_run(pk, retries_left=False)
    run.refresh_from_db()
    return run


def shard_run(shard_id: int, *, retries_left: bool) -> bool:
    """Run one shard: earn and issue, mark it done — and complete the run if it is the last. Returns True when it
    raised and is to be retried (it is queued again, with its error); False when it is done, failed for good, or
    has nothing to do (it ended already — a message delivered again — or its run is no longer running)."""
    shard = EvaluationShard.objects.select_related("run__requested_by", "achievement__badge").filter(pk=shard_id)
    shard = shard.first()
    if shard is None or shard.status in ENDED:
        return False
    run = shard.run
    if run.status != EvaluationRun.Status.RUNNING:
        logger.info("evaluation shard %s not run: its run %s is %s", shard.pk, run.pk, run.status)
        return False
    now = timezone.now()
    EvaluationShard.objects.filter(pk=shard.pk).update(
        status=Shard.RUNNING, attempts=F("attempts") + 1, started_at=Coalesce("started_at", now)
    )
    achievement = shard.achievement
    users = UserRange(shard.user_from, shard.user_to)
    try:
        with lease_kept(run), transaction.atomic():
            requirement = requirements_of([achievement])[achievement.pk]
            outcome = earn_and_issue([(achievement, requirement, users)], run.requested_by)[achievement.pk]
            _shard_end(shard, Shard.DONE, outcome)
    except Exception as error:
        logger.warning(
            "evaluation shard %s (achievement %s, students %s) failed%s",
            shard.pk,
            achievement.pk,
            users,
            ", retried" if retries_left else "",
            exc_info=True,
        )
        with transaction.atomic():
            status = Shard.QUEUED if retries_left else Shard.FAILED
            _shard_end(shard, status, Outcome(error=f"{type(error).__name__}: {error}"[:2000]))
        return retries_left
    return False


def _shard_end(shard: EvaluationShard, status: str, outcome: Outcome) -> None:
    """Record the shard's outcome (in the caller's transaction) and, if it has ended, complete the run if no shard
    is left open. The run's row is locked first, so that shards ending at once see each other's ends."""
    run = EvaluationRun.objects.select_for_update().get(pk=shard.run_id)
    ended = status in ENDED
    EvaluationShard.objects.filter(pk=shard.pk).update(
        status=status,
        finished_at=timezone.now() if ended else None,
        users_examined=outcome.examined,
        users_qualified=outcome.qualified,
        badges_issued=outcome.issued,
        error=outcome.error,
    )
    if ended and run.status == EvaluationRun.Status.RUNNING:
        _complete_if_last(run.pk)


def _complete_if_last(run_id: int) -> None:
    """In the caller's transaction, its run's row locked: when none of the run's shards is open, write its log (one
    AchievementEvaluation per achievement, its shards summed) and its figures, finished — or partial if a shard
    failed."""
    if EvaluationShard.objects.filter(run_id=run_id).exclude(status__in=ENDED).exists():
        return
    per_achievement: dict[int, list[EvaluationShard]] = defaultdict(list)
    for shard in EvaluationShard.objects.filter(run_id=run_id).order_by("pk"):
        per_achievement[shard.achievement_id].append(shard)
    evaluations = [_evaluation(run_id, achievement_id, shards) for achievement_id, shards in per_achievement.items()]
    AchievementEvaluation.objects.bulk_create(evaluations)
    now = timezone.now()
    failed = any(shard.status == Shard.FAILED for shards in per_achievement.values() for shard in shards)
    EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.RUNNING).update(
        status=EvaluationRun.Status.PARTIAL if failed else EvaluationRun.Status.FINISHED,
        finished_at=now,
        heartbeat_at=now,
        achievements_evaluated=len(evaluations),
        users_examined=sum(e.users_examined for e in evaluations),
        badges_issued=sum(e.badges_issued for e in evaluations),
        errors=sum(bool(e.error) for e in evaluations),
    )
    logger.info(
        "evaluate_achievements full (%s shards): %s achievements, %s badges issued, %s errors",
        sum(map(len, per_achievement.values())), len(evaluations), sum(e.badges_issued for e in evaluations),
        sum(bool(e.error) for e in evaluations),
    )  # fmt: skip


def _evaluation(run_id: int, achievement_id: int, shards: Iterable[EvaluationShard]) -> AchievementEvaluation:
    shards = list(shards)
    errors = [s.error for s in shards if s.error]  # failed shards', and an inactive badge's reason
    return AchievementEvaluation(
        run_id=run_id,
        achievement_id=achievement_id,
        mode=EvaluationRun.Mode.FULL,
        started_at=min(s.started_at or s.finished_at for s in shards),
        finished_at=max(s.finished_at for s in shards),
        users_examined=sum(s.users_examined for s in shards),
        users_qualified=sum(s.users_qualified for s in shards),
        badges_issued=sum(s.badges_issued for s in shards),
        error=errors[0] if errors else "",
    )


@contextmanager
def lease_kept(run: EvaluationRun):
    """Renew the run's lease from a thread of this process (its own database connection) while the block runs:
    one shard's statement may take longer than the lease at scale, and the run must not be taken for dead
    meanwhile. A killed process stops renewing it. PostgreSQL only: SQLite has one writer at a time, and the
    block holds it."""
    if connection.vendor != "postgresql":
        yield
        return
    stop = threading.Event()

    def renew():
        try:
            while not stop.wait(heartbeat_seconds()):
                running = EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.RUNNING)
                running.update(heartbeat_at=timezone.now())
        except Exception:
            logger.warning("evaluation run %s: could not renew its lease", run.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=renew, name=f"evaluation-lease-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
