"""The Roster, its Issue a Badge buttons and the Choose Badge dialog."""

import json
import re

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.classes.tests.factories import EnrollmentFactory
from apps.issued_badges.models import IssuedBadge
from apps.issued_badges.tests.factories import IssuedBadgeFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _roster(client, world, **params):
    return client.get(reverse("classes:roster", args=[world.alpha.classroom.pk]), params)


def test_roster_lists_enrolled_students_with_the_badges_they_hold(world, client):
    client.force_login(world.alpha.admin)
    response = _roster(client, world)
    html = response.content.decode()
    students = [e.student for e in response.context["page"].object_list]
    assert set(students) == {world.alpha.student, world.beta.student}
    assert world.alpha.student.email in html and "Beta Learning" in html
    assert "Alpha Academy Star" in html  # held by alpha.student
    assert html.count('aria-label="Issue a Badge to ') == 2
    assert ">Issue Badges<" in html


def test_an_organization_instructor_gets_the_button_only_for_their_organizations_students(world, client):
    client.force_login(world.alpha.instructor)
    html = _roster(client, world).content.decode()
    # Each button is announced with its student (issue 12), its visible tooltip kept.
    assert re.findall(r'aria-label="(Issue a Badge[^"]*)" title="Issue a Badge"', html) == [
        f"Issue a Badge to {world.alpha.student.display_name}"
    ]
    assert "Not a student of your organization" in html
    client.force_login(world.contractor)
    labels = re.findall(r'aria-label="(Issue a Badge[^"]*)"', _roster(client, world).content.decode())
    students = (world.alpha.student, world.beta.student)
    assert sorted(labels) == sorted(f"Issue a Badge to {student.display_name}" for student in students)


@pytest.mark.parametrize("who", ["student", "beta_admin", "beta_instructor", "outsider"])
def test_anyone_who_cannot_issue_in_the_class_gets_a_404(world, client, who):
    user = {"student": world.alpha.student, "beta_admin": world.beta.admin, "beta_instructor": world.beta.instructor,
            "outsider": world.outsider}[who]  # fmt: skip
    client.force_login(user)
    pk, before = world.alpha.classroom.pk, IssuedBadge.objects.count()
    assert _roster(client, world).status_code == 404
    assert (
        client.get(reverse("classes:choose_badge", args=[pk]), {"student": world.alpha.student.pk}).status_code == 404
    )
    assert client.get(reverse("classes:issue_badges", args=[pk])).status_code == 404
    response = client.post(
        reverse("classes:roster_issue", args=[pk]), {"badge": world.alpha.badge.pk, "student": world.alpha.student.pk}
    )
    assert response.status_code == 404
    assert IssuedBadge.objects.count() == before


def test_roster_search_finds_by_name_username_or_email(world, client):
    client.force_login(world.alpha.admin)
    found = _roster(client, world, q=world.beta.student.username).context["page"].object_list
    assert [e.student for e in found] == [world.beta.student]


def test_roster_runs_the_same_number_of_queries_with_5_and_500_students(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    for _ in range(3):
        EnrollmentFactory(classroom=world.alpha.classroom, student=make_student(world.alpha.org))
    # session, user (with organization), classroom, administered organizations, organization tree,
    # count, enrollments, badges held, navigation roles
    expected = 9
    with django_assert_num_queries(expected):
        assert len(_roster(client, world).context["page"].object_list) == 5
    for _ in range(495):
        student = make_student(world.alpha.org)
        EnrollmentFactory(classroom=world.alpha.classroom, student=student)
        IssuedBadgeFactory(badge=world.alpha.badge, recipient=student)
    with django_assert_num_queries(expected):
        assert len(_roster(client, world).context["page"].object_list) == 50


def _dialog(client, world, student):
    return client.get(reverse("classes:choose_badge", args=[world.alpha.classroom.pk]), {"student": student.pk}, **HTMX)


def test_choose_badge_lists_only_active_manually_issuable_badges_of_the_class_organization(world, client):
    org = world.alpha.org
    BadgeFactory(organization=org, name="Manual On")
    BadgeFactory(organization=org, name="Manual Off", manual_issuance_enabled=False)
    BadgeFactory(organization=org, name="Retired", is_active=False)
    client.force_login(world.alpha.admin)
    response = _dialog(client, world, world.beta.student)
    assert [b.name for b in response.context["badges"]] == ["Alpha Academy Star", "Manual On"]
    html = response.content.decode()
    assert html.count(">Select a Badge<") == 2 and "Beta Learning Star" not in html
    assert 'data-filter-list="#choose-badge-list"' in html


def test_choose_badge_marks_what_the_student_already_holds(world, client):
    client.force_login(world.alpha.admin)
    html = _dialog(client, world, world.alpha.student).content.decode()
    assert "Already earned" in html and ">Select a Badge<" not in html


def test_choose_badge_for_a_student_outside_the_instructors_scope_says_so(world, client):
    client.force_login(world.alpha.instructor)
    response = _dialog(client, world, world.beta.student)
    assert "cannot receive badges here" in response.content.decode()


def _select(client, world, badge, student, **extra):
    url = reverse("classes:roster_issue", args=[world.alpha.classroom.pk])
    return client.post(url, {"badge": badge.pk, "student": student.pk}, **{**HTMX, **extra})


def test_select_a_badge_issues_it_and_says_successfully_issued_badge(world, client):
    badge = BadgeFactory(organization=world.alpha.org)
    client.force_login(world.alpha.instructor)
    response = _select(client, world, badge, world.alpha.student)
    assert "Successfully Issued Badge" in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"badgeIssued": {"recipient": world.alpha.student.pk}}
    issued = IssuedBadge.objects.get(badge=badge, recipient=world.alpha.student)
    assert (issued.source, issued.classroom, issued.issued_by) == (
        "roster",
        world.alpha.classroom,
        world.alpha.instructor,
    )
    row = client.get(reverse("classes:roster_row", args=[world.alpha.classroom.pk, world.alpha.student.pk]))
    assert badge.name in row.content.decode()


