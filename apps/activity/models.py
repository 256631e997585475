"""Activity records: what students did (recorded, imported, posted through the API), the evaluator's input."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from apps.access.querysets import ScopedQuerySet

# The table keeps the name it had when activity lived in apps.achievements (the evaluator's SQL reads it).
ACTIVITY_TABLE = "achievements_activityrecord"


class ActivityKind(models.TextChoices):
    LAB_LAUNCHED = "lab_launched", "Lab launched"
    LAB_COMPLETED = "lab_completed", "Lab completed"
    COURSE_COMPLETED = "course_completed", "Course completed"
    EXAM_PASSED = "exam_passed", "Learning path exam passed"
    POINTS = "points", "Points awarded"


def _target_key(field: str) -> Coalesce:
    """A target column with NULL as 0: unique indexes treat NULLs as distinct, so two identical records
    without a lab (a course completed) would never collide."""
    return Coalesce(F(field), Value(0), output_field=models.BigIntegerField())


# An award of points has no target: its amount tells two awards at the same moment apart (a date without a time).
# Anything else is the same activity whatever points it carried.
AWARD_KEY = Case(
    When(kind=ActivityKind.POINTS, then=F("points")), default=Value(0), output_field=models.BigIntegerField()
)


class ActivityRecord(models.Model):
    """Something a student did, with the points it earned. Append-only input to the evaluator.

    Its natural key is (user, kind, target, occurred_at) — and the amount, for an award of points, which has no
    target: the same activity, however often it is recorded, imported or posted, is stored once
    (``activity_natural_key``), so points never count twice, while two awards of different points on the same
    day (a date without a time) are two records.
    """

    Kind = ActivityKind

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_records")
    kind = models.CharField(max_length=30, choices=ActivityKind.choices)
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="activity_records"
    )
    lab = models.ForeignKey(
        "courses.Lab", null=True, blank=True, on_delete=models.PROTECT, related_name="activity_records"
    )
    learning_path = models.ForeignKey(
        "courses.LearningPath", null=True, blank=True, on_delete=models.PROTECT, related_name="activity_records"
    )
    points = models.PositiveIntegerField(default=0)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        db_table = ACTIVITY_TABLE
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["kind", "lab", "user"], name="activity_kind_lab_user"),
            models.Index(fields=["kind", "course", "user"], name="activity_kind_course_user"),
            models.Index(fields=["kind", "learning_path", "user"], name="activity_kind_path_user"),
            # A student's history in order, with its points: the running total of points_reached (index-only).
            models.Index(fields=["user", "occurred_at", "id"], include=["points"], name="activity_user_history"),
        ]
        constraints = [
            models.CheckConstraint(
                name="activity_target_matches_kind",
                condition=(
                    Q(kind__in=["lab_launched", "lab_completed"], lab__isnull=False)
                    | Q(kind="course_completed", course__isnull=False)
                    | Q(kind="exam_passed", learning_path__isnull=False)
                    | Q(kind="points")
                ),
            ),
            models.UniqueConstraint(
                F("user"),
                F("kind"),
                _target_key("course"),
                _target_key("lab"),
                _target_key("learning_path"),
                AWARD_KEY,
                F("occurred_at"),
                name="activity_natural_key",
                violation_error_message="This activity is already recorded: same student, activity, target and time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} at {self.occurred_at:%Y-%m-%d}"

    def natural_key(self) -> tuple:
        """What makes two records the same activity (the ``activity_natural_key`` constraint's columns)."""
        return natural_key(
            self.user_id, self.kind, self.course_id, self.lab_id, self.learning_path_id, self.points, self.occurred_at
        )


NATURAL_KEY_COLUMNS = ("user_id", "kind", "course_id", "lab_id", "learning_path_id", "points", "occurred_at")


def natural_key(user_id, kind, course_id, lab_id, learning_path_id, points, occurred_at) -> tuple:
    """``ActivityRecord.natural_key`` from the values of ``NATURAL_KEY_COLUMNS``."""
    award = points if kind == ActivityKind.POINTS else 0
    return (user_id, kind, course_id, lab_id, learning_path_id, award, occurred_at)
