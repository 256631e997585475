"""The evaluator: who has met each active achievement, issued through the one door, with a run log.

Each achievement is one set-based statement (services/earning.py): every user who meets it and has not earned it
yet gets an EarnedAchievement row dated when they first met it, and the same statement returns them;
the door then issues the badge to them in bulk (source ``achievement``), issued now and earned then. Users who
hold the badge already (by hand) or had it revoked are reported by the door and never re-issued.

Runs are incremental: only users with activity since the last run's watermark (the last activity
record id it saw) are looked at, except for achievements created, changed or failed since then,
which get a full pass; ``full=True`` (the nightly run) looks at everyone, in shards that Celery workers run
(services/shards.py). The achievements an
incremental run evaluates for named students are earned together by one statement over those
students' history, and issued by one pass through the door (each its own batch).

Two runs never work at once: the running run's row is the lock, with a lease renewed between achievements
(services/runs.py); a run whose worker was killed is marked interrupted and the next one redoes its work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.activity.models import ActivityRecord

from ..kinds import KINDS
from ..models import Achievement, AchievementEvaluation, EvaluationRun
from ..requirements import requirements_of
from .earning import Outcome, earn_and_issue
from .runs import Heartbeat, LeaseLost, run_start
from .shards import full_run, lease_kept

logger = logging.getLogger(__name__)

ACTIVE_BY_NAME = 2000  # an incremental run names up to this many active users in its statements
Activity = ActivityRecord.Kind


def achievements_evaluate(
    *,
    full: bool = False,
    trigger: str = "schedule",
    requested_by: User | None = None,
    record_skipped: bool = True,
    dispatch: Callable[[list[int]], None] | None = None,
):
    """Evaluate every active achievement; return the run (``status`` skipped when another run holds the lock;
    None then instead, without a run row, unless ``record_skipped``; ``interrupted`` when it lost its lease).

    A full run (``full``, or the first run ever) is made of shards: given ``dispatch``, their ids are handed to it
    (Celery workers run them, and the run is returned running); without it they run here, one after the other."""
    mode = EvaluationRun.Mode.FULL if full else EvaluationRun.Mode.INCREMENTAL
    run = run_start(mode=mode, trigger=trigger, requested_by=requested_by)
    if run is None and not record_skipped:
        return None
    if run is None:
        logger.info("evaluate_achievements skipped: another evaluation is running")
        now = timezone.now()
        return EvaluationRun.objects.create(
            mode=mode, status=EvaluationRun.Status.SKIPPED, trigger=trigger, requested_by=requested_by,
            started_at=now, finished_at=now,
        )  # fmt: skip
    return _run(run, full=full, dispatch=dispatch)


def _run(run: EvaluationRun, *, full: bool, dispatch) -> EvaluationRun:
    running = EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.RUNNING)
    try:
        last = EvaluationRun.objects.last_completed()
        run.watermark = ActivityRecord.objects.aggregate(last=Max("pk"))["last"] or 0
        run.mode = EvaluationRun.Mode.FULL if full or last is None else EvaluationRun.Mode.INCREMENTAL
        running.update(mode=run.mode, watermark=run.watermark)
        if run.mode == EvaluationRun.Mode.FULL:
            return full_run(run, heartbeat=Heartbeat(run), dispatch=dispatch)
        return _evaluate_run(run, last, Heartbeat(run))
    except LeaseLost:
        # Paused longer than the lease (or the database was unreachable that long): the next run took this one
        # for dead and marked it interrupted. Stop here; what it issued stays issued, the next run does the rest.
        logger.warning("evaluation run %s lost its lease: stopped, as marked (interrupted)", run.pk)
        run.refresh_from_db()
        return run
    except Exception as error:
        # Not one achievement's failure (those are logged per achievement): the run itself stopped. Say so,
        # rather than leave it "running"; the next run starts again from the last finished one's watermark.
        run.status, run.finished_at = EvaluationRun.Status.FAILED, timezone.now()
        run.error = f"{type(error).__name__}: {error}"[:2000]
        running.update(status=run.status, finished_at=run.finished_at, error=run.error)
        raise


def _evaluate_run(run: EvaluationRun, last: EvaluationRun, heartbeat: Heartbeat) -> EvaluationRun:
    """An incremental run, in this process: small by design (the students active since the last run)."""
    achievements = list(Achievement.objects.filter(is_active=True).select_related("badge").order_by("pk"))
    requirements = requirements_of(achievements)
    plan = _incremental_plan(achievements, requirements, last, run.watermark)

    evaluations = [
        AchievementEvaluation(
            run=run,
            achievement=achievement,
            mode=EvaluationRun.Mode.FULL if window is None else EvaluationRun.Mode.INCREMENTAL,
            started_at=started,
            finished_at=finished,
            users_examined=outcome.examined,
            users_qualified=outcome.qualified,
            badges_issued=outcome.issued,
            error=outcome.error,
        )
        for (achievement, window), (outcome, started, finished) in zip(
            plan, _evaluate_plan(plan, requirements, run.requested_by, heartbeat), strict=True
        )
    ]
    AchievementEvaluation.objects.bulk_create(evaluations)

    run.status = EvaluationRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.achievements_evaluated = len(evaluations)
    run.users_examined = sum(e.users_examined for e in evaluations)
    run.badges_issued = sum(e.badges_issued for e in evaluations)
    run.errors = sum(bool(e.error) for e in evaluations)
    figures = ("status", "finished_at", "achievements_evaluated", "users_examined", "badges_issued", "errors")
    # Finished only if still holding the lock (not marked interrupted meanwhile): ending it frees the lock.
    if not EvaluationRun.objects.filter(pk=run.pk, status=EvaluationRun.Status.RUNNING).update(
        heartbeat_at=run.finished_at, **{name: getattr(run, name) for name in figures}
    ):
        raise LeaseLost(f"evaluation run {run.pk} is no longer running")
    logger.info(
        "evaluate_achievements %s: %s achievements, %s users examined, %s badges issued, %s errors",
        run.mode, run.achievements_evaluated, run.users_examined, run.badges_issued, run.errors,
    )  # fmt: skip
    return run


def _incremental_plan(achievements, requirements, last: EvaluationRun, upto: int):
    """Achievements created, changed or failed since the last run: a full pass. The others: only when the new
    activity concerns them, and then only for the students whose new activity does (named in the statement;
    when very many did something, found by the activity id range instead)."""
    failed_last_time = set(
        AchievementEvaluation.objects.filter(run=last).exclude(error="").values_list("achievement_id", flat=True)
    )
    touched = _touched(last.watermark, upto)
    plan = []
    for achievement in achievements:
        if achievement.updated_at >= last.started_at or achievement.pk in failed_last_time:
            plan.append((achievement, None))
        elif users := KINDS[achievement.kind].concerned(requirements[achievement.pk], touched):
            plan.append((achievement, (last.watermark, upto) if touched.many else sorted(users)))
    return plan


@dataclass
class _Touched:
    """Who the activity recorded since the last run concerns, by what it is about (two small queries)."""

    labs: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    courses: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    exams: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    scored: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # user: new points
    crossed: dict[int, tuple[int, int]] = field(default_factory=dict)  # user: (points before, points now)
    active: set[int] = field(default_factory=set)
    many: bool = False  # more active students than a statement should name


def _touched(after: int, upto: int) -> _Touched:
    touched = _Touched()
    new = ActivityRecord.objects.filter(pk__gt=after, pk__lte=upto).order_by()
    rows = new.values_list("user_id", "kind", "lab_id", "course_id", "learning_path_id", "points")
    active = touched.active
    for user_id, kind, lab, course, path, points in rows.iterator(chunk_size=5000):
        active.add(user_id)
        if kind in (Activity.LAB_LAUNCHED, Activity.LAB_COMPLETED):
            touched.labs[lab].add(user_id)
        elif kind == Activity.COURSE_COMPLETED:
            touched.courses[course].add(user_id)
        elif kind == Activity.EXAM_PASSED:
            touched.exams[path].add(user_id)
        if points:
            touched.scored[user_id] += points
    touched.many = len(active) > ACTIVE_BY_NAME
    if touched.scored and not touched.many:
        totals = ActivityRecord.objects.filter(user_id__in=touched.scored, pk__lte=upto).values_list("user_id")
        for user_id, total in totals.annotate(total=Sum("points")).order_by():
            touched.crossed[user_id] = (total - touched.scored[user_id], total)
    return touched


def _evaluate_plan(plan, requirements, requested_by, heartbeat) -> list[tuple[Outcome, datetime, datetime]]:
    """Each planned achievement's outcome and when it was evaluated, in plan order.

    The achievements of an incremental run that name their students are evaluated together: one statement
    reads those students' history once and earns every achievement, then one pass through the door issues
    each badge. Should that fail, each is evaluated on its own, so that a failing achievement is recorded
    with its error and does not stop the others."""
    results: dict[int, tuple[Outcome, datetime, datetime]] = {}
    for achievement, _ in plan:
        if not achievement.badge.is_active:
            # Nobody earns it while its badge cannot be issued; reactivating the badge lets the next full pass do it.
            now = timezone.now()
            error = f"Not evaluated: its badge “{achievement.badge.name}” is inactive."
            results[achievement.pk] = (Outcome(error=error), now, now)
    named = [(a, requirements[a.pk], w) for a, w in plan if isinstance(w, list) and a.pk not in results]
    for group in _together(named):
        heartbeat()
        started = timezone.now()
        try:
            with lease_kept(heartbeat.run):
                outcomes = earn_and_issue(group, requested_by)
        except Exception:
            logger.warning("evaluating %s achievements together failed: each on its own", len(group), exc_info=True)
            continue
        finished = timezone.now()
        results.update({pk: (outcome, started, finished) for pk, outcome in outcomes.items()})
    for achievement, window in plan:
        if achievement.pk in results:
            continue
        heartbeat()
        started = timezone.now()
        try:
            with lease_kept(heartbeat.run):  # a full pass of one achievement: one statement that may be long
                outcomes = earn_and_issue([(achievement, requirements[achievement.pk], window)], requested_by)
        except Exception as error:
            logger.exception("evaluating achievement %s (%s) failed", achievement.pk, achievement.name)
            outcome = Outcome(error=f"{type(error).__name__}: {error}"[:2000])
        else:
            outcome = outcomes[achievement.pk]
        results[achievement.pk] = (outcome, started, timezone.now())
    return [results[achievement.pk] for achievement, _ in plan]


def _together(named) -> list[list]:
    """The named achievements in groups of two or more whose statement stays within the database's limit of
    parameters (SQLite's; PostgreSQL has none). Those left alone are evaluated on their own."""
    limit = connection.features.max_query_params
    groups, size = [[]], 0
    for item in named:
        _, requirement, window = item
        cost = 3 * len(window) + len(requirement.course_ids) + len(requirement.member_organization_ids) + 10
        if limit and groups[-1] and size + cost > limit:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += cost
    return [group for group in groups if len(group) > 1]