def test_a_failure_shows_its_reason_in_the_dialog_and_writes_nothing(world, client):
    client.force_login(world.alpha.admin)
    cases = [
        (world.alpha.badge, world.alpha.student, "has already earned"),
        (world.beta.badge, world.alpha.student, "does not belong to the organization of this class"),
        (BadgeFactory(organization=world.alpha.org, manual_issuance_enabled=False), world.alpha.student,
         "is not enabled for manual issuance"),
        (BadgeFactory(organization=world.alpha.org), world.alpha.child_student, "is not enrolled in this class"),
    ]  # fmt: skip
    before = IssuedBadge.objects.count()
    for badge, student, reason in cases:
        response = _select(client, world, badge, student)
        assert response.status_code == 200
        assert reason in response.content.decode()
        assert "HX-Trigger" not in response
    assert IssuedBadge.objects.count() == before


def test_tampered_or_missing_ids_get_a_clear_answer_never_a_500(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("classes:roster_issue", args=[world.alpha.classroom.pk])
    assert client.post(url, {"badge": "x", "student": "1"}, **HTMX).status_code == 400
    response = client.post(url, {"badge": 999999, "student": world.alpha.student.pk}, **HTMX)
    assert "does not exist" in response.content.decode()


def test_without_javascript_the_result_comes_back_as_a_message_on_the_roster(world, client):
    badge = BadgeFactory(organization=world.alpha.org)
    client.force_login(world.alpha.admin)
    url = reverse("classes:roster_issue", args=[world.alpha.classroom.pk])
    response = client.post(url, {"badge": badge.pk, "student": world.alpha.student.pk}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("classes:roster", args=[world.alpha.classroom.pk])
    assert f"{badge.name} was issued to" in response.content.decode()


def test_roster_search_narrows_word_by_word(world, client):
    student = make_student(world.alpha.org, first_name="Zebulon", last_name="Quartermaine")
    EnrollmentFactory(classroom=world.alpha.classroom, student=student)
    client.force_login(world.alpha.admin)
    assert [e.student for e in _roster(client, world, q="zeb QUART").context["page"].object_list] == [student]
    html = _roster(client, world, q="nobody by that name").content.decode()
    assert "No student matches “nobody by that name”." in html


def test_the_roster_bar_has_no_dropdown_to_leak_another_organization(world, client):
    """The roster lists the class's students (a Beta student attends Alpha's class); its bar only searches them."""
    client.force_login(world.alpha.admin)
    response = _roster(client, world)
    assert list(response.context["filter"].form.fields) == ["q"]
    html = response.content.decode()
    assert 'aria-label="Filter the roster"' in html and 'for="id_q">Search students</label>' in html


def test_a_bad_roster_search_shows_its_error_and_no_rows(world, client):
    client.force_login(world.alpha.admin)
    response = _roster(client, world, q="x" * 101)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Search students: Ensure this value has at most 100 characters" in html
    assert list(response.context["page"].object_list) == []
    assert "Nothing is listed until the search above is corrected." in html


def test_an_organization_instructor_sees_held_badges_only_of_the_students_in_their_scope(world, client):
    """Beta's student attends Alpha's class: Alpha's organization instructor sees them on the roster, but not
    the badges they hold (the access policy's rule for issued badges); the contract instructor sees both."""
    from apps.issued_badges.tests.factories import IssuedBadgeFactory

    IssuedBadgeFactory(badge=world.alpha.badge, recipient=world.beta.student)
    url = reverse("classes:roster", args=[world.alpha.classroom.pk])
    for viewer, shown in ((world.alpha.instructor, None), (world.contractor, ["Alpha Academy Star"])):
        client.force_login(viewer)
        rows = {e.student_id: e.badges_held for e in client.get(url).context["page"].object_list}
        held = rows[world.beta.student.pk]
        assert (held if held is None else [badge.name for badge in held]) == shown
