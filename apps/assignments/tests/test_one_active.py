"""One active assignment of a course per student, held by the service too: not only the form's check, which two
submissions at once can both pass."""

import threading

import pytest
from django.db import connection, connections

from apps.accounts.tests.factories import make_administrator, make_student
from apps.assignments.models import CourseAssignment
from apps.assignments.services import AlreadyAssigned, course_assignment_create
from apps.courses.tests.factories import CourseFactory
from apps.organizations.tests.factories import OrganizationFactory


def test_the_service_refuses_a_second_active_assignment(world):
    course, student = world.alpha.course, make_student(world.alpha.org)
    first = course_assignment_create(course=course, student=student, days=30, actor=world.alpha.admin)
    with pytest.raises(AlreadyAssigned) as refused:
        course_assignment_create(course=course, student=student, days=10, actor=world.alpha.admin)
    assert refused.value.current == first
    assert CourseAssignment.objects.filter(course=course, student=student).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_submissions_at_once_make_one_assignment():
    org = OrganizationFactory()
    course, student, admin = CourseFactory(organization=org), make_student(org), make_administrator(org)
    barrier, outcomes = threading.Barrier(4), []

    def submit():
        try:
            barrier.wait(timeout=10)
            course_assignment_create(course=course, student=student, days=30, actor=admin)
            outcomes.append("created")
        except AlreadyAssigned:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert CourseAssignment.objects.filter(course=course, student=student).count() == 1
