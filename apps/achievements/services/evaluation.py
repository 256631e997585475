"""The evaluator: who has met each active achievement, issued through the one door, with a run log.

Each achievement is one set-based statement (``_earn``): every user who meets it and has not earned it
yet gets an EarnedAchievement row dated when they first met it, and the same statement returns them;
the door then issues the badge to them in bulk (source ``achievement``), dated the same. Users who
hold the badge already (by hand) or had it revoked are reported by the door and never re-issued.

Runs are incremental: only users with activity since the last run's watermark (the last activity
record id it saw) are looked at, except for achievements created, changed or failed since then,
which get a full pass; ``full=True`` (the nightly run) looks at everyone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import User
from apps.core.locks import exclusive
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import badges_issue

from ..models import Achievement, AchievementEvaluation, ActivityRecord, EarnedAchievement, EvaluationRun
from ..requirements import Requirement, per_user_sql, requirements_of

logger = logging.getLogger(__name__)

LOCK = "evaluate-achievements"
ACTIVE_BY_NAME = 2000  # an incremental run names up to this many active users in its statements
EARNED = EarnedAchievement._meta.db_table
Kind = Achievement.Kind
Activity = ActivityRecord.Kind


@dataclass
class _Outcome:
    examined: int = 0
    qualified: int = 0
    issued: int = 0
    error: str = ""


def achievements_evaluate(*, full: bool = False, trigger: str = "schedule", requested_by: User | None = None):
    """Evaluate every active achievement; return the run (``status`` skipped when another run holds the lock)."""
    with exclusive(LOCK) as acquired:
        if not acquired:
            logger.info("evaluate_achievements skipped: another evaluation is running")
            now = timezone.now()
            return EvaluationRun.objects.create(
                mode=EvaluationRun.Mode.FULL if full else EvaluationRun.Mode.INCREMENTAL,
                status=EvaluationRun.Status.SKIPPED,
                trigger=trigger,
                requested_by=requested_by,
                started_at=now,
                finished_at=now,
            )
        return _run(full=full, trigger=trigger, requested_by=requested_by)


def _run(*, full: bool, trigger: str, requested_by) -> EvaluationRun:
    last = EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED).order_by("-started_at", "-pk").first()
    upto = ActivityRecord.objects.aggregate(last=Max("pk"))["last"] or 0
    mode = EvaluationRun.Mode.FULL if full or last is None else EvaluationRun.Mode.INCREMENTAL
    run = EvaluationRun.objects.create(
        mode=mode, trigger=trigger, requested_by=requested_by, started_at=timezone.now(), watermark=upto
    )
    achievements = list(Achievement.objects.filter(is_active=True).select_related("badge").order_by("pk"))
    requirements = requirements_of(achievements)
    if mode == EvaluationRun.Mode.FULL:
        plan = [(achievement, None) for achievement in achievements]
    else:
        plan = _incremental_plan(achievements, requirements, last, upto)

    evaluations, told = [], _Told()
    for achievement, window in plan:
        started = timezone.now()
        outcome = _evaluate(achievement, requirements[achievement.pk], window, told)
        evaluations.append(
            AchievementEvaluation(
                run=run,
                achievement=achievement,
                mode=EvaluationRun.Mode.FULL if window is None else EvaluationRun.Mode.INCREMENTAL,
                started_at=started,
                finished_at=timezone.now(),
                users_examined=outcome.examined,
                users_qualified=outcome.qualified,
                badges_issued=outcome.issued,
                error=outcome.error,
            )
        )
    AchievementEvaluation.objects.bulk_create(evaluations)
    told.send()

    run.status = EvaluationRun.Status.FINISHED
    run.finished_at = timezone.now()
    run.achievements_evaluated = len(evaluations)
    run.users_examined = sum(e.users_examined for e in evaluations)
    run.badges_issued = sum(e.badges_issued for e in evaluations)
    run.errors = sum(bool(e.error) for e in evaluations)
    run.save()
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
    earned: dict[int, set[int]] = defaultdict(set)  # what the active students have earned already
    if touched.active and not touched.many:
        for achievement_id, user_id in EarnedAchievement.objects.filter(user_id__in=touched.active).values_list(
            "achievement_id", "user_id"
        ):
            earned[achievement_id].add(user_id)
    plan = []
    for achievement in achievements:
        if achievement.updated_at >= last.started_at or achievement.pk in failed_last_time:
            plan.append((achievement, None))
        elif users := _concerned(requirements[achievement.pk], touched) - earned[achievement.pk]:
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


def _concerned(requirement: Requirement, touched: _Touched) -> set[int]:
    """The students whose new activity may make them meet ``requirement`` now."""
    match requirement.kind:
        case Kind.LAB_LAUNCHED | Kind.LAB_COMPLETED:
            return set(touched.labs.get(requirement.lab_id, ()))
        case Kind.COURSE_COMPLETED:
            return set(touched.courses.get(requirement.course_id, ()))
        case Kind.COURSES_COMPLETED | Kind.LEARNING_PATH_COMPLETED:
            users = {u for course in requirement.course_ids for u in touched.courses.get(course, ())}
            if requirement.exam:
                users |= touched.exams.get(requirement.learning_path_id, set())
            return users
        case Kind.POINTS_REACHED:  # only those whose new points carried them over the threshold
            if touched.many:
                return set(touched.scored)
            threshold = requirement.points_threshold
            return {user for user, (before, now) in touched.crossed.items() if before < threshold <= now}
    return set()


def _evaluate(achievement: Achievement, requirement: Requirement, window, told: _Told) -> _Outcome:
    """One achievement: earn, then issue through the door — together or not at all. A failure is recorded
    and does not stop the others."""
    if not achievement.badge.is_active:
        # Nobody earns it while its badge cannot be issued; reactivating the badge lets the next full pass do it.
        return _Outcome(error=f"Not evaluated: its badge “{achievement.badge.name}” is inactive.")
    batch = None
    try:
        with transaction.atomic():
            outcome, earned = _earn(achievement, requirement, window)
            if earned:
                report = badges_issue(
                    badge_ids=[achievement.badge_id],
                    recipient_ids=[user_id for user_id, _ in earned],
                    actor=None,
                    source=Source.ACHIEVEMENT,
                    achievement=achievement,
                    issued_at=dict(earned),
                )
                outcome.issued, batch = report.issued_count, report.batch
    except Exception as error:
        logger.exception("evaluating achievement %s (%s) failed", achievement.pk, achievement.name)
        return _Outcome(error=f"{type(error).__name__}: {error}"[:2000])
    if outcome.issued and achievement.notification != Achievement.Notification.SILENT:
        told.add(achievement, batch)
    return outcome


def _earn(achievement: Achievement, requirement: Requirement, window) -> tuple[_Outcome, list]:
    """Write EarnedAchievement for everyone who meets ``requirement`` and has not earned it; return them.

    PostgreSQL: one statement (the users are found, counted and inserted by it). SQLite: a count, then
    the same INSERT … SELECT … RETURNING.
    """
    per_user, params = per_user_sql(requirement, active=window)
    insert = (
        f"INSERT INTO {EARNED} (user_id, achievement_id, earned_at) "  # noqa: S608 - our tables; values are parameters
        "SELECT p.user_id, %s, p.first_met FROM per_user AS p "
        "WHERE p.first_met IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {EARNED} AS e WHERE e.achievement_id = %s AND e.user_id = p.user_id) "
        "ON CONFLICT (user_id, achievement_id) DO NOTHING RETURNING user_id, earned_at"
    )
    ids = [achievement.pk, achievement.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH per_user AS MATERIALIZED ({per_user}), earned AS ({insert}) "  # noqa: S608
                "SELECT NULL, NULL, (SELECT COUNT(*) FROM per_user), (SELECT COUNT(first_met) FROM per_user) "
                "UNION ALL SELECT user_id, earned_at, NULL, NULL FROM earned",
                [*params, *ids],
            )
            rows = cursor.fetchall()
            counts = next(row for row in rows if row[0] is None)
            earned = [(user_id, earned_at) for user_id, earned_at, _, _ in rows if user_id is not None]
        else:
            cursor.execute(f"SELECT COUNT(*), COUNT(first_met) FROM ({per_user}) AS per_user", params)  # noqa: S608
            counts = (None, None, *cursor.fetchone())
            cursor.execute(f"WITH per_user AS ({per_user}) {insert}", [*params, *ids])
            earned = [(user_id, _aware(earned_at)) for user_id, earned_at in cursor.fetchall()]
    return _Outcome(examined=counts[2], qualified=counts[3]), earned


def _aware(value):
    """SQLite returns RETURNING datetimes as text, in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)


