"""Issued badges — once per (badge, recipient), enforced by the database — and their audit log.

Only ``apps.issued_badges.services`` (a package) creates or changes these rows.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Now

from apps.access.querysets import ScopedQuerySet

EVIDENCE_LENGTH = 2000


class Source(models.TextChoices):
    ROSTER = "roster", "Roster"
    BATCH = "batch", "Issue Badges page"
    ASSIGNMENT = "assignment", "Course assignment"
    USERNAMES = "usernames", "Username list"
    API = "api", "API"
    ACHIEVEMENT = "achievement", "Achievement"
    PROFILE = "profile", "User profile"


_WRITES_ALLOWED: ContextVar[bool] = ContextVar("issued_badge_writes_allowed", default=False)


@contextmanager
def issued_badge_writes() -> Iterator[None]:
    """Opened only by apps.issued_badges.services (and test factories): the ORM refuses writes otherwise."""
    token = _WRITES_ALLOWED.set(True)
    try:
        yield
    finally:
        _WRITES_ALLOWED.reset(token)


def _check_writes_allowed() -> None:
    if not _WRITES_ALLOWED.get():
        raise PermissionError("IssuedBadge rows are written only through apps.issued_badges.services.")


class Outcome(models.TextChoices):
    """What happened to one (badge, recipient) pair at the door: a stable code and its label."""

    ISSUED = "issued", "Issued"
    ALREADY_EARNED = "already_earned", "Already earned"
    REVOKED = "revoked", "Revoked"
    MANUAL_ISSUANCE_DISABLED = "manual_issuance_disabled", "Manual issuance not enabled"
    BADGE_INACTIVE = "badge_inactive", "Badge inactive"
    BADGE_OF_OTHER_ORGANIZATION = "badge_of_other_organization", "Badge of another organization"
    NOT_ENROLLED = "not_enrolled", "Not enrolled"
    OUTSIDE_INSTRUCTOR_SCOPE = "outside_instructor_scope", "Outside the instructor's scope"
    NOT_PERMITTED = "not_permitted", "Not permitted"
    BADGE_NOT_FOUND = "badge_not_found", "Badge not found"
    RECIPIENT_NOT_FOUND = "recipient_not_found", "Student not found"
    NOT_A_STUDENT = "not_a_student", "Staff, not a student"


class IssuanceBatch(models.Model):
    """One pass through the issuing door: who asked, from where, and (in the log) every pair's outcome.

    ``key`` makes a submitted form idempotent: a second submission with the same
    key finds this batch instead of issuing again.
    """

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="issuance_batches"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="issuance_batches"
    )
    created_at = models.DateTimeField()
    classroom = models.ForeignKey(
        "classes.Classroom", null=True, blank=True, on_delete=models.PROTECT, related_name="issuance_batches"
    )
    course_assignment = models.ForeignKey(
        "assignments.CourseAssignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issuance_batches",
    )
    achievement = models.ForeignKey(
        "achievements.Achievement", null=True, blank=True, on_delete=models.PROTECT, related_name="issuance_batches"
    )
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries")
    issued_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    evidence = models.CharField(
        max_length=EVIDENCE_LENGTH, blank=True, default="", help_text="A URL or a few words showing the work."
    )
    notify = models.CharField(  # IssueRequest.notify: how its recipients were told (a retry tells them the same)
        max_length=10, blank=True, default=""
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "issuance batches"

    def __str__(self) -> str:
        return f"{self.get_source_display()} batch of {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def pair_count(self) -> int:
        return self.issued_count + self.failed_count


class IssuedBadgeQuerySet(ScopedQuerySet):
    organization_lookup = "badge__organization"

    def active(self):
        return self.filter(revoked_at__isnull=True)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def with_origin(self):
        """Read with what describing its source needs (sources.Origin.of): no query per row."""
        return self.select_related(
            "badge__organization", "issued_by", "classroom", "course_assignment__course", "achievement", "batch"
        )

    # Writes through the ORM are refused outside the services (see issued_badge_writes).
    def update(self, **kwargs):
        _check_writes_allowed()
        return super().update(**kwargs)

    def delete(self):
        _check_writes_allowed()
        return super().delete()

    def bulk_create(self, *args, **kwargs):
        _check_writes_allowed()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        _check_writes_allowed()
        return super().bulk_update(*args, **kwargs)


class IssuedBadge(models.Model):
    Source = Source

    uuid = models.UUIDField("public id", default=uuid.uuid4, unique=True, editable=False)
    # No single-column indexes: the unique (badge, recipient) and the (recipient, issued_at) indexes cover them.
    badge = models.ForeignKey("badges.Badge", on_delete=models.PROTECT, related_name="issued_badges", db_index=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_badges", db_index=False
    )
    issued_at = models.DateTimeField(help_text="The moment it was issued.")
    earned_at = models.DateTimeField(
        null=True, blank=True, help_text="When its achievement's requirement was first met (automatic issues only)."
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="badges_issued"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    classroom = models.ForeignKey(
        "classes.Classroom", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    course_assignment = models.ForeignKey(
        "assignments.CourseAssignment", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    achievement = models.ForeignKey(
        "achievements.Achievement", null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    batch = models.ForeignKey(
        IssuanceBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_badges"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="badges_revoked"
    )
    revocation_reason = models.TextField(blank=True)
    # When it was issued, revoked or reinstated last: the API's changed_since feed for systems that pull.
    updated_at = models.DateTimeField(db_default=Now())  # the database's default: raw inserts get one too

    objects = IssuedBadgeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        permissions = [("issue_badge", "Can issue badges")]
        constraints = [
            models.UniqueConstraint(fields=["badge", "recipient"], name="issued_badge_once_per_recipient"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="issued_badge_revocation_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "issued_at"], name="issued_badge_recipient_date"),
            # Find Issued Badges reads newest first, for everything, per badge and for revoked badges.
            # These three indexes carry the columns of the visibility rule (badge, recipient, issuer) and
            # the status, so its page ids and its capped count (10,001 rows) are index-only scans
            # (PostgreSQL; elsewhere ``include`` is ignored).
            models.Index(
                fields=["issued_at", "id"],
                include=["badge", "recipient", "issued_by", "revoked_at"],
                name="issued_badge_date_covering",
            ),
            models.Index(
                fields=["badge", "issued_at", "id"],
                include=["recipient", "issued_by", "revoked_at"],
                name="issued_badge_badge_covering",
            ),
            models.Index(
                fields=["issued_at", "id"],
                include=["badge", "recipient", "issued_by"],
                condition=Q(revoked_at__isnull=False),
                name="issued_badge_revoked_covering",
            ),
            models.Index(fields=["updated_at", "id"], name="issued_badge_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.badge} → {self.recipient}"

    def save(self, *args, **kwargs):
        _check_writes_allowed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _check_writes_allowed()
        return super().delete(*args, **kwargs)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def preview(cls, **fields) -> "IssuedBadge":
        """An issued badge that is never saved — a sample to build documents from (the credentials self-test).
        Saving it outside the door is refused like any other write."""
        return cls(**fields)

    @property
    def evidence(self) -> str:
        """What the issuance that gave it was sent with (a URL or a few words); read it with the batch."""
        return self.batch.evidence if self.batch_id else ""


def _nullable_key(field: str) -> Coalesce:
    """A nullable column in a unique key, NULL as 0 (a unique index treats NULLs as all different)."""
    return Coalesce(F(field), Value(0), output_field=models.BigIntegerField())


class IssuedBadgeFacet(models.Model):
    """Each combination of organization, issuer, source, class and course assignment that issued badges have.

    Find Issued Badges offers its "Issued by", "Source", "Class" and "Course assignment" choices from these few
    rows instead of reading millions of issued badges (or their batches: one per click). The door records the
    facet of each issuance in the same transaction; an issued badge is never deleted, so a facet never goes.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    classroom = models.ForeignKey(
        "classes.Classroom", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    course_assignment = models.ForeignKey(
        "assignments.CourseAssignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                F("organization"),
                _nullable_key("issued_by"),
                F("source"),
                _nullable_key("classroom"),
                _nullable_key("course_assignment"),
                name="issued_badge_facet_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} in organization {self.organization_id} by {self.issued_by_id or '—'}"

    @classmethod
    def record(cls, facets) -> None:
        """Record (organization id, issuer id, source, class id, course assignment id) tuples not yet recorded."""
        rows = [
            cls(organization_id=o, issued_by_id=by, source=s, classroom_id=c, course_assignment_id=a)
            for o, by, s, c, a in set(facets)
        ]
        if rows:
            cls.objects.bulk_create(rows, ignore_conflicts=True)


class AppendOnlyQuerySet(ScopedQuerySet):
    organization_lookup = "badge__organization"

    def update(self, **kwargs):
        raise TypeError("The issuance log is append-only.")

    def delete(self):
        raise TypeError("The issuance log is append-only.")


class IssuanceLog(models.Model):
    """Append-only audit of every issue, failed issue, revocation and reinstatement."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        FAILED = "failed", "Failed"
        REVOKED = "revoked", "Revoked"
        REINSTATED = "reinstated", "Reinstated"

    # History, written in bulk by the services only: it keeps the ids it was given and has no
    # foreign-key constraints (no per-row trigger at commit, and history outlives what it names).
    # Indexed for the two lookups the pages make: a batch's entries, an issued badge's history.
    created_at = models.DateTimeField()
    action = models.CharField(max_length=20, choices=Action.choices)
    batch = models.ForeignKey(
        IssuanceBatch,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="log_entries",
        db_constraint=False,
    )
    issued_badge = models.ForeignKey(
        IssuedBadge,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="log_entries",
        db_constraint=False,
        db_index=False,
    )
    badge = models.ForeignKey(
        "badges.Badge",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source = models.CharField(max_length=20, choices=Source.choices, blank=True)
    reason_code = models.CharField(max_length=50, choices=Outcome.choices, blank=True)
    reason = models.TextField(blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(
                fields=["issued_badge"],
                condition=models.Q(issued_badge__isnull=False),
                name="issuance_log_issued_badge",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.badge} → {self.recipient}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The issuance log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The issuance log is append-only.")


def related_model(field_name: str) -> type[models.Model]:
    """A model an issued badge points at (its badge, class, course assignment, achievement). Those apps issue
    through this app's door, so this app reaches their models through its foreign keys and never imports them."""
    return IssuedBadge._meta.get_field(field_name).related_model
