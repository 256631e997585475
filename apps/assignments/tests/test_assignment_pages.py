"""Course assignments: list, create, and Issue a Badge from the quick access bar (administrators only)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.assignments.models import CourseAssignment
from apps.assignments.tests.factories import CourseAssignmentFactory
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_shows_the_administrators_assignments_with_search_and_status(world, client):
    past = timezone.now() - timezone.timedelta(days=200)
    expired = CourseAssignmentFactory(
        organization=world.alpha.org,
        course=world.alpha.course,
        starts_at=past,
        expires_at=past + timezone.timedelta(days=30),
    )
    client.force_login(world.alpha.admin)
    url = reverse("assignments:list")
    assert {a.pk for a in client.get(url).context["page"].object_list} == {world.alpha.assignment.pk, expired.pk}
    assert [a.pk for a in client.get(url, {"status": "expired"}).context["page"].object_list] == [expired.pk]
    assert [a.pk for a in client.get(url, {"status": "active"}).context["page"].object_list] == [
        world.alpha.assignment.pk
    ]
    found = client.get(url, {"q": world.alpha.student.username, "status": "active"}).context["page"].object_list
    assert [a.pk for a in found] == [world.alpha.assignment.pk]
    assert world.beta.student.username not in client.get(url).content.decode()


def test_only_administrators_reach_assignments(world, client):
    for user in (world.alpha.instructor, world.alpha.student):
        client.force_login(user)
        assert client.get(reverse("assignments:list")).status_code == 403
        assert client.get(reverse("assignments:detail", args=[world.alpha.assignment.pk])).status_code == 404
    client.force_login(world.beta.admin)
    assert client.get(reverse("assignments:detail", args=[world.alpha.assignment.pk])).status_code == 404


def test_the_assignment_page_has_issue_a_badge_in_its_quick_access_bar(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(reverse("assignments:detail", args=[world.alpha.assignment.pk])).content.decode()
    assert 'aria-label="Quick access"' in html and "Issue a Badge" in html
    assert world.alpha.course.title in html and world.alpha.student.username in html


def test_issue_a_badge_goes_to_the_assignments_student_through_the_door(world, client):
    badge = BadgeFactory(organization=world.alpha.org, name="Self Starter")
    client.force_login(world.alpha.admin)
    pk = world.alpha.assignment.pk
    dialog = client.get(reverse("assignments:choose_badge", args=[pk]), **HTMX)
    assert "Self Starter" in dialog.content.decode() and world.beta.badge.name not in dialog.content.decode()
    response = client.post(
        reverse("assignments:issue", args=[pk]), {"badge": badge.pk, "student": world.alpha.student.pk}, **HTMX
    )
    assert "Successfully Issued Badge" in response.content.decode()
    issued = IssuedBadge.objects.get(badge=badge)
    assert (issued.recipient, issued.source, issued.course_assignment_id) == (world.alpha.student, "assignment", pk)
    again = client.post(
        reverse("assignments:issue", args=[pk]), {"badge": badge.pk, "student": world.alpha.student.pk}, **HTMX
    )
    assert "has already earned Self Starter" in again.content.decode()
    other = client.post(
        reverse("assignments:issue", args=[pk]), {"badge": badge.pk, "student": world.beta.student.pk}, **HTMX
    )
    assert f"Student #{world.beta.student.pk} is not the student of this course assignment." in other.content.decode()
    assert IssuedBadge.objects.filter(badge=badge).count() == 1


def test_an_instructor_cannot_issue_from_an_assignment(world, client):
    badge = BadgeFactory(organization=world.alpha.org)
    client.force_login(world.alpha.instructor)
    url = reverse("assignments:issue", args=[world.alpha.assignment.pk])
    assert client.post(url, {"badge": badge.pk, "student": world.alpha.student.pk}, **HTMX).status_code == 404
    assert not IssuedBadge.objects.filter(badge=badge).exists()


def test_an_administrator_creates_an_assignment(world, client):
    student = make_student(world.alpha.child, username="new-learner")
    client.force_login(world.alpha.admin)
    response = client.post(
        reverse("assignments:create"), {"course": world.alpha.child_course.pk, "student": "NEW-learner", "days": 30}
    )
    assignment = CourseAssignment.objects.get(student=student)
    assert response["Location"] == reverse("assignments:detail", args=[assignment.pk])
    assert assignment.organization == world.alpha.child and assignment.created_by == world.alpha.admin
    assert (assignment.expires_at - assignment.starts_at).days == 30


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"student": "nobody-here"}, "No student “nobody-here” in your organizations."),
        ({"student": "beta-labs-student"}, "No student “beta-labs-student” in your organizations."),
        ({"course": "beta"}, "Select a valid choice"),
        ({"days": 0}, "Ensure this value is greater than or equal to 1."),
        ({"days": "soon"}, "Enter a whole number."),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(world, client, changes, message):
    client.force_login(world.alpha.admin)
    data = {"course": world.alpha.course.pk, "student": world.alpha.student.username, "days": 30, **changes}
    if data["course"] == "beta":
        data["course"] = world.beta.course.pk
    before = CourseAssignment.objects.count()
    response = client.post(reverse("assignments:create"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert CourseAssignment.objects.count() == before


def test_a_student_of_another_organization_enrolled_in_its_class_may_be_assigned(world, client):
    """The people an administrator may reach (the access policy): at home, with a role, or enrolled in one of
    the organization's classes — beta.student attends Alpha's class."""
    client.force_login(world.alpha.admin)
    data = {"course": world.alpha.course.pk, "student": world.beta.student.username.upper(), "days": 30}
    response = client.post(reverse("assignments:create"), data)
    assignment = CourseAssignment.objects.latest("pk")
    assert response.status_code == 302 and assignment.student == world.beta.student
    assert assignment.organization == world.alpha.org


def _listed(response) -> list[int]:
    return [a.pk for a in response.context["page"].object_list]


def test_the_organization_filter_narrows_the_list(world, client):
    child = CourseAssignmentFactory(
        organization=world.alpha.child, course=world.alpha.child_course, student=world.alpha.child_student
    )
    client.force_login(world.alpha.admin)
    url = reverse("assignments:list")
    assert _listed(client.get(url, {"organization": world.alpha.child.pk})) == [child.pk]
    assert _listed(client.get(url, {"organization": world.alpha.org.pk})) == [world.alpha.assignment.pk]
    code = world.alpha.child_course.code
    assert _listed(client.get(url, {"q": f"{world.alpha.child_student.username} {code}"})) == [child.pk]


def test_the_dropdowns_list_only_administered_organizations(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("assignments:list"))
    form = response.context["filter"].form
    assert {value for value, _ in form.fields["organization"].choices if value != ""} == {
        world.alpha.org.pk,
        world.alpha.child.pk,
    }
    assert [label for _, label in form.fields["status"].choices] == ["All", "Active", "Expired"]
    html = response.content.decode()
    assert "Beta Learning" not in html and 'aria-label="Filter course assignments"' in html
    assert 'for="id_q">Student or course</label>' in html and 'for="id_status">Status</label>' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "someday"}, "Status: “someday” is not one of the choices."),
        ({"organization": "beta"}, "Organization: “beta-id” is not one of the choices."),
        ({"q": "x" * 101}, "Student or course: Ensure this value has at most 100 characters"),
    ],
)
def test_a_bad_filter_value_shows_its_error_and_no_rows(world, client, params, message):
    if params.get("organization") == "beta":
        params = {"organization": world.beta.org.pk}
        message = message.replace("beta-id", str(world.beta.org.pk))
    client.force_login(world.alpha.admin)
    response = client.get(reverse("assignments:list"), params)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert _listed(response) == [] and "Nothing is listed until the filters above are corrected." in html


def test_the_list_runs_the_same_number_of_queries_with_few_and_many_assignments(
    world, client, django_assert_num_queries
):
    client.force_login(world.alpha.admin)
    # session, user (with organization), administered organizations, organization tree, the filter bar's
    # Organization choices, count, rows (course, student and organization joined), navigation roles
    expected = 8
    with django_assert_num_queries(expected):
        assert len(client.get(reverse("assignments:list")).context["page"].object_list) == 1
    for _ in range(30):
        CourseAssignmentFactory(
            organization=world.alpha.org, course=world.alpha.course, student=make_student(world.alpha.org)
        )
    with django_assert_num_queries(expected):
        assert len(client.get(reverse("assignments:list")).context["page"].object_list) == 25


def test_a_second_active_assignment_of_the_same_course_is_refused_and_writes_nothing(world, client):
    client.force_login(world.alpha.admin)
    data = {"course": world.alpha.course.pk, "student": world.alpha.student.username, "days": 30}
    before = CourseAssignment.objects.count()  # world.alpha.assignment: this course, this student, active
    response = client.post(reverse("assignments:create"), data)
    assert response.status_code == 200 and CourseAssignment.objects.count() == before
    assert (
        f"{world.alpha.student.display_name} already has “{world.alpha.course.title}” until"
        in response.content.decode()
    )


def test_staff_are_not_accepted_as_the_student(world, client):
    client.force_login(world.alpha.admin)
    for staff in (world.alpha.instructor, world.contractor, world.alpha.admin):
        data = {"course": world.alpha.course.pk, "student": staff.username, "days": 30}
        before = CourseAssignment.objects.count()
        html = client.post(reverse("assignments:create"), data).content.decode()
        assert CourseAssignment.objects.count() == before, staff.username
        assert "course assignments are for students" in html or "No student" in html, staff.username
