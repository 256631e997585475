"""The one issuing door: every rule, every reason code, one log row per pair, idempotency, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.classes.tests.factories import EnrollmentFactory
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue, badges_issue_each
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _roster(world, actor, badges, students, **kwargs):
    return badges_issue(
        IssueRequest(
            badge_ids=[b.pk for b in badges],
            recipient_ids=[s.pk for s in students],
            actor=actor,
            source=Source.ROSTER,
            classroom=world.alpha.classroom,
            **kwargs,
        )
    )


def _codes(report) -> dict[tuple[int, int], str]:
    return {(o.badge_id, o.recipient_id): o.code for o in report.outcomes}


def _fresh_badge(world, **kwargs):
    return BadgeFactory(organization=world.alpha.org, **kwargs)


def test_an_administrator_issues_and_everything_is_recorded(world):
    badge = _fresh_badge(world)
    report = _roster(world, world.alpha.admin, [badge], [world.alpha.student, world.beta.student])

    assert [o.code for o in report.outcomes] == [Outcome.ISSUED, Outcome.ISSUED]
    rows = IssuedBadge.objects.filter(badge=badge).order_by("recipient__username")
    assert [r.recipient for r in rows] == [world.alpha.student, world.beta.student]
    for row in rows:
        assert row.source == Source.ROSTER
        assert row.classroom == world.alpha.classroom
        assert row.issued_by == world.alpha.admin
        assert row.batch == report.batch
        assert row.revoked_at is None
    batch = IssuanceBatch.objects.get(pk=report.batch.pk)
    assert (batch.issued_count, batch.failed_count, batch.created_by) == (2, 0, world.alpha.admin)
    log = IssuanceLog.objects.filter(batch=batch).order_by("pk")
    assert [(e.action, e.reason_code, e.issued_badge_id) for e in log] == [
        ("issued", "issued", rows.get(recipient=world.alpha.student).pk),
        ("issued", "issued", rows.get(recipient=world.beta.student).pk),
    ]
    assert {e.actor for e in log} == {world.alpha.admin}
    assert report.outcomes[0].message == f"{badge.name} was issued to {world.alpha.student.display_name}."


def test_a_badge_is_earned_once_and_the_second_attempt_says_so(world):
    badge = _fresh_badge(world)
    _roster(world, world.alpha.admin, [badge], [world.alpha.student])
    again = _roster(world, world.alpha.instructor, [badge], [world.alpha.student])
    assert [o.code for o in again.outcomes] == [Outcome.ALREADY_EARNED]
    assert "has already earned" in again.outcomes[0].message
    assert IssuedBadge.objects.filter(badge=badge).count() == 1
    assert IssuanceLog.objects.filter(batch=again.batch, action="failed", reason_code="already_earned").count() == 1


def test_a_revoked_badge_is_reported_and_never_silently_reissued(world):
    badge = _fresh_badge(world)
    revoked = IssuedBadgeFactory(
        badge=badge, recipient=world.alpha.student, revoked_at=timezone.now(), revocation_reason="Cheating"
    )
    for source_kwargs in (
        {"source": Source.ROSTER, "classroom": world.alpha.classroom, "actor": world.alpha.admin},
        {"source": Source.ACHIEVEMENT, "achievement": world.alpha.achievement, "actor": None},
    ):
        report = badges_issue(
            IssueRequest(badge_ids=[badge.pk], recipient_ids=[world.alpha.student.pk], **source_kwargs)
        )
        assert [o.code for o in report.outcomes] == [Outcome.REVOKED]
    revoked.refresh_from_db()
    assert revoked.revoked_at is not None and revoked.revocation_reason == "Cheating"


@pytest.mark.parametrize(
    ("badge_kwargs", "code"),
    [
        ({"manual_issuance_enabled": False}, Outcome.MANUAL_ISSUANCE_DISABLED),
        ({"is_active": False}, Outcome.BADGE_INACTIVE),
    ],
)
def test_manual_paths_accept_only_active_manually_issuable_badges(world, badge_kwargs, code):
    badge = _fresh_badge(world, **badge_kwargs)
    report = _roster(world, world.alpha.admin, [badge], [world.alpha.student])
    assert [o.code for o in report.outcomes] == [code]
    assert not IssuedBadge.objects.filter(badge=badge).exists()


def test_badges_of_other_organizations_even_a_child_are_refused_without_naming_them(world):
    report = _roster(world, world.alpha.admin, [world.beta.badge, world.alpha.child_badge], [world.alpha.student])
    assert [o.code for o in report.outcomes] == [Outcome.BADGE_OF_OTHER_ORGANIZATION] * 2
    assert world.beta.badge.name not in report.outcomes[0].message
    assert (
        report.outcomes[0].message == f"Badge #{world.beta.badge.pk} does not belong to the organization of this class."
    )
    assert not IssuedBadge.objects.filter(recipient=world.alpha.student, badge=world.beta.badge).exists()


def test_ids_that_do_not_exist_are_failures_not_errors(world):
    badge = _fresh_badge(world)
    report = badges_issue(
        IssueRequest(
            badge_ids=[badge.pk, 987654],
            recipient_ids=[world.alpha.student.pk, 876543],
            actor=world.alpha.admin,
            source=Source.BATCH,
            classroom=world.alpha.classroom,
        )
    )
    assert _codes(report) == {
        (badge.pk, world.alpha.student.pk): Outcome.ISSUED,
        (badge.pk, 876543): Outcome.RECIPIENT_NOT_FOUND,
        (987654, world.alpha.student.pk): Outcome.BADGE_NOT_FOUND,
        (987654, 876543): Outcome.BADGE_NOT_FOUND,
    }
    assert IssuanceLog.objects.filter(batch=report.batch).count() == 4


def test_only_students_enrolled_in_the_class(world):
    badge = _fresh_badge(world)
    outsider_student = make_student(world.alpha.org)
    report = _roster(world, world.alpha.admin, [badge], [outsider_student, world.alpha.child_student])
    assert [o.code for o in report.outcomes] == [Outcome.NOT_ENROLLED, Outcome.NOT_ENROLLED]
    assert report.outcomes[0].message.endswith("is not enrolled in this class.")


def test_an_organization_instructor_reaches_only_students_of_their_organization(world):
    badge = _fresh_badge(world)
    report = _roster(world, world.alpha.instructor, [badge], [world.alpha.student, world.beta.student])
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED, Outcome.OUTSIDE_INSTRUCTOR_SCOPE]


def test_a_contract_instructor_reaches_every_enrolled_student(world):
    badge = _fresh_badge(world)
    report = _roster(world, world.contractor, [badge], [world.alpha.student, world.beta.student])
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED, Outcome.ISSUED]


@pytest.mark.parametrize("who", ["beta_admin", "beta_instructor", "student", "outsider", "inactive_admin"])
def test_people_without_a_role_in_the_class_are_not_permitted(world, who):
    actor = {
        "beta_admin": world.beta.admin,
        "beta_instructor": world.beta.instructor,
        "student": world.alpha.student,
        "outsider": world.outsider,
        "inactive_admin": world.alpha.admin,
    }[who]
    if who == "inactive_admin":
        actor.is_active = False
        actor.save()
    badge = _fresh_badge(world)
    report = _roster(world, actor, [badge], [world.alpha.student])
    assert [o.code for o in report.outcomes] == [Outcome.NOT_PERMITTED]
    assert not IssuedBadge.objects.filter(badge=badge).exists()


def test_valid_pairs_are_issued_even_when_others_fail(world):
    good, off = _fresh_badge(world), _fresh_badge(world, manual_issuance_enabled=False)
    IssuedBadgeFactory(badge=good, recipient=world.beta.student)
    report = _roster(world, world.alpha.admin, [good, off], [world.alpha.student, world.beta.student])
    assert _codes(report) == {
        (good.pk, world.alpha.student.pk): Outcome.ISSUED,
        (good.pk, world.beta.student.pk): Outcome.ALREADY_EARNED,
        (off.pk, world.alpha.student.pk): Outcome.MANUAL_ISSUANCE_DISABLED,
        (off.pk, world.beta.student.pk): Outcome.MANUAL_ISSUANCE_DISABLED,
    }
    assert (report.batch.issued_count, report.batch.failed_count) == (1, 3)
    assert len(report.issued) == 1 and len(report.failed) == 3


def test_automatic_issuance_ignores_the_manual_switch_and_keeps_when_it_was_earned(world):
    badge = _fresh_badge(world, manual_issuance_enabled=False)
    world.alpha.achievement.badge = badge
    world.alpha.achievement.save()
    earned = timezone.now() - timedelta(days=40)
    report = badges_issue(
        IssueRequest(
            badge_ids=[badge.pk],
            recipient_ids=[world.alpha.student.pk, world.beta.student.pk],
            actor=None,
            source=Source.ACHIEVEMENT,
            achievement=world.alpha.achievement,
            earned_at={world.alpha.student.pk: earned},
        )
    )
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED, Outcome.ISSUED]
    row = IssuedBadge.objects.get(badge=badge, recipient=world.alpha.student)
    assert row.earned_at == earned and row.achievement == world.alpha.achievement and row.issued_by is None
    assert row.issued_at == report.batch.created_at > earned  # issued now, not backdated
    other = IssuedBadge.objects.get(badge=badge, recipient=world.beta.student)
    assert other.earned_at is None and other.issued_at == row.issued_at


def test_a_course_assignment_is_for_administrators_and_its_own_student(world):
    badge, assignment = _fresh_badge(world), world.alpha.assignment

    def issue(actor, student):
        return badges_issue(
            IssueRequest(
                badge_ids=[badge.pk],
                recipient_ids=[student.pk],
                actor=actor,
                source=Source.ASSIGNMENT,
                course_assignment=assignment,
            )
        )

    assert [o.code for o in issue(world.alpha.instructor, assignment.student).outcomes] == [Outcome.NOT_PERMITTED]
    assert [o.code for o in issue(world.alpha.admin, world.beta.student).outcomes] == [Outcome.NOT_ENROLLED]
    report = issue(world.alpha.admin, assignment.student)
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED]
    assert IssuedBadge.objects.get(badge=badge).course_assignment == assignment


def test_the_username_list_and_api_need_an_administrator_of_the_badges_organization(world):
    badge = _fresh_badge(world)
    kwargs = {"badge_ids": [badge.pk], "recipient_ids": [world.alpha.student.pk], "organization": world.alpha.org}
    beta_try = badges_issue(IssueRequest(actor=world.beta.admin, source=Source.USERNAMES, **kwargs))
    assert [o.code for o in beta_try.outcomes] == [Outcome.NOT_PERMITTED]
    report = badges_issue(IssueRequest(actor=world.alpha.admin, source=Source.API, **kwargs))
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED]


def test_badges_by_hand_are_for_students_not_the_organizations_staff(world):
    """Issue 12: an administrator awarding themselves or an instructor — by username list or on a Roster where
    the instructor is enrolled — is refused, each with its reason; the student beside them is issued."""
    badge = _fresh_badge(world)
    EnrollmentFactory(classroom=world.alpha.classroom, student=world.alpha.instructor)
    listed = badges_issue(
        IssueRequest(
            actor=world.alpha.admin, source=Source.USERNAMES, organization=world.alpha.org, badge_ids=[badge.pk],
            recipient_ids=[world.alpha.admin.pk, world.alpha.instructor.pk, world.alpha.student.pk],
        )
    )  # fmt: skip
    assert _codes(listed) == {
        (badge.pk, world.alpha.admin.pk): Outcome.NOT_A_STUDENT,
        (badge.pk, world.alpha.instructor.pk): Outcome.NOT_A_STUDENT,
        (badge.pk, world.alpha.student.pk): Outcome.ISSUED,
    }
    refused = next(o for o in listed.outcomes if o.recipient_id == world.alpha.instructor.pk)
    assert refused.message == (
        f"{world.alpha.instructor.display_name} is an administrator or instructor of this organization: "
        "badges are issued to students only."
    )
    roster = _roster(world, world.alpha.admin, [_fresh_badge(world)], [world.alpha.instructor])
    assert [o.code for o in roster.outcomes] == [Outcome.NOT_A_STUDENT]
    assert list(IssuedBadge.objects.filter(badge=badge).values_list("recipient_id", flat=True)) == [
        world.alpha.student.pk
    ]
    assert not IssuedBadge.objects.filter(recipient__in=[world.alpha.admin, world.alpha.instructor]).exists()
    assert IssuanceLog.objects.filter(reason_code=Outcome.NOT_A_STUDENT).count() == 3


def test_an_administrator_of_the_parent_organization_is_staff_of_its_children_too(world):
    """Alpha's administrator administers Alpha Labs: enrolled in a Labs class, they still may not award themselves
    a Labs badge; a Labs student beside them is issued."""
    labs = world.alpha.child_classroom
    EnrollmentFactory(classroom=labs, student=world.alpha.admin)
    report = badges_issue(
        IssueRequest(
            actor=world.alpha.admin, source=Source.ROSTER, classroom=labs, badge_ids=[world.alpha.child_badge.pk],
            recipient_ids=[world.alpha.admin.pk, world.alpha.child_student.pk],
        )
    )  # fmt: skip
    assert _codes(report) == {
        (world.alpha.child_badge.pk, world.alpha.admin.pk): Outcome.NOT_A_STUDENT,
        (world.alpha.child_badge.pk, world.alpha.child_student.pk): Outcome.ALREADY_EARNED,  # the world's badge
    }


def test_the_same_key_issues_nothing_twice_and_gives_the_same_report(world):
    badge = _fresh_badge(world)
    first = _roster(
        world, world.alpha.admin, [badge], [world.alpha.student, world.beta.student], idempotency_key="form-123"
    )
    IssuedBadge.objects.filter(badge=badge, recipient=world.beta.student)  # nothing changes in between
    second = _roster(
        world, world.alpha.admin, [badge], [world.alpha.student, world.beta.student], idempotency_key="form-123"
    )
    assert second.replayed and not first.replayed
    assert second.batch.pk == first.batch.pk
    assert [(o.badge_id, o.recipient_id, o.code) for o in second.outcomes] == [
        (o.badge_id, o.recipient_id, o.code) for o in first.outcomes
    ]
    assert IssuanceBatch.objects.count() == 1 and IssuanceLog.objects.count() == 2


def test_duplicate_ids_in_a_request_count_once(world):
    badge = _fresh_badge(world)
    report = _roster(world, world.alpha.admin, [badge, badge], [world.alpha.student, world.alpha.student])
    assert [o.code for o in report.outcomes] == [Outcome.ISSUED]


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as ctx:
        callable_()
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_pairs(world):
    small_badges = [_fresh_badge(world) for _ in range(2)]
    big_badges = [_fresh_badge(world) for _ in range(10)]
    students = [make_student(world.alpha.org) for _ in range(40)]
    for student in students:
        EnrollmentFactory(classroom=world.alpha.classroom, student=student)
    # Some conflicts in both (the door then asks which of them are revoked).
    IssuedBadgeFactory(badge=big_badges[0], recipient=students[0])
    IssuedBadgeFactory(badge=small_badges[0], recipient=students[0])

    admin = world.alpha.admin
    _roster(world, admin, [_fresh_badge(world)], students[:1])  # caches the administrator's organizations
    small = _queries(lambda: _roster(world, admin, small_badges, students[:3]))
    big = _queries(lambda: _roster(world, admin, big_badges, students))
    assert small == big
    if connection.vendor == "postgresql":
        # savepoint, badges, students, enrollments, the organization tree and the staff among the students,
        # batch, insert + log issued, log conflicts, batch counts, facets, the active webhooks (the outbox's receiver
        # of issued_badges_changed), release savepoint
        assert big == 13
    assert IssuedBadge.objects.filter(badge__in=big_badges).count() == 400


def test_several_issuances_at_once_are_each_what_badges_issue_would_do(world):
    """badges_issue_each: each request gets its own batch, rules, log and report, as a call of its own would."""
    roster_badge, off = _fresh_badge(world), _fresh_badge(world, manual_issuance_enabled=False)
    earned_badge = _fresh_badge(world, manual_issuance_enabled=False)
    IssuedBadgeFactory(badge=roster_badge, recipient=world.beta.student)
    IssuedBadgeFactory(
        badge=earned_badge, recipient=world.beta.student, revoked_at=timezone.now(), revocation_reason="x"
    )
    when = timezone.now() - timedelta(days=3)
    alpha, beta = world.alpha.student, world.beta.student
    roster, automatic = badges_issue_each([
        IssueRequest(badge_ids=[roster_badge.pk, off.pk], recipient_ids=[alpha.pk, beta.pk], actor=world.alpha.admin,
                     source=Source.ROSTER, classroom=world.alpha.classroom),
        IssueRequest(badge_ids=[earned_badge.pk], recipient_ids=[alpha.pk, beta.pk], actor=None,
                     source=Source.ACHIEVEMENT, achievement=world.alpha.achievement, earned_at={alpha.pk: when}),
    ])  # fmt: skip

    assert _codes(roster) == {
        (roster_badge.pk, alpha.pk): Outcome.ISSUED,
        (roster_badge.pk, beta.pk): Outcome.ALREADY_EARNED,
        (off.pk, alpha.pk): Outcome.MANUAL_ISSUANCE_DISABLED,
        (off.pk, beta.pk): Outcome.MANUAL_ISSUANCE_DISABLED,
    }
    assert _codes(automatic) == {
        (earned_badge.pk, alpha.pk): Outcome.ISSUED,
        (earned_badge.pk, beta.pk): Outcome.REVOKED,
    }
    assert roster.batch.pk != automatic.batch.pk
    stored = {b.pk: (b.source, b.issued_count, b.failed_count) for b in IssuanceBatch.objects.all()}
    assert stored == {roster.batch.pk: (Source.ROSTER, 1, 3), automatic.batch.pk: (Source.ACHIEVEMENT, 1, 1)}
    by_roster = IssuedBadge.objects.get(batch=roster.batch)
    assert (by_roster.badge, by_roster.recipient, by_roster.issued_by, by_roster.classroom, by_roster.achievement) == (
        roster_badge, alpha, world.alpha.admin, world.alpha.classroom, None
    )  # fmt: skip
    by_achievement = IssuedBadge.objects.get(batch=automatic.batch)
    assert (by_achievement.recipient, by_achievement.earned_at, by_achievement.achievement) == (
        alpha, when, world.alpha.achievement
    )  # fmt: skip
    logged = IssuanceLog.objects.values_list("batch_id", "badge_id", "recipient_id", "reason_code", "actor_id")
    assert sorted(logged.filter(batch__in=[roster.batch, automatic.batch])) == sorted([
        (roster.batch.pk, roster_badge.pk, alpha.pk, "issued", world.alpha.admin.pk),
        (roster.batch.pk, roster_badge.pk, beta.pk, "already_earned", world.alpha.admin.pk),
        (roster.batch.pk, off.pk, alpha.pk, "manual_issuance_disabled", world.alpha.admin.pk),
        (roster.batch.pk, off.pk, beta.pk, "manual_issuance_disabled", world.alpha.admin.pk),
        (automatic.batch.pk, earned_badge.pk, alpha.pk, "issued", None),
        (automatic.batch.pk, earned_badge.pk, beta.pk, "revoked", None),
    ])  # fmt: skip


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite writes each request on its own")
def test_several_issuances_at_once_take_the_same_queries_however_many(world):
    students = [make_student(world.alpha.org) for _ in range(6)]

    def each(n: int) -> int:
        badges = [_fresh_badge(world) for _ in range(n)]
        IssuedBadgeFactory(badge=badges[0], recipient=students[0])  # a conflict in both
        requests = [
            IssueRequest(badge_ids=[badge.pk], recipient_ids=[s.pk for s in students], actor=None,
                         source=Source.ACHIEVEMENT, achievement=world.alpha.achievement)
            for badge in badges
        ]  # fmt: skip
        return _queries(lambda: badges_issue_each(requests))

    # savepoint, badges, batches, insert + log issued, log conflicts, batch counts, facets, the active webhooks,
    # release savepoint
    assert each(2) == each(8) == 9
    assert IssuedBadge.objects.filter(recipient__in=students).count() == 10 * 6


def test_the_same_pair_in_two_requests_at_once_is_issued_once(world):
    """Two achievements may award one badge: the first request issues it, the second reports it earned."""
    badge, student = _fresh_badge(world), world.alpha.student
    request = IssueRequest(badge_ids=[badge.pk], recipient_ids=[student.pk], actor=None, source=Source.ACHIEVEMENT,
                           achievement=world.alpha.achievement)  # fmt: skip
    first, second = badges_issue_each([request, request])
    assert _codes(first) == {(badge.pk, student.pk): Outcome.ISSUED}
    assert _codes(second) == {(badge.pk, student.pk): Outcome.ALREADY_EARNED}
    assert IssuedBadge.objects.get(badge=badge).batch == first.batch
    counts = dict(IssuanceBatch.objects.values_list("pk", "issued_count"))
    assert (counts[first.batch.pk], counts[second.batch.pk]) == (1, 0)
    assert IssuanceLog.objects.get(batch=second.batch).reason_code == Outcome.ALREADY_EARNED