class _Told:
    """Who to tell about which badges, sent once the run is done: one e-mail per badge, or one digest per
    student, as each achievement says."""

    def __init__(self):
        self.each: list[tuple[int, str]] = []
        self.digest: dict[int, list[str]] = defaultdict(list)

    def add(self, achievement: Achievement, batch) -> None:
        recipients = IssuedBadge.objects.filter(batch=batch).values_list("recipient_id", flat=True)
        for user_id in recipients.iterator(chunk_size=5000):
            if achievement.notification == Achievement.Notification.DIGEST:
                self.digest[user_id].append(achievement.badge.name)
            else:
                self.each.append((user_id, achievement.badge.name))

    def send(self) -> None:
        if not (self.each or self.digest):
            return
        page = f"{settings.PORTAL_URL}{reverse('issued_badges:my_badges')}"
        wanted = {user_id for user_id, _ in self.each} | set(self.digest)
        people = dict(
            User.objects.filter(pk__in=wanted, is_active=True)
            .exclude(email="")
            .values_list("pk", "email")
            .iterator(chunk_size=5000)
        )
        messages = [
            EmailMessage(
                f"You earned the badge “{badge}”",
                f"Congratulations! You earned the badge “{badge}”.\n\nSee and share your badges: {page}\n",
                to=[people[user_id]],
            )
            for user_id, badge in self.each
            if user_id in people
        ]
        for user_id, badges in self.digest.items():
            if user_id in people:
                listed = "\n".join(f"- {badge}" for badge in badges)
                many = len(badges) > 1
                subject = f"You earned {len(badges)} new badges" if many else f"You earned the badge “{badges[0]}”"
                body = f"Congratulations! You earned:\n{listed}\n\nSee and share your badges: {page}\n"
                messages.append(EmailMessage(subject, body, to=[people[user_id]]))
        try:
            with get_connection() as mail:
                for start in range(0, len(messages), 500):
                    mail.send_messages(messages[start : start + 500])
        except Exception:
            logger.exception("sending %s badge e-mails failed", len(messages))
