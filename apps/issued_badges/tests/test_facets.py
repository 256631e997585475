"""What Find Issued Badges filters by is recorded by the door (IssuedBadgeFacet), once per combination, and the
migration records it for every badge issued before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.issued_badges.models import IssuedBadgeFacet, Source
from apps.issued_badges.services import IssueRequest, badges_issue


def _facets() -> set[tuple]:
    return set(
        IssuedBadgeFacet.objects.values_list(
            "organization_id", "issued_by_id", "source", "classroom_id", "course_assignment_id"
        )
    )


def test_the_door_records_each_combination_once_and_only_what_it_issued(world):
    IssuedBadgeFacet.objects.all().delete()  # the world's factory rows recorded theirs
    alpha = world.alpha

    def roster(student):
        return badges_issue(
            IssueRequest(actor=alpha.instructor, source=Source.ROSTER, classroom=alpha.classroom,
                         badge_ids=[alpha.badge.pk], recipient_ids=[student.pk])
        )  # fmt: skip

    assert roster(alpha.student).issued_count == 0  # already earned: nothing issued, nothing to filter by
    assert _facets() == set()
    from apps.accounts.tests.factories import make_student
    from apps.classes.tests.factories import EnrollmentFactory

    for _ in range(2):
        student = make_student(alpha.org)
        EnrollmentFactory(classroom=alpha.classroom, student=student)
        assert roster(student).issued_count == 1
    assert _facets() == {(alpha.org.pk, alpha.instructor.pk, Source.ROSTER, alpha.classroom.pk, None)}


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_the_facets_of_every_badge_issued_before(world):
    executor = MigrationExecutor(connection)
    before = [("issued_badges", "0007_outcome_not_a_student")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("issued_badges", "IssuedBadge")
    alpha = world.alpha
    now = timezone.now()
    for student in (alpha.child_student, world.beta.child_student):  # no batch: issued before batches existed
        old.objects.create(badge_id=alpha.badge.pk, recipient_id=student.pk, issued_at=now, source="achievement")
    old.objects.create(
        badge_id=alpha.child_badge.pk, recipient_id=alpha.student.pk, issued_at=now, source="roster",
        issued_by_id=alpha.instructor.pk, classroom_id=alpha.classroom.pk,
    )  # fmt: skip

    try:
        MigrationExecutor(connection).migrate([("issued_badges", "0008_issued_badge_facets")])
        facets = _facets()
        assert (alpha.org.pk, None, "achievement", None, None) in facets
        assert (alpha.child.pk, alpha.instructor.pk, "roster", alpha.classroom.pk, None) in facets
        assert IssuedBadgeFacet.objects.filter(organization=alpha.org, source="achievement").count() == 1
    finally:  # back to the latest schema: going back to 0007 also undid the migrations that depend on it
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
