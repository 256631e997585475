"""The User profile's source at the door: a manual source whose recipient the actor names, as the username list."""

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceLog, IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.issued_badges.sources import Origin, holder_words, source_words


def _profile(actor, badge, person, organization):
    report = badges_issue(
        IssueRequest(
            actor=actor, source=Source.PROFILE, organization=organization, badge_ids=[badge.pk],
            recipient_ids=[person.pk],
        )
    )  # fmt: skip
    return report.outcomes[0]


def test_an_administrator_issues_from_a_profile_and_it_is_recorded_as_such(world):
    badge = BadgeFactory(organization=world.alpha.org, name="Profile Star")
    outcome = _profile(world.alpha.admin, badge, world.alpha.student, world.alpha.org)
    assert outcome.code == Outcome.ISSUED
    issued = IssuedBadge.objects.get(badge=badge)
    assert (issued.recipient, issued.issued_by, issued.source) == (world.alpha.student, world.alpha.admin, "profile")
    log = IssuanceLog.objects.get(issued_badge=issued)
    assert (log.actor, log.source, log.reason_code) == (world.alpha.admin, Source.PROFILE, Outcome.ISSUED)
    origin = Origin.of(IssuedBadge.objects.select_related("badge__organization").get(pk=issued.pk))
    assert holder_words(origin) == "Awarded by Alpha Academy"
    assert source_words(origin, world.alpha.student).label == "Awarded by Alpha Academy"
    assert source_words(origin, world.alpha.admin).label == "User profile"


def test_the_profile_source_follows_the_manual_rules(world):
    alpha = world.alpha
    off = BadgeFactory(organization=alpha.org, manual_issuance_enabled=False)
    inactive = BadgeFactory(organization=alpha.org, is_active=False)
    assert _profile(alpha.admin, off, alpha.student, alpha.org).code == Outcome.MANUAL_ISSUANCE_DISABLED
    assert _profile(alpha.admin, inactive, alpha.student, alpha.org).code == Outcome.BADGE_INACTIVE
    # Another organization's badge, person, or actor.
    assert _profile(alpha.admin, world.beta.badge, alpha.student, alpha.org).code == Outcome.BADGE_OF_OTHER_ORGANIZATION
    fresh = BadgeFactory(organization=alpha.org)
    stranger = make_student(world.beta.org)
    assert _profile(alpha.admin, fresh, stranger, alpha.org).code == Outcome.RECIPIENT_NOT_FOUND
    assert _profile(world.beta.admin, fresh, alpha.student, alpha.org).code == Outcome.NOT_PERMITTED
    assert _profile(alpha.admin, fresh, alpha.instructor, alpha.org).code == Outcome.NOT_A_STUDENT
    assert not IssuedBadge.objects.filter(badge__in=[off, inactive, fresh]).exists()
    assert not IssuedBadge.objects.filter(recipient=stranger).exists()
