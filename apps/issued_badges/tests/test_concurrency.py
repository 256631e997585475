"""Concurrent calls of the door on PostgreSQL: one row per pair, every outcome accounted, no error."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from apps.accounts.tests.factories import make_administrator, make_student
from apps.badges.tests.factories import BadgeFactory
from apps.classes.tests.factories import ClassInstructorFactory, ClassroomFactory, EnrollmentFactory
from apps.issued_badges.models import IssuanceLog, IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.organizations.tests.factories import OrganizationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency is tested on PostgreSQL"),
]

THREADS = 6


def _run_concurrently(work):
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_concurrent_issuers_of_the_same_pairs_never_duplicate_nor_fail():
    org = OrganizationFactory()
    classroom = ClassroomFactory(organization=org)
    admins = [make_administrator(org) for _ in range(THREADS)]
    instructor = ClassInstructorFactory(classroom=classroom, instructor__organization=org).instructor
    badges = [BadgeFactory(organization=org) for _ in range(3)]
    students = [make_student(org) for _ in range(20)]
    for student in students:
        EnrollmentFactory(classroom=classroom, student=student)
    actors = [*admins[:-1], instructor]

    def work(index):
        return badges_issue(
            IssueRequest(
                badge_ids=[b.pk for b in badges],
                recipient_ids=[s.pk for s in students],
                actor=actors[index],
                source=Source.BATCH,
                classroom=classroom,
            )
        )

    reports, errors = _run_concurrently(work)
    assert errors == []
    pairs = len(badges) * len(students)
    assert IssuedBadge.objects.count() == pairs
    assert IssuedBadge.objects.values("badge", "recipient").distinct().count() == pairs

    per_pair = Counter()
    for report in reports:
        assert len(report.outcomes) == pairs
        for outcome in report.outcomes:
            assert outcome.code in {Outcome.ISSUED, Outcome.ALREADY_EARNED}
            per_pair[(outcome.badge_id, outcome.recipient_id, outcome.code)] += 1
    for badge in badges:
        for student in students:
            assert per_pair[(badge.pk, student.pk, Outcome.ISSUED)] == 1
            assert per_pair[(badge.pk, student.pk, Outcome.ALREADY_EARNED)] == THREADS - 1
    assert IssuanceLog.objects.count() == pairs * THREADS
    assert sum(r.batch.issued_count for r in reports) == pairs


def test_a_double_submitted_form_issues_once_and_both_see_the_same_batch():
    org = OrganizationFactory()
    classroom = ClassroomFactory(organization=org)
    admin = make_administrator(org)
    badge = BadgeFactory(organization=org)
    students = [make_student(org) for _ in range(10)]
    for student in students:
        EnrollmentFactory(classroom=classroom, student=student)

    def work(index):
        return badges_issue(
            IssueRequest(
                badge_ids=[badge.pk],
                recipient_ids=[s.pk for s in students],
                actor=admin,
                source=Source.BATCH,
                classroom=classroom,
                idempotency_key="same-form-submitted-twice",
            )
        )

    reports, errors = _run_concurrently(work)
    assert errors == []
    assert len({r.batch.pk for r in reports}) == 1
    assert sum(not r.replayed for r in reports) == 1
    assert IssuedBadge.objects.count() == 10
    for report in reports:
        assert [o.code for o in report.outcomes] == [Outcome.ISSUED] * 10
