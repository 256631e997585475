"""Outcomes of the issuing door: one per (badge, recipient) pair, with a stable code and a sentence.

Only the code is stored (in the issuance log); the sentence is written from it
when shown, so the wording can improve without rewriting history.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .models import Outcome

_SENTENCES = {
    Outcome.ISSUED: "{badge} was issued to {student}.",
    Outcome.ALREADY_EARNED: "{student} has already earned {badge}. A badge is earned only once.",
    Outcome.REVOKED: "{badge} was revoked from {student}. Only an administrator can reinstate it.",
    Outcome.MANUAL_ISSUANCE_DISABLED: "{badge} is not enabled for manual issuance.",
    Outcome.BADGE_INACTIVE: "{badge} is inactive and cannot be issued.",
    Outcome.BADGE_OF_OTHER_ORGANIZATION: "{badge} does not belong to the organization of {context}.",
    Outcome.NOT_ENROLLED: "{student} is not enrolled in {context}.",
    Outcome.OUTSIDE_INSTRUCTOR_SCOPE: (
        "{student} is not a student of your organization; "
        "only contract instructors and administrators issue badges to them."
    ),
    Outcome.NOT_PERMITTED: "You are not allowed to issue badges from {context}.",
    Outcome.BADGE_NOT_FOUND: "{badge} does not exist.",
    Outcome.RECIPIENT_NOT_FOUND: "{student} does not exist.",
    Outcome.NOT_A_STUDENT: (
        "{student} is an administrator or instructor of this organization: badges are issued to students only."
    ),
}

# Codes whose badge or student may belong to another organization: never show their names
# (a tampered id must not reveal what it points at).
_HIDE_BADGE_NAME = {Outcome.BADGE_OF_OTHER_ORGANIZATION, Outcome.BADGE_NOT_FOUND}
_HIDE_STUDENT_NAME = {Outcome.NOT_ENROLLED, Outcome.RECIPIENT_NOT_FOUND}


def describe(code: str, *, badge_name: str | None, badge_id: int | None, student_name: str | None,
             student_id: int | None, context: str = "this class") -> str:  # fmt: skip
    """The human sentence for an outcome code."""
    badge = (
        badge_name if badge_name and code not in _HIDE_BADGE_NAME else f"Badge #{badge_id}" if badge_id else "The badge"
    )
    if student_name and code not in _HIDE_STUDENT_NAME:
        student = student_name
    else:
        student = f"Student #{student_id}" if student_id else "The student"
    if code == Outcome.NOT_ENROLLED and context == "this course assignment":
        return f"{student} is not the student of this course assignment."
    return _SENTENCES[Outcome(code)].format(badge=badge, student=student, context=context)


@dataclass(frozen=True, slots=True)
class PairOutcome:
    """The outcome of one (badge, recipient) pair."""

    badge_id: int | None
    recipient_id: int | None
    code: str
    badge_name: str | None = None
    student_name: str | None = None
    student_username: str | None = None
    issued_badge_id: int | None = None
    context: str = "this class"
    student_outside: bool = False  # not enrolled / not the assignment's student: never named

    def __post_init__(self) -> None:
        if self.code in _HIDE_BADGE_NAME:
            object.__setattr__(self, "badge_name", None)
        if self.code in _HIDE_STUDENT_NAME or self.student_outside:
            object.__setattr__(self, "student_name", None)
            object.__setattr__(self, "student_username", None)

    @property
    def ok(self) -> bool:
        return self.code == Outcome.ISSUED

    @property
    def message(self) -> str:
        return describe(
            self.code,
            badge_name=self.badge_name,
            badge_id=self.badge_id,
            student_name=self.student_name,
            student_id=self.recipient_id,
            context=self.context,
        )


class IssuanceReport:
    """Every pair's outcome of one pass through the door, and the batch that records it.

    The outcomes are built when first read, so a 50,000-pair batch whose caller
    only wants the counts never builds 50,000 objects.
    """

    def __init__(self, *, batch, outcomes, issued_count: int, failed_count: int, replayed: bool = False) -> None:
        self.batch = batch
        self._outcomes = outcomes  # a list, or a callable that makes it
        self.issued_count = issued_count
        self.failed_count = failed_count
        self.replayed = replayed  # an idempotency key found an earlier batch: nothing was issued now

    @cached_property
    def outcomes(self) -> list[PairOutcome]:
        return self._outcomes() if callable(self._outcomes) else self._outcomes

    @property
    def issued(self) -> list[PairOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[PairOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def issued_not_shown(self) -> int:
        return self.issued_count - len(self.issued)

    @property
    def failed_not_shown(self) -> int:
        return self.failed_count - len(self.failed)

    def by_code(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            code = str(outcome.code)
            counts[code] = counts.get(code, 0) + 1
        return counts
