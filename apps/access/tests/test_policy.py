"""The access policy: each rule of DESIGN §1 and §3 answered by one function, for people and for an
organization acting by itself (what an API key will be)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from apps.access import policy
from apps.accounts.models import User
from apps.accounts.tests.factories import make_student
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.issued_badges.models import IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue


def _pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def test_an_organization_actor_administers_its_tree_and_sees_only_its_records(world):
    actor = policy.OrganizationActor(world.alpha.org.pk, name="Alpha key")
    alpha, beta = world.alpha, world.beta
    assert policy.administered_organization_ids(actor) == {alpha.org.pk, alpha.child.pk}
    assert _pks(Badge.objects.visible_to(actor)) == {alpha.badge.pk, alpha.child_badge.pk}
    assert _pks(IssuedBadge.objects.visible_to(actor)) == {alpha.issued.pk, alpha.child_issued.pk}
    assert _pks(Classroom.objects.visible_to(actor)) == {alpha.classroom.pk, alpha.child_classroom.pk}
    assert beta.student.pk in _pks(User.objects.visible_to(actor))  # attends Alpha's class
    assert beta.child_student.pk not in _pks(User.objects.visible_to(actor))
    assert policy.person_of(actor) is None and not policy.instructed_students(actor)


def test_an_organization_actor_issues_through_the_door_to_the_people_it_may_reach(world):
    actor = policy.OrganizationActor(world.alpha.org.pk)
    badge = world.alpha.badge
    report = badges_issue(
        IssueRequest(
            badge_ids=[badge.pk], recipient_ids=[world.alpha.child_student.pk, world.beta.child_student.pk],
            actor=actor, source=Source.API, organization=world.alpha.org, idempotency_key="k1",
        )
    )  # fmt: skip
    codes = {o.recipient_id: o.code for o in report.outcomes}
    assert codes == {
        world.alpha.child_student.pk: Outcome.ISSUED,
        world.beta.child_student.pk: Outcome.RECIPIENT_NOT_FOUND,
    }
    assert report.batch.created_by is None
    again = badges_issue(
        IssueRequest(
            badge_ids=[badge.pk], recipient_ids=[world.alpha.child_student.pk, world.beta.child_student.pk],
            actor=actor, source=Source.API, organization=world.alpha.org, idempotency_key="k1",
        )
    )  # fmt: skip
    assert again.replayed and again.batch == report.batch


def test_a_username_list_reaches_only_the_people_of_the_badges_organization_tree(world):
    """The door asks the policy too: naming someone outside the organization is "not found", as a typo is."""
    outsider = make_student(world.beta.org, username="beta-only")
    report = badges_issue(
        IssueRequest(
            badge_ids=[world.alpha.badge.pk], recipient_ids=[outsider.pk, world.beta.student.pk],
            actor=world.alpha.admin, source=Source.USERNAMES, organization=world.alpha.org,
        )
    )  # fmt: skip
    codes = {o.recipient_id: o.code for o in report.outcomes}
    assert codes == {outsider.pk: Outcome.RECIPIENT_NOT_FOUND, world.beta.student.pk: Outcome.ISSUED}
    assert not IssuedBadge.objects.filter(recipient=outsider).exists()


def test_reachable_people_are_the_organization_trees_people_for_its_administrators_only(world):
    alpha, beta = world.alpha, world.beta
    reached = _pks(policy.reachable_people(alpha.admin, alpha.org.pk))
    assert {alpha.student.pk, alpha.child_student.pk, alpha.instructor.pk, beta.student.pk} <= reached
    assert beta.child_student.pk not in reached and beta.admin.pk not in reached
    assert _pks(policy.reachable_people(beta.admin, alpha.org.pk)) == set()
    assert _pks(policy.reachable_people(alpha.instructor, alpha.org.pk)) == set()


@pytest.mark.parametrize(
    ("persona", "permitted", "covers_alpha", "covers_beta"),
    [
        ("alpha_admin", True, True, True),
        ("instructor", True, True, False),  # an organization instructor: their own organization's students
        ("contractor", True, True, True),  # a contract instructor: every enrolled student
        ("beta_admin", False, False, False),
        ("student", False, False, False),
    ],
)
def test_issuer_scope_in_a_class(world, persona, permitted, covers_alpha, covers_beta):
    actor = {
        "alpha_admin": world.alpha.admin,
        "instructor": world.alpha.instructor,
        "contractor": world.contractor,
        "beta_admin": world.beta.admin,
        "student": world.alpha.student,
    }[persona]
    scope = policy.issuer_scope(actor, world.alpha.classroom)
    assert scope.permitted is permitted
    assert scope.covers(world.alpha.org.pk) is covers_alpha
    assert scope.covers(world.beta.org.pk) is covers_beta


def test_instructors_see_their_students_records_of_their_class_organization(world):
    assert policy.instructed_students(world.alpha.instructor) == {world.alpha.org.pk: {world.alpha.student.pk}}
    assert policy.instructed_students(world.contractor) == {
        world.alpha.org.pk: {world.alpha.student.pk, world.beta.student.pk}
    }
    assert world.beta.issued.pk not in _pks(IssuedBadge.objects.visible_to(world.contractor))


def test_administrator_required_refuses_everyone_else_with_a_403(world):
    view = policy.administrator_required("Administrators only")(lambda request: "page")
    request = RequestFactory().get("/")
    for person in (world.alpha.instructor, world.alpha.student, world.outsider):
        request.user = person
        with pytest.raises(PermissionDenied, match="Administrators only"):
            view(request)
    request.user = world.beta.admin
    assert view(request) == "page"


def test_anonymous_and_inactive_actors_see_nothing(world):
    world.alpha.admin.is_active = False
    assert policy.administered_organization_ids(world.alpha.admin) == set()
    assert not Badge.objects.visible_to(world.alpha.admin).exists()
    assert policy.issuer_scope(None, world.alpha.classroom).permitted is False


def test_every_policy_question_answers_an_organization_actor(world):
    actor = policy.OrganizationActor(world.alpha.org.pk)
    assert policy.roles_of(actor).is_admin and not policy.roles_of(actor).is_instructor
    assert not _pks(Classroom.objects.filter(pk__in=policy.taught_classrooms(actor)))
    assert policy.may_see_person_page(actor, world.alpha.student)
    assert policy.issuer_scope(actor, world.alpha.classroom).is_administrator
    assert not policy.issuer_scope(actor, world.beta.classroom).permitted
    assert world.alpha.student.pk in _pks(policy.home_people(actor))
    assert world.beta.student.pk not in _pks(policy.home_people(actor))


def test_an_instructors_view_of_issued_badges_costs_the_same_queries_however_many_organizations(world):
    """One query for their students, one for the organization tree, one for the trees' badges."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.classes.tests.factories import ClassInstructorFactory, ClassroomFactory, EnrollmentFactory
    from apps.organizations.tests.factories import OrganizationFactory

    def queries() -> int:
        contractor = User.objects.get(pk=world.contractor.pk)  # nothing cached
        with CaptureQueriesContext(connection) as captured:
            list(IssuedBadge.objects.visible_to(contractor))
        return len(captured.captured_queries)

    one = queries()
    for number in range(5):
        organization = OrganizationFactory(name=f"Taught {number}", slug=f"taught-{number}")
        classroom = ClassroomFactory(organization=organization, course=world.alpha.course)
        ClassInstructorFactory(classroom=classroom, instructor=world.contractor)
        EnrollmentFactory(classroom=classroom, student=make_student(organization, username=f"taught-{number}"))
    assert queries() == one
