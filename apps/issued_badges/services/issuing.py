"""The issuing door: rules per badge, per student and per actor; one batch, bulk writes, a report."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.access import policy
from apps.accounts.models import User

from ..models import IssuanceBatch, IssuedBadge, IssuedBadgeFacet, Outcome, Source
from ..outcomes import IssuanceReport, PairOutcome
from ..signals import issued_badges_changed
from ._writers import PortableWriter, PostgresWriter

OUTSIDE = {Outcome.NOT_ENROLLED, Outcome.RECIPIENT_NOT_FOUND}  # students the actor may not see named
MANUAL_SOURCES = {Source.ROSTER, Source.BATCH, Source.ASSIGNMENT, Source.USERNAMES, Source.API, Source.PROFILE}
CLASS_SOURCES = {Source.ROSTER, Source.BATCH}
# Recipients named by the actor (a list of usernames, the API, a person's profile): the people they may reach.
NAMED_SOURCES = {Source.USERNAMES, Source.API, Source.PROFILE}


@dataclass(frozen=True)
class _Context:
    source: str
    actor: User | None
    organization_id: int
    classroom: object = None
    course_assignment: object = None
    achievement: object = None

    @property
    def label(self) -> str:
        if self.classroom is not None:
            return "this class"
        if self.course_assignment is not None:
            return "this course assignment"
        return "this organization"


@dataclass(frozen=True)
class _Pairs:
    """The pairs of a request: every badge × every recipient, or an explicit list, without repeats."""

    badge_ids: list[int]
    recipient_ids: list[int]
    listed: list[tuple[int, int]] | None = None  # None: the cross product

    @classmethod
    def cross(cls, badge_ids: list[int], recipient_ids: list[int]) -> _Pairs:
        return cls(list(dict.fromkeys(badge_ids)), list(dict.fromkeys(recipient_ids)))

    @classmethod
    def explicit(cls, pairs: list[tuple[int, int]]) -> _Pairs:
        listed = list(dict.fromkeys(pairs))
        return cls(list(dict.fromkeys(b for b, _ in listed)), list(dict.fromkeys(r for _, r in listed)), listed)

    def __iter__(self):
        if self.listed is not None:
            return iter(self.listed)
        return ((b, r) for b in self.badge_ids for r in self.recipient_ids)

    def __len__(self) -> int:
        return len(self.listed) if self.listed is not None else len(self.badge_ids) * len(self.recipient_ids)

    def split(self, badge_failures: dict[int, str], recipient_failures: dict[int, str]):
        """(the pairs that pass every rule, {rejected pair: code}) — rules are per badge or per student."""
        if self.listed is None:
            rejected = {
                (b, r): badge_failures.get(b) or recipient_failures[r]
                for b in self.badge_ids
                for r in (self.recipient_ids if b in badge_failures else recipient_failures)
            }
            valid = _Pairs(
                [b for b in self.badge_ids if b not in badge_failures],
                [r for r in self.recipient_ids if r not in recipient_failures],
            )
            return valid, rejected
        rejected = {
            (b, r): badge_failures.get(b) or recipient_failures[r]
            for b, r in self.listed
            if b in badge_failures or r in recipient_failures
        }
        return _Pairs.explicit([pair for pair in self.listed if pair not in rejected]), rejected


@dataclass(frozen=True)
class IssueRequest:
    """What a caller asks the door: every badge × every recipient (or the explicit ``pairs``, as Retry failed
    sends), by whom, from which source and its context (class, course assignment, achievement or organization).

    ``idempotency_key`` is what the caller's form or client sent to make a submission idempotent: the door
    scopes it to the actor, the source, its context and the pairs asked for, so the same submission sent again
    finds its first batch, and an edited one is a new issuance. Every badge is issued now; ``earned_at`` gives
    the moment each recipient met the requirement (the evaluator's); ``retry_of`` links a retry to the batch it retries.
    ``evidence`` (a URL or a few words showing the work) is kept on the batch: every badge it issues shows it.
    ``notify`` tells the recipients of the badges it issues: ``"each"`` an e-mail per badge, ``"digest"`` one for
    the badges they received meanwhile, anything else none (the notifications app writes the e-mails to its
    outbox in this transaction, from the signal).
    """

    actor: object
    source: str
    badge_ids: Iterable[int] = ()
    recipient_ids: Iterable[int] = ()
    pairs: Iterable[tuple[int, int]] | None = None
    classroom: object = None
    course_assignment: object = None
    achievement: object = None
    organization: object = None
    idempotency_key: str | None = None
    retry_of: IssuanceBatch | None = None
    earned_at: Mapping[int, datetime] | None = None
    evidence: str = ""
    notify: str = ""


def badges_issue(request: IssueRequest) -> IssuanceReport:
    """Issue what ``request`` asks as far as the rules allow; report every pair. A request whose idempotency
    key was seen before issues nothing and returns the first call's report (``replayed=True``)."""
    job = _job(request)
    key = _stored_key(request, job) if request.idempotency_key else None
    if key and (existing := IssuanceBatch.objects.filter(key=key).first()) is not None:
        return batch_report(existing, replayed=True)
    try:
        with transaction.atomic():
            return _issue([replace(job, key=key)])[0]
    except IntegrityError:
        # Only the batch key is unique among what we insert without ON CONFLICT:
        # a concurrent submission of the same form won. Show its result.
        if key and (existing := IssuanceBatch.objects.filter(key=key).first()) is not None:
            return batch_report(existing, replayed=True)
        raise


def badges_issue_each(requests: Iterable[IssueRequest]) -> list[IssuanceReport]:
    """Several issuances at once, each exactly as ``badges_issue(request)`` would do it (its own batch,
    rules and report; no idempotency key), in one transaction and with the same few queries for all of them:
    the evaluator issues each achievement's badge of a run so."""
    jobs = [_job(request) for request in requests]
    if not jobs:
        return []
    with transaction.atomic():
        return _issue(jobs)


def _stored_key(request: IssueRequest, job: _Job) -> str:
    """The batch key: the caller's key scoped to who asked, from where, for which pairs (fits the column)."""
    actor = request.actor
    who = (
        f"organization:{actor.organization_id}"
        if isinstance(actor, policy.OrganizationActor)
        else getattr(actor, "pk", None)
    )
    context = job.context
    where = (context.source, context.organization_id, getattr(context.classroom, "pk", None),
             getattr(context.course_assignment, "pk", None), getattr(request.retry_of, "pk", None))  # fmt: skip
    asked = job.requested
    pairs = sorted(asked.listed) if asked.listed is not None else (sorted(asked.badge_ids), sorted(asked.recipient_ids))
    evidence = f"|{request.evidence}" if request.evidence else ""  # an edited evidence is another issuance
    return hashlib.sha256(f"{who}|{where}|{request.idempotency_key}|{pairs}{evidence}".encode()).hexdigest()


def _job(request: IssueRequest) -> _Job:
    if request.pairs is not None:
        requested = _Pairs.explicit([(int(b), int(r)) for b, r in request.pairs])
    else:
        requested = _Pairs.cross([int(pk) for pk in request.badge_ids], [int(pk) for pk in request.recipient_ids])
    context = _context(
        request.source, request.actor, request.classroom, request.course_assignment, request.achievement,
        request.organization,
    )  # fmt: skip
    return _Job(
        context, requested, retry_of=request.retry_of, earned_at=request.earned_at, evidence=request.evidence,
        notify=request.notify,
    )  # fmt: skip


def _context(source, actor, classroom, course_assignment, achievement, organization) -> _Context:
    source = Source(source)
    if source in CLASS_SOURCES:
        if classroom is None:
            raise ValueError(f"source {source} needs a classroom")
        organization_id = classroom.organization_id
    elif source == Source.ASSIGNMENT:
        if course_assignment is None:
            raise ValueError("source assignment needs a course_assignment")
        organization_id = course_assignment.organization_id
    elif source == Source.ACHIEVEMENT:
        if achievement is None:
            raise ValueError("source achievement needs an achievement")
        organization_id = achievement.organization_id
    else:
        if organization is None:
            raise ValueError(f"source {source} needs an organization")
        organization_id = organization.pk
    return _Context(source, actor, organization_id, classroom, course_assignment, achievement)


@dataclass(frozen=True)
class _Job:
    """One issuance: what was asked, in which context (one batch, one report)."""

    context: _Context
    requested: _Pairs
    key: str | None = None
    retry_of: IssuanceBatch | None = None
    earned_at: Mapping[int, datetime] | None = None
    evidence: str = ""
    notify: str = ""

    @property
    def trusted(self) -> bool:
        # The evaluator's recipients come from its own query over existing users: no rule applies to them and
        # no name is needed here (a first evaluation would load 100,000 users for nothing; the ledger names
        # them from the log). Everyone else's recipients are loaded and checked.
        return self.context.source == Source.ACHIEVEMENT


@dataclass
class _Checked:
    """A job once its rules are applied: the pairs to write, those rejected, and its batch."""

    job: _Job
    batch: IssuanceBatch
    valid: _Pairs
    rejected: dict[tuple[int, int], str]
    recipient_failures: dict[int, str]
    recipients: dict[int, User]


def _issue(jobs: list[_Job]) -> list[IssuanceReport]:
    now = timezone.now()
    # The badges app issues through this door, so it is reached through the foreign key, not imported.
    badges = IssuedBadge.badge.field.related_model.objects.only(
        "id", "name", "organization_id", "is_active", "manual_issuance_enabled"
    ).in_bulk({pk for job in jobs for pk in job.requested.badge_ids})
    wanted = {pk for job in jobs if not job.trusted for pk in job.requested.recipient_ids}
    people = User.objects.only("id", "username", "first_name", "last_name", "organization_id").in_bulk(wanted)
    checked = [_check(job, badges, people, now) for job in jobs]
    IssuanceBatch.objects.bulk_create([c.batch for c in checked])

    writer = PostgresWriter if connection.vendor == "postgresql" else PortableWriter
    inserted = writer.insert_issued([(c.job, c.batch, c.valid) for c in checked if len(c.valid)], now)
    short = [(c.job, c.batch, c.valid) for c in checked if len(inserted.get(c.batch.pk, ())) < len(c.valid)]
    conflicts = writer.log_conflicts(short, now) if short else {}
    for c in checked:
        known = set(c.job.requested.recipient_ids) if c.job.trusted else c.recipients.keys()
        writer.log_rejected(c.job.context, c.batch, c.rejected, badges, known, now)
        c.batch.issued_count = len(inserted.get(c.batch.pk, ()))
        c.batch.failed_count = len(c.rejected) + len(conflicts.get(c.batch.pk, ()))
    writer.count([c.batch for c in checked])
    IssuedBadgeFacet.record(_facet(c.job.context) for c in checked if c.batch.issued_count)
    if issued_ids := [pk for c in checked for pk in inserted.get(c.batch.pk, {}).values()]:
        notify = defaultdict(list)  # {"each" or "digest": issued badge ids}
        sources = defaultdict(int)  # {source: how many issued}
        for c in checked:
            sources[str(c.job.context.source)] += c.batch.issued_count
            if c.job.notify:
                notify[c.job.notify] += inserted.get(c.batch.pk, {}).values()
        issued_badges_changed.send(
            sender=IssuedBadge, action="issued", ids=issued_ids, at=now, notify=dict(notify), sources=dict(sources)
        )
    return [_report(c, badges, inserted.get(c.batch.pk, {}), conflicts.get(c.batch.pk, {})) for c in checked]


def _facet(context: _Context) -> tuple:
    """What Find Issued Badges may filter the badges of an issuance by (IssuedBadgeFacet)."""
    return (
        context.organization_id,
        getattr(context.actor, "pk", None),
        context.source,
        getattr(context.classroom, "pk", None),
        getattr(context.course_assignment, "pk", None),
    )


def _check(job: _Job, badges, people, now) -> _Checked:
    """Apply the rules to a job's pairs (per badge, per student and per actor) and make its batch."""
    context, requested = job.context, job.requested
    recipients = {} if job.trusted else {pk: people[pk] for pk in requested.recipient_ids if pk in people}
    scope = policy.issuer_scope(context.actor, context.classroom) if context.source in CLASS_SOURCES else None
    permitted = _actor_permitted(context, scope)
    badge_failures = {
        pk: code
        for pk in requested.badge_ids
        if (code := Outcome.NOT_PERMITTED if not permitted else _badge_failure(context, badges.get(pk)))
    }
    recipient_failures = {} if job.trusted else _recipient_failures(context, scope, requested.recipient_ids, recipients)
    valid, rejected = requested.split(badge_failures, recipient_failures)
    batch = IssuanceBatch(
        key=job.key or None,
        organization_id=context.organization_id,
        source=context.source,
        created_by=policy.person_of(context.actor),
        created_at=now,
        classroom=context.classroom,
        course_assignment=context.course_assignment,
        achievement=context.achievement,
        retry_of=job.retry_of,
        evidence=job.evidence,
        notify=job.notify,
    )
    return _Checked(job, batch, valid, rejected, recipient_failures, recipients)


def _report(checked: _Checked, badges, inserted, conflicts) -> IssuanceReport:
    job, rejected, recipients = checked.job, checked.rejected, checked.recipients

    def outcomes() -> list[PairOutcome]:
        result = []
        for pair in job.requested:
            badge, recipient = badges.get(pair[0]), recipients.get(pair[1])
            result.append(
                PairOutcome(
                    badge_id=pair[0],
                    recipient_id=pair[1],
                    code=Outcome.ISSUED if pair in inserted else rejected.get(pair) or conflicts[pair],
                    badge_name=badge.name if badge else None,
                    student_name=recipient.display_name if recipient else None,
                    student_username=recipient.username if recipient else None,
                    issued_badge_id=inserted.get(pair),
                    context=job.context.label,
                    student_outside=checked.recipient_failures.get(pair[1]) in OUTSIDE,
                )
            )
        return result

    batch = checked.batch
    return IssuanceReport(
        batch=batch, outcomes=outcomes, issued_count=batch.issued_count, failed_count=batch.failed_count
    )


def _actor_permitted(context: _Context, scope) -> bool:
    if context.source == Source.ACHIEVEMENT:
        return True  # the evaluator acts for the organization that defined the achievement
    actor = context.actor
    if actor is None or not actor.is_active:
        return False
    if scope is not None:
        return scope.permitted
    return policy.administers(actor, context.organization_id)


def _badge_failure(context: _Context, badge) -> str | None:
    if badge is None:
        return Outcome.BADGE_NOT_FOUND
    if badge.organization_id != context.organization_id:
        return Outcome.BADGE_OF_OTHER_ORGANIZATION
    if not badge.is_active:
        return Outcome.BADGE_INACTIVE
    if context.source in MANUAL_SOURCES and not badge.manual_issuance_enabled:
        return Outcome.MANUAL_ISSUANCE_DISABLED
    return None


def _recipient_failures(context: _Context, scope, recipient_ids, recipients) -> dict[int, str]:
    failures = {pk: Outcome.RECIPIENT_NOT_FOUND for pk in recipient_ids if pk not in recipients}
    if scope is not None:
        enrolled = set(
            context.classroom.enrollments.filter(student_id__in=recipients).values_list("student_id", flat=True)
        )
        for pk, recipient in recipients.items():
            if pk not in enrolled:
                failures[pk] = Outcome.NOT_ENROLLED
            elif not scope.covers(recipient.organization_id):
                failures[pk] = Outcome.OUTSIDE_INSTRUCTOR_SCOPE
    elif context.source == Source.ASSIGNMENT:
        for pk in recipients:
            if pk != context.course_assignment.student_id:
                failures[pk] = Outcome.NOT_ENROLLED
    elif context.source in NAMED_SOURCES and recipients:
        reachable = policy.reachable_people(context.actor, context.organization_id).filter(pk__in=recipients)
        for pk in recipients.keys() - set(reachable.values_list("pk", flat=True)):
            failures[pk] = Outcome.RECIPIENT_NOT_FOUND
    candidates = [pk for pk in recipients if pk not in failures]
    if candidates:  # badges by hand are for students: not the organization's administrators and instructors
        staff = User.objects.filter(policy.staff_of(context.organization_id, among=candidates), pk__in=candidates)
        for pk in staff.values_list("pk", flat=True):
            failures[pk] = Outcome.NOT_A_STUDENT
    return failures


# --- Reading a batch back ------------------------------------------------------------------------------


def batch_report(batch: IssuanceBatch, *, replayed: bool = False) -> IssuanceReport:
    """A batch's report rebuilt from its log: the first 500 issued and failed pairs (pages show no more;
    the CSV has them all), and the counts."""
    from ..selectors import batch_outcomes

    return IssuanceReport(
        batch=batch,
        outcomes=lambda: batch_outcomes(batch=batch, shown=500),
        issued_count=batch.issued_count,
        failed_count=batch.failed_count,
        replayed=replayed,
    )
