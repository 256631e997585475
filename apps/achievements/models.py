"""Achievements (what a student must do), earned achievements, and the evaluator's runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.access.querysets import ScopedQuerySet


class AchievementKind(models.TextChoices):
    LAB_LAUNCHED = "lab_launched", "Lab launched"
    LAB_COMPLETED = "lab_completed", "Lab completed"
    COURSE_COMPLETED = "course_completed", "Course completed"
    COURSES_COMPLETED = "courses_completed", "Set of courses completed"
    LEARNING_PATH_COMPLETED = "learning_path_completed", "Learning path completed"
    POINTS_REACHED = "points_reached", "Points reached"


class Notification(models.TextChoices):
    EACH = "each", "E-mail each student for each badge"
    DIGEST = "digest", "One digest e-mail per student"
    SILENT = "silent", "Silent (no e-mail)"


class Achievement(models.Model):
    """Maps a requirement to a badge; the hourly evaluator issues the badge to whoever meets it."""

    Kind = AchievementKind
    Notification = Notification

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="achievements"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=30, choices=AchievementKind.choices)
    lab = models.ForeignKey("courses.Lab", null=True, blank=True, on_delete=models.PROTECT, related_name="achievements")
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="achievements"
    )
    courses = models.ManyToManyField(
        "courses.Course", blank=True, related_name="course_set_achievements", help_text="For a set of courses."
    )
    learning_path = models.ForeignKey(
        "courses.LearningPath", null=True, blank=True, on_delete=models.PROTECT, related_name="achievements"
    )
    points_threshold = models.PositiveIntegerField(null=True, blank=True)
    badge = models.ForeignKey("badges.Badge", on_delete=models.PROTECT, related_name="achievements")
    is_active = models.BooleanField("active", default=True)
    notification = models.CharField(
        "tell students", max_length=10, choices=Notification.choices, default=Notification.EACH
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Changed requirements (or reactivation) make the next run evaluate this achievement in full.
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="achievement_target_matches_kind",
                condition=(
                    Q(kind__in=["lab_launched", "lab_completed"], lab__isnull=False)
                    | Q(kind="course_completed", course__isnull=False)
                    | Q(kind="courses_completed")
                    | Q(kind="learning_path_completed", learning_path__isnull=False)
                    | Q(kind="points_reached", points_threshold__gt=0)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EarnedAchievementQuerySet(ScopedQuerySet):
    organization_lookup = "achievement__organization"


class EarnedAchievement(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="earned_achievements")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="earned")
    earned_at = models.DateTimeField()

    objects = EarnedAchievementQuerySet.as_manager()

    class Meta:
        ordering = ["-earned_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "achievement"], name="earned_achievement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} earned {self.achievement}"


class EvaluationRunQuerySet(models.QuerySet):
    def completed(self):
        """Runs that got to the end: finished, or partial (some shards failed; the next run redoes them)."""
        return self.filter(status__in=[EvaluationRun.Status.FINISHED, EvaluationRun.Status.PARTIAL])

    def last_completed(self):
        """The run whose watermark the next incremental run starts from (None before the first one)."""
        return self.completed().order_by("-started_at", "-pk").first()


class EvaluationRun(models.Model):
    """One run of the evaluator: when, how (incremental or full), what it did. Its achievements' parts are
    AchievementEvaluation rows. ``watermark`` is the last activity record id the run took into account.

    A running run is also the evaluator's lock: at most one row is ``running`` (a partial unique index), and it
    holds a lease it renews while it works (``heartbeat_at``). A run whose heartbeat has gone stale — its worker
    was killed — is marked interrupted by the next run or the sweep, and the next run may start (services/runs.py).

    A full run is split into EvaluationShard rows (services/shards.py), run by however many Celery workers there
    are or one after the other in the run's process; the last shard to end completes the run.
    """

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        SKIPPED = "skipped", "Skipped (another run was in progress)"
        FAILED = "failed", "Failed"
        PARTIAL = "partial", "Partial (some shards failed after their retries; the next run redoes them)"
        INTERRUPTED = "interrupted", "Interrupted (the worker stopped; the next run redoes its work)"

    mode = models.CharField(max_length=12, choices=Mode.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(
        max_length=20, default="schedule", help_text="schedule, manual, command, or activity (new activity, at once)"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: renewed every few seconds as the run works; stale, the run's worker is gone.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    watermark = models.BigIntegerField(default=0)
    achievements_evaluated = models.PositiveIntegerField(default=0)
    users_examined = models.PositiveIntegerField(default=0)
    badges_issued = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A full run's shards (0: the run works in one process, without shards), and whether Celery workers run them —
    # then the run is alive while a shard's message may still come back (services/runs.py).
    shards_total = models.PositiveIntegerField(default=0)
    fanned_out = models.BooleanField(default=False)

    objects = EvaluationRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"], name="evaluation_run_status_started")]
        constraints = [
            # The evaluator's lock: two runs never work at once (the second is recorded as skipped).
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="evaluation_run_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} evaluation of {self.started_at:%Y-%m-%d %H:%M}"


class AchievementEvaluation(models.Model):
    """One achievement's part of a run: the run log shown on the achievement's page."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="evaluations")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="evaluations")
    mode = models.CharField(max_length=12, choices=EvaluationRun.Mode.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    users_examined = models.PositiveIntegerField(default=0)
    users_qualified = models.PositiveIntegerField(default=0)
    badges_issued = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["achievement", "started_at"], name="achievement_evaluation_recent")]

    def __str__(self) -> str:
        return f"{self.achievement} in {self.run}"


class EvaluationShard(models.Model):
    """One part of a full run: one achievement, for the students whose id is in [user_from, user_to) (None: open
    on that side) — one set-based statement and one pass through the door, in one transaction with this row's
    ``done``. Retried on its own when it raises; ``failed`` once its retries are spent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="shards")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="+")
    user_from = models.BigIntegerField(null=True, blank=True)
    user_to = models.BigIntegerField(null=True, blank=True)
    estimated_rows = models.BigIntegerField(default=0)  # activity records its statement reads (the plan's estimate)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    users_examined = models.PositiveIntegerField(default=0)
    users_qualified = models.PositiveIntegerField(default=0)
    badges_issued = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)  # the last attempt's error (kept when a retry succeeds)

    class Meta:
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "status"], name="evaluation_shard_run_status")]

    def __str__(self) -> str:
        return f"{self.achievement} [{self.user_from}, {self.user_to}) in {self.run}"


class EvaluationRequest(models.Model):
    """One row: since when new activity has been waiting for the evaluation it asked for (None: nothing waits).
    Setting it from None is what queues that evaluation, so a burst of activity queues one run."""

    requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"evaluation requested at {self.requested_at}" if self.requested_at else "no evaluation requested"
