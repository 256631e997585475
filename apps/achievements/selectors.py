"""Reads for achievement pages: the list, the run log, the preview, and "Why not awarded?"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateformat import format as date_format

from apps.access.policy import organization_parents, overseen_organization_ids
from apps.accounts.models import User
from apps.activity.models import ActivityRecord
from apps.assignments.models import CourseAssignment
from apps.classes.models import Enrollment
from apps.courses.models import LearningPathCourse
from apps.issued_badges.models import IssuedBadge

from .kinds import KINDS, Condition
from .models import Achievement, AchievementEvaluation, EarnedAchievement, EvaluationRun, EvaluationShard
from .requirements import Requirement, per_user_sql


def _with_targets(achievements: QuerySet[Achievement]) -> QuerySet[Achievement]:
    return achievements.select_related(
        "organization", "badge", "lab__course", "course", "learning_path"
    ).prefetch_related(
        "courses",
        Prefetch(
            "learning_path__steps",
            queryset=LearningPathCourse.objects.select_related("course").order_by("position"),
        ),
    )


def achievement_list(*, user) -> QuerySet[Achievement]:
    """The achievements ``user`` administers with their targets and how many earned each, active first."""
    achievements = Achievement.objects.administered_by(user).annotate(earned_count=Count("earned"))
    return _with_targets(achievements).order_by("-is_active", "name", "pk")


def administered_achievement(*, user, pk: int) -> Achievement:
    return _with_targets(Achievement.objects.administered_by(user)).get(pk=pk)


def achievement_run_log(*, achievement: Achievement, limit: int = 25) -> list[AchievementEvaluation]:
    return list(achievement.evaluations.select_related("run").order_by("-started_at", "-pk")[:limit])


def last_runs(*, viewer, limit: int = 5) -> list[EvaluationRun]:
    """The last runs of the evaluator as ``viewer`` may see them: each run's figures are its parts for the
    achievements ``viewer`` administers; who pressed Evaluate now is named only to those who may see them, and
    another organization's Evaluate now that evaluated nothing of the viewer's is not listed at all."""
    administered = Achievement.objects.administered_by(viewer)
    mine = Q(evaluations__achievement__in=administered)
    runs = (
        EvaluationRun.objects.annotate(
            achievements_seen=Count("evaluations", filter=mine),
            users_seen=Coalesce(Sum("evaluations__users_examined", filter=mine), 0),
            badges_seen=Coalesce(Sum("evaluations__badges_issued", filter=mine), 0),
            errors_seen=Count("evaluations", filter=mine & ~Q(evaluations__error="")),
        )
        .filter(
            Q(achievements_seen__gt=0)
            | Exists(EvaluationShard.objects.filter(run=OuterRef("pk"), achievement__in=administered))  # running
            | ~Q(trigger="manual")
            | Q(requested_by__in=User.objects.visible_to(viewer).values("pk"))
        )
        .order_by("-started_at", "-pk")[:limit]
    )
    runs = list(runs)
    people = User.objects.visible_to(viewer).in_bulk({run.requested_by_id for run in runs} - {None})
    for run in runs:
        run.requester = people.get(run.requested_by_id)
    return runs


@dataclass(frozen=True)
class Progress:
    """A running full run, as ``viewer`` may see it: its shards of their achievements done (or failed, after
    retries) out of all, the badges those issued so far, and the time left, from the pace of the whole run."""

    done: int
    total: int
    badges_issued: int
    seconds_left: float | None  # None until a shard has ended

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def time_left(self) -> str:
        """“about 3 min left”, in words; empty until the pace is known."""
        if self.seconds_left is None:
            return ""
        minutes = round(self.seconds_left / 60)
        if minutes < 1:
            return "less than a minute left"
        if minutes < 60:
            return f"about {minutes} min left"
        return f"about {minutes // 60} h {minutes % 60:02} min left"


def run_progress(*, run: EvaluationRun, viewer) -> Progress | None:
    """Progress of a running run made of shards (None for any other run, or one without the viewer's achievements).
    Two queries."""
    if run.status != EvaluationRun.Status.RUNNING or not run.shards_total:
        return None
    ended = Q(status__in=[EvaluationShard.Status.DONE, EvaluationShard.Status.FAILED])
    mine = Q(achievement__in=Achievement.objects.administered_by(viewer))
    figures = EvaluationShard.objects.filter(run=run).aggregate(
        done=Count("pk", filter=ended & mine),
        total=Count("pk", filter=mine),
        badges=Coalesce(Sum("badges_issued", filter=mine), 0),
        rows_done=Coalesce(Sum("estimated_rows", filter=ended), 0),
        rows=Coalesce(Sum("estimated_rows"), 0),
        shards_done=Count("pk", filter=ended),
    )
    if not figures["total"]:
        return None  # none of the viewer's achievements in it
    seconds_left = None
    if figures["shards_done"]:
        elapsed = (timezone.now() - run.started_at).total_seconds()
        # The pace by the records read (a shard's cost), or by the shards when those read nothing yet.
        done, total = figures["rows_done"], figures["rows"]
        if not done:
            done, total = figures["shards_done"], run.shards_total
        seconds_left = elapsed * (total - done) / done
    return Progress(figures["done"], figures["total"], figures["badges"], seconds_left)


def requirement_text(achievement: Achievement) -> str:
    """What the achievement asks, in a sentence (its targets loaded by ``_with_targets``)."""
    return KINDS[achievement.kind].sentence(achievement)


@dataclass(frozen=True)
class Preview:
    qualify: int  # meet it today
    will_receive: int  # of whom do not hold the badge yet (revoked ones never get it again)
    sample: list[User]

    @property
    def excluded(self) -> int:
        """Meet it but hold the badge already, or had it revoked."""
        return self.qualify - self.will_receive


def achievement_preview(*, requirement: Requirement, badge_id: int, sample: int = 10) -> Preview:
    """Who meets a (possibly unsaved) achievement now, and who of them the next run will issue its badge to:
    the evaluator's own SQL, so the count is what the run then issues."""
    per_user, params = per_user_sql(requirement)
    meeting = User.objects.filter(
        pk__in=RawSQL(f"SELECT p.user_id FROM ({per_user}) AS p WHERE p.first_met IS NOT NULL", params)  # noqa: S608, S611
    )
    receiving = meeting.exclude(issued_badges__badge_id=badge_id)
    return Preview(
        qualify=meeting.count(),
        will_receive=receiving.count(),
        sample=list(receiving.order_by("last_name", "first_name", "username")[:sample]),
    )


# --- "Why not awarded?" ------------------------------------------------------------------------------


@dataclass
class Explanation:
    achievement: Achievement
    conditions: list[Condition] = field(default_factory=list)
    earned_at: datetime | None = None
    badge_state: str = ""  # "held", "revoked" or ""

    @property
    def met(self) -> bool:
        return all(condition.met for condition in self.conditions)

    @property
    def done(self) -> int:
        return sum(condition.met for condition in self.conditions)


def explain_achievements(*, viewer, person: User, holding: list[IssuedBadge]) -> list[Explanation]:
    """Every active achievement that applies to ``person`` (and that ``viewer`` may see), each condition
    evaluated now from their activity; ``holding``: the person's issued badges, as the page has them.
    A fixed number of queries, however many achievements."""
    home_line = _home_line(person)
    organizations = _organizations_of(person, home_line)
    own_page = viewer.pk == person.pk
    if not own_page:
        organizations &= overseen_organization_ids(viewer)
    if not organizations:
        return []
    achievements = list(
        _with_targets(Achievement.objects.filter(is_active=True, organization__in=organizations)).order_by("name", "pk")
    )
    if not achievements:
        return []
    firsts, points = {}, 0  # when each thing was first done, and all points: one query
    for kind, lab, course, path, first, scored in (
        ActivityRecord.objects.filter(user=person)
        .values_list("kind", "lab_id", "course_id", "learning_path_id")
        .annotate(first=Min("occurred_at"), scored=Sum("points"))
        .order_by()
    ):
        firsts[(kind, lab or course or path)] = first
        points += scored or 0
    earned = EarnedAchievement.objects.filter(user=person, achievement__in=achievements)
    if not own_page:
        earned = earned.filter(pk__in=EarnedAchievement.objects.visible_to(viewer))
    earned = dict(earned.values_list("achievement_id", "earned_at"))
    held = {item.badge_id: item.revoked_at for item in holding}

    def done(label, *keys) -> Condition:
        dates = [firsts[key] for key in keys if key in firsts]
        first = min(dates) if dates else None
        # Dated as the page dates everything else: in the portal's time zone.
        return Condition(label, first is not None, date_format(timezone.localtime(first), "M j, Y") if first else "")

    explanations = []
    for achievement in achievements:
        explanation = Explanation(achievement=achievement, earned_at=earned.get(achievement.pk))
        if achievement.badge_id in held:
            explanation.badge_state = "revoked" if held[achievement.badge_id] else "held"
        explanation.conditions = KINDS[achievement.kind].conditions(
            achievement, done, points=points, member=achievement.organization_id in home_line
        )
        explanations.append(explanation)
    return explanations


def _home_line(person: User) -> set[int]:
    """The person's home organization and its parents: the achievements whose points they collect."""
    ids: set[int] = set()
    if person.organization_id:
        parents = organization_parents()
        current = person.organization_id
        while current is not None and current not in ids:
            ids.add(current)
            current = parents.get(current)
    return ids


def _organizations_of(person: User, home_line: set[int]) -> set[int]:
    """Where the person learns: their home organization and its parents, their classes' and course
    assignments' organizations."""
    ids = set(home_line)
    ids.update(Enrollment.objects.filter(student=person).values_list("classroom__organization_id", flat=True))
    ids.update(CourseAssignment.objects.filter(student=person).values_list("organization_id", flat=True))
    return ids


# --- Activity to badge ---------------------------------------------------------------------------------------

LATENCY_WINDOW = timedelta(days=1)
LATENCY_SAMPLE = 2000  # the newest badges of the window measured: enough for a p95, bounded in cost


@dataclass(frozen=True)
class AwardLatency:
    count: int
    p50: float  # seconds
    p95: float


def award_latency(*, viewer) -> AwardLatency | None:
    """How long badges the viewer's achievements issued in the last day took from the activity that earned them
    being recorded to the badge being issued: for each, its student's newest activity recorded before it (the
    one that completed it, or a later one), p50 and p95 over the newest 2,000. None without any."""
    since = timezone.now() - LATENCY_WINDOW
    newest = ActivityRecord.objects.filter(user=OuterRef("recipient"), recorded_at__lte=OuterRef("issued_at"))
    issued = (
        IssuedBadge.objects.filter(
            source=IssuedBadge.Source.ACHIEVEMENT,
            issued_at__gte=since,
            achievement__in=Achievement.objects.administered_by(viewer),
        )
        .annotate(recorded_at=Subquery(newest.order_by("-recorded_at").values("recorded_at")[:1]))
        .order_by("-issued_at")
        .values_list("issued_at", "recorded_at")[:LATENCY_SAMPLE]
    )
    seconds = sorted((issued_at - recorded_at).total_seconds() for issued_at, recorded_at in issued if recorded_at)
    if not seconds:
        return None

    def quantile(q: float) -> float:
        return seconds[min(len(seconds) - 1, int(q * len(seconds)))]

    return AwardLatency(count=len(seconds), p50=quantile(0.5), p95=quantile(0.95))
