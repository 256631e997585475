"""The one door through which every badge is issued — and the only writer of ``IssuedBadge``.

``badges_issue`` takes an ``IssueRequest`` — badges × recipients, an actor, a source and its context
(class, course assignment, achievement or organization) — and returns an outcome
for every pair; ``badges_issue_each`` does several such issuances at once (each its
own batch and report) with the same few queries.

Invariants:
- A (badge, recipient) pair exists at most once: the database's unique
  constraint decides, through ``INSERT … ON CONFLICT DO NOTHING``, so the loser
  of a race gets ``already_earned`` and never an error.
- A revoked badge is never issued again here: it reports ``revoked``.
- Manual sources accept only active, manually issuable badges of the context's
  organization, to students the actor may reach (rule 3).
- Valid pairs are issued even when others fail.

Side effects, in one transaction: one ``IssuanceBatch``, the new
``IssuedBadge`` rows and one ``IssuanceLog`` row per pair. The number of
queries does not depend on the number of pairs (on PostgreSQL).

``issued_badges_revoke`` / ``issued_badges_reinstate`` keep the row and flip
its revocation, administrators of the badge's organization only, logged.
"""

from .issuing import IssueRequest, badges_issue, badges_issue_each, batch_report
from .revocation import RevocationOutcome, RevocationResult, issued_badges_reinstate, issued_badges_revoke

__all__ = [
    "IssueRequest",
    "RevocationOutcome",
    "RevocationResult",
    "badges_issue",
    "badges_issue_each",
    "batch_report",
    "issued_badges_reinstate",
    "issued_badges_revoke",
]
