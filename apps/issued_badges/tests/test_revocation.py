"""Revoke and reinstate: the row is kept, the log records who, when and why; the door never re-issues it."""

import pytest

from apps.issued_badges.models import IssuanceLog, IssuedBadge, Outcome, Source
from apps.issued_badges.services import (
    IssueRequest,
    RevocationOutcome,
    badges_issue,
    issued_badges_reinstate,
    issued_badges_revoke,
)


def test_an_administrator_revokes_with_a_reason_and_the_row_stays(world):
    issued = world.alpha.issued
    [result] = issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Awarded by mistake")
    assert result.code == RevocationOutcome.REVOKED and result.ok
    issued.refresh_from_db()
    assert issued.is_revoked and issued.revoked_by == world.alpha.admin
    assert issued.revocation_reason == "Awarded by mistake"
    entry = IssuanceLog.objects.get(issued_badge=issued, action="revoked")
    assert (entry.actor, entry.reason, entry.recipient) == (world.alpha.admin, "Awarded by mistake", issued.recipient)


def test_a_revoked_badge_is_not_issued_again_by_any_path(world):
    issued = world.alpha.issued
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Cheating")
    for kwargs in (
        {"source": Source.ROSTER, "classroom": world.alpha.classroom, "actor": world.alpha.admin},
        {"source": Source.ACHIEVEMENT, "achievement": world.alpha.achievement, "actor": None},
        {"source": Source.ASSIGNMENT, "course_assignment": world.alpha.assignment, "actor": world.alpha.admin},
    ):
        report = badges_issue(IssueRequest(badge_ids=[issued.badge_id], recipient_ids=[issued.recipient_id], **kwargs))
        assert [o.code for o in report.outcomes] == [Outcome.REVOKED]
    issued.refresh_from_db()
    assert issued.is_revoked and IssuedBadge.objects.filter(badge=issued.badge, recipient=issued.recipient).count() == 1


def test_reinstate_undoes_it_and_is_logged(world):
    issued = world.alpha.issued
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    [result] = issued_badges_reinstate(ids=[issued.pk], actor=world.alpha.admin, reason="It was earned after all")
    assert result.code == RevocationOutcome.REINSTATED
    issued.refresh_from_db()
    assert not issued.is_revoked and issued.revocation_reason == "" and issued.revoked_by is None
    actions = list(IssuanceLog.objects.filter(issued_badge=issued).order_by("pk").values_list("action", "reason"))
    assert actions == [("revoked", "Mistake"), ("reinstated", "It was earned after all")]


def test_a_reason_is_required():
    with pytest.raises(ValueError, match="reason is required"):
        issued_badges_revoke(ids=[1], actor=None, reason="   ")


def test_bad_requests_get_a_per_row_outcome_and_change_nothing(world):
    alpha, beta = world.alpha, world.beta
    issued_badges_revoke(ids=[alpha.child_issued.pk], actor=alpha.admin, reason="First")
    results = issued_badges_revoke(
        ids=[alpha.child_issued.pk, beta.issued.pk, 987654, alpha.issued.pk], actor=alpha.admin, reason="Second"
    )
    assert [r.code for r in results] == [
        RevocationOutcome.ALREADY_REVOKED,
        RevocationOutcome.NOT_FOUND,  # another organization's: not even acknowledged
        RevocationOutcome.NOT_FOUND,
        RevocationOutcome.REVOKED,
    ]
    assert beta.issued.__class__.objects.get(pk=beta.issued.pk).revoked_at is None
    assert IssuedBadge.objects.get(pk=alpha.child_issued.pk).revocation_reason == "First"
    [again] = issued_badges_reinstate(ids=[beta.badge.pk], actor=alpha.admin, reason="Try")
    assert again.code == RevocationOutcome.NOT_FOUND


def test_an_instructor_cannot_revoke_even_what_their_students_hold(world):
    [result] = issued_badges_revoke(ids=[world.alpha.issued.pk], actor=world.alpha.instructor, reason="No")
    assert result.code == RevocationOutcome.NOT_PERMITTED
    assert "Only an administrator" in result.message
    assert IssuedBadge.objects.get(pk=world.alpha.issued.pk).revoked_at is None


def test_an_organization_acting_by_itself_revokes_and_reinstates_with_nobody_recorded_as_the_person(world):
    """An API key acts as its organization: the row and the log name no person, and keep the reason."""
    from apps.access.policy import OrganizationActor

    issued, actor = world.alpha.issued, OrganizationActor(organization_id=world.alpha.org.pk, name="Lab host")
    [revoked] = issued_badges_revoke(ids=[issued.pk], actor=actor, reason="Lab host says: cheated")
    assert revoked.ok
    issued.refresh_from_db()
    assert (issued.revoked_by, issued.revocation_reason) == (None, "Lab host says: cheated")
    [reinstated] = issued_badges_reinstate(ids=[issued.pk], actor=actor, reason="Appeal upheld")
    assert reinstated.ok
    log = IssuanceLog.objects.filter(issued_badge=issued).order_by("pk").values_list("action", "actor_id", "reason")
    assert list(log)[-2:] == [("revoked", None, "Lab host says: cheated"), ("reinstated", None, "Appeal upheld")]
    beta = OrganizationActor(organization_id=world.beta.org.pk)
    assert not issued_badges_revoke(ids=[issued.pk], actor=beta, reason="x")[0].ok  # another organization's: not found
