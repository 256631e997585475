"""Organization scoping: no QuerySet ever returns another organization's rows."""

import pytest

from apps.access.policy import administered_organization_ids
from apps.accounts.models import Membership, User
from apps.accounts.tests.factories import UserFactory
from apps.achievements.models import Achievement
from apps.activity.models import ActivityRecord
from apps.assignments.models import CourseAssignment
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.courses.models import Course, Lab, LearningPath
from apps.issued_badges.models import IssuedBadge
from apps.organizations.models import Organization

# model, the world attribute of the organization's own object, of its child organization's object (if any)
CASES = [
    pytest.param(Course, "course", "child_course", id="course"),
    pytest.param(Lab, "lab", None, id="lab"),
    pytest.param(LearningPath, "path", None, id="learning_path"),
    pytest.param(Classroom, "classroom", "child_classroom", id="classroom"),
    pytest.param(CourseAssignment, "assignment", None, id="course_assignment"),
    pytest.param(Badge, "badge", "child_badge", id="badge"),
    pytest.param(Achievement, "achievement", None, id="achievement"),
    pytest.param(ActivityRecord, "activity", None, id="activity_record"),
    pytest.param(IssuedBadge, "issued", "child_issued", id="issued_badge"),
]


def _pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def _expected(side, own: str, child: str | None) -> set[int]:
    return {getattr(side, own).pk} | ({getattr(side, child).pk} if child else set())


@pytest.mark.parametrize(("model", "own", "child"), CASES)
def test_administrator_sees_their_organization_and_its_children_only(world, model, own, child):
    for mine, theirs in ((world.alpha, world.beta), (world.beta, world.alpha)):
        visible = _pks(model.objects.visible_to(mine.admin))
        assert visible == _expected(mine, own, child)
        assert not visible & _expected(theirs, own, child)


@pytest.mark.parametrize(("model", "own", "child"), CASES)
def test_platform_admin_sees_everything_and_an_outsider_nothing(world, model, own, child):
    everything = _expected(world.alpha, own, child) | _expected(world.beta, own, child)
    assert _pks(model.objects.visible_to(world.platform_admin)) == everything
    assert _pks(model.objects.visible_to(world.outsider)) == set()


@pytest.mark.parametrize(("model", "own", "child"), [c for c in CASES if c.values[0] is not ActivityRecord])
def test_for_organization_includes_children_only_when_asked(world, model, own, child):
    org = world.alpha.org
    assert _pks(model.objects.for_organization(org)) == {getattr(world.alpha, own).pk}
    assert _pks(model.objects.for_organization(org, include_children=True)) == _expected(world.alpha, own, child)


def test_administrator_role_without_the_issue_badge_permission_administers_nothing(world):
    user = UserFactory(organization=world.alpha.org)
    Membership.objects.create(user=user, organization=world.alpha.org, role=Membership.Role.ADMINISTRATOR)
    assert administered_organization_ids(user) == set()
    assert not Badge.objects.visible_to(user).exists()


def test_organizations_visible_to_an_administrator(world):
    alpha = world.alpha
    assert _pks(Organization.objects.visible_to(alpha.admin)) == {alpha.org.pk, alpha.child.pk}
    assert _pks(Organization.objects.administered_by(alpha.admin)) == {alpha.org.pk, alpha.child.pk}
    assert _pks(Organization.objects.visible_to(alpha.student)) == {alpha.org.pk}
    assert _pks(Organization.objects.visible_to(world.outsider)) == set()


def test_instructor_sees_the_classes_they_teach_and_their_students(world):
    alpha = world.alpha
    assert _pks(Classroom.objects.visible_to(alpha.instructor)) == {alpha.classroom.pk}
    assert _pks(Classroom.objects.visible_to(world.beta.instructor)) == {world.beta.classroom.pk}
    students = _pks(User.objects.visible_to(alpha.instructor))
    assert students == {alpha.instructor.pk, alpha.student.pk, world.beta.student.pk}
    assert _pks(Classroom.objects.visible_to(world.contractor)) == {alpha.classroom.pk}
    assert _pks(Badge.objects.visible_to(world.contractor)) == {alpha.badge.pk}


def test_student_sees_their_own_class_assignment_and_badges(world):
    alpha = world.alpha
    assert _pks(Classroom.objects.visible_to(alpha.student)) == {alpha.classroom.pk}
    assert _pks(CourseAssignment.objects.visible_to(alpha.student)) == {alpha.assignment.pk}
    assert _pks(IssuedBadge.objects.visible_to(alpha.student)) == {alpha.issued.pk}
    assert _pks(Badge.objects.visible_to(alpha.student)) == {alpha.badge.pk}
    assert _pks(Achievement.objects.visible_to(alpha.student)) == set()


def test_users_visible_to_an_administrator_never_include_another_organizations(world):
    visible = _pks(User.objects.visible_to(world.alpha.admin))
    alpha_people = {
        world.alpha.admin.pk,
        world.alpha.student.pk,
        world.alpha.child_student.pk,
        world.alpha.instructor.pk,
        world.beta.student.pk,  # enrolled in Alpha's class
    }
    assert visible == alpha_people
    assert world.beta.admin.pk not in visible and world.beta.child_student.pk not in visible
