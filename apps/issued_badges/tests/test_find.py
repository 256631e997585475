"""Find Issued Badges: each filter, dropdowns scoped to the viewer, sorting, errors, CSV, constant queries."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.issued_badges.tests.factories import IssuedBadgeFactory

URL = "/issued-badges/"


def _pks(response) -> set[int]:
    return {row["id"] for row in response.context["page"].object_list}


@pytest.fixture
def issued(world):
    """Alpha's badges issued by hand (roster), by the evaluator and from the assignment, at known dates."""
    alpha = world.alpha
    roster = badges_issue(
        IssueRequest(
            badge_ids=[BadgeFactory(organization=alpha.org, name="Roster Badge").pk],
            recipient_ids=[alpha.student.pk, world.beta.student.pk],
            actor=alpha.instructor,
            source=Source.ROSTER,
            classroom=alpha.classroom,
        )
    )
    assignment = badges_issue(
        IssueRequest(
            badge_ids=[BadgeFactory(organization=alpha.org, name="Assignment Badge").pk],
            recipient_ids=[alpha.student.pk],
            actor=alpha.admin,
            source=Source.ASSIGNMENT,
            course_assignment=alpha.assignment,
        )
    )
    old = IssuedBadgeFactory(
        badge=BadgeFactory(organization=alpha.org, name="Old Badge"),
        recipient=alpha.student,
        issued_at=timezone.now() - timedelta(days=400),
        source=Source.ACHIEVEMENT,
        achievement=alpha.achievement,
        revoked_at=timezone.now(),
        revocation_reason="Expired",
    )
    rows = IssuedBadge.objects.filter(batch__in=[roster.batch, assignment.batch])
    return {
        "roster": set(rows.filter(source="roster").values_list("pk", flat=True)),
        "assignment": set(rows.filter(source="assignment").values_list("pk", flat=True)),
        "old": old,
    }


def test_an_administrator_sees_their_organizations_badges_only(world, client, issued):
    client.force_login(world.alpha.admin)
    visible = _pks(client.get(URL))
    assert visible == {
        world.alpha.issued.pk,
        world.alpha.child_issued.pk,
        *issued["roster"],
        *issued["assignment"],
        issued["old"].pk,
    }
    assert world.beta.issued.pk not in visible
    assert client.get(URL).context["page"].paginator.count == 5  # beta.student is outside the instructor's scope


def test_an_instructor_sees_what_they_issued_and_their_organizations_badges_of_their_students(world, client, issued):
    """An organization instructor of Alpha's class: Alpha's badges held by the students they may issue to
    (Alpha's own), and what they issued — never Beta's badges, although a Beta student attends the class."""
    client.force_login(world.alpha.instructor)
    visible = _pks(client.get(URL))
    alphas = IssuedBadge.objects.filter(
        recipient=world.alpha.student, badge__organization__in=[world.alpha.org, world.alpha.child]
    )
    assert visible == set(alphas.values_list("pk", flat=True)) | issued["roster"]
    assert world.beta.issued.pk not in visible and world.alpha.child_issued.pk not in visible
    assert client.get(f"/issued-badges/{world.beta.issued.pk}/").status_code == 404
    assert b"Beta" not in client.get("/issued-badges/export.csv").getvalue()


def test_a_contract_instructor_sees_the_class_organizations_badges_of_every_student(world, client, issued):
    client.force_login(world.contractor)
    visible = _pks(client.get(URL))
    students = [world.alpha.student, world.beta.student]
    alphas = IssuedBadge.objects.filter(
        recipient__in=students, badge__organization__in=[world.alpha.org, world.alpha.child]
    )
    assert visible == set(alphas.values_list("pk", flat=True))
    assert world.beta.issued.pk not in visible  # their home organization's badge: they do not administer it


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"student": "alpha-stu"}, "alpha_student"),
        ({"student": "ALPHA-student@example"}, "alpha_student"),
        ({"source": "assignment"}, "assignment"),
        ({"source": "roster"}, "roster_alpha"),
        ({"status": "revoked"}, "old"),
        ({"issued_to": "2000-01-01"}, "none"),
    ],
)
def test_each_filter_narrows_the_list(world, client, issued, params, expected):
    client.force_login(world.alpha.admin)
    alpha_student = set(IssuedBadge.objects.filter(recipient=world.alpha.student).values_list("pk", flat=True))
    roster_alpha = issued["roster"] | {world.alpha.issued.pk, world.alpha.child_issued.pk}
    wanted = {
        "alpha_student": alpha_student,
        "assignment": issued["assignment"],
        "roster_alpha": roster_alpha,
        "old": {issued["old"].pk},
        "none": set(),
    }[expected]
    assert _pks(client.get(URL, params)) == wanted


def test_student_names_match_word_by_word(world, client, issued):
    student = world.alpha.student
    client.force_login(world.alpha.admin)
    both = f"{student.first_name[:3]} {student.last_name[:3]}"
    assert _pks(client.get(URL, {"student": both})) == set(
        IssuedBadge.objects.filter(recipient=student).values_list("pk", flat=True)
    )


def test_badge_organization_class_assignment_issuer_and_dates(world, client, issued):
    client.force_login(world.alpha.admin)
    assert _pks(client.get(URL, {"badge": world.alpha.badge.pk})) == {world.alpha.issued.pk}
    assert _pks(client.get(URL, {"organization": world.alpha.child.pk})) == {world.alpha.child_issued.pk}
    assert _pks(client.get(URL, {"classroom": world.alpha.classroom.pk})) == issued["roster"]
    assert _pks(client.get(URL, {"course_assignment": world.alpha.assignment.pk})) == issued["assignment"]
    assert _pks(client.get(URL, {"issued_by": world.alpha.instructor.pk})) == issued["roster"]
    long_ago = (timezone.now() - timedelta(days=400)).date().isoformat()
    assert _pks(client.get(URL, {"issued_from": long_ago, "issued_to": long_ago})) == {issued["old"].pk}


def test_every_dropdown_lists_only_what_the_viewer_may_see(world, client, issued):
    client.force_login(world.alpha.admin)
    form = client.get(URL).context["filter"].form

    def listed(name):
        return {value for value, _ in form.fields[name].choices if value != ""}

    badges = {label for _, label in form.fields["badge"].choices}
    assert "Beta Learning Star" not in badges and "Alpha Academy Star" in badges
    assert listed("organization") == {world.alpha.org.pk, world.alpha.child.pk}
    assert world.alpha.classroom.pk in listed("classroom") and world.beta.classroom.pk not in listed("classroom")
    assert listed("course_assignment") == {world.alpha.assignment.pk}
    issuers = listed("issued_by")
    assert (
        world.alpha.instructor.pk in issuers
        and world.beta.admin.pk not in issuers
        and world.beta.instructor.pk not in issuers
    )


def test_bad_filter_values_show_errors_never_a_500(world, client, issued):
    client.force_login(world.alpha.admin)
    for params, message in [
        ({"badge": world.beta.badge.pk}, f"Badge: “{world.beta.badge.pk}” is not one of the choices."),
        ({"badge": "abc"}, "Badge: “abc” is not one of the choices."),
        ({"issued_from": "not-a-date"}, "Issued from: “not-a-date” is not a date (e.g. 2026-03-01)."),
        ({"issued_from": "2026-05-02", "issued_to": "2026-05-01"}, "must be on or after"),
        ({"source": "smoke-signals"}, "Source: “smoke-signals” is not one of the choices."),
        ({"sort": "password"}, "Sort by: “password” is not a column to sort by."),
    ]:
        response = client.get(URL, params)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert _pks(response) == set()


def test_sorting_by_a_column(world, client, issued):
    client.force_login(world.alpha.admin)
    names = [row["badge_name"] for row in client.get(URL, {"sort": "badge"}).context["page"].object_list]
    assert names == sorted(names)
    dates = [row["issued_at"] for row in client.get(URL, {"sort": "-issued"}).context["page"].object_list]
    assert dates == sorted(dates, reverse=True)


def test_export_csv_has_the_whole_filtered_set(world, client, issued):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("issued_badges:export"), {"student": world.alpha.student.username})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["badge"] for row in rows} == {"Alpha Academy Star", "Roster Badge", "Assignment Badge", "Old Badge"}
    assert {row["username"] for row in rows} == {world.alpha.student.username}
    old = next(row for row in rows if row["badge"] == "Old Badge")
    assert (old["status"], old["revocation_reason"], old["source"]) == ("revoked", "Expired", "achievement")


def test_students_cannot_use_it(world, client):
    client.force_login(world.alpha.student)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("issued_badges:export")).status_code == 403


def test_it_runs_the_same_number_of_queries_with_5_and_500_rows(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    for _ in range(2):
        IssuedBadgeFactory(badge=world.alpha.badge, recipient=make_student(world.alpha.org))
    badges_issue(  # an issuance through the door: its batch names who issued, for the "Issued by" choices
        IssueRequest(
            actor=world.alpha.admin, source=Source.USERNAMES, organization=world.alpha.org,
            badge_ids=[world.alpha.badge.pk], recipient_ids=[make_student(world.alpha.org).pk],
        )
    )  # fmt: skip
    # session, user, administered organizations, organization tree, visible badge ids, students taught,
    # count, page ids, page rows, dropdowns (what the viewer's rows and batches name, badges with their
    # organizations, classes, assignments, issuers), navigation roles
    expected = 15
    with django_assert_num_queries(expected):
        assert len(client.get(URL).context["page"].object_list) == 5
    for _ in range(495):
        IssuedBadgeFactory(
            badge=world.alpha.badge, recipient=make_student(world.alpha.org), issued_by=world.alpha.admin
        )
    with django_assert_num_queries(expected):
        assert len(client.get(URL).context["page"].object_list) == 50


def test_past_the_count_cap_it_says_so_and_sorts_by_date_only(world, client, issued, monkeypatch):
    monkeypatch.setattr("apps.core.pagination.CappedPaginator.cap", 3)
    client.force_login(world.alpha.admin)
    response = client.get(URL, {"sort": "badge"})
    html = response.content.decode()
    assert "3+ issued badges" in html
    assert "they are sorted by date" in html
    dates = [row["issued_at"] for row in response.context["page"].object_list]
    assert dates == sorted(dates, reverse=True)
    assert "sorted by date" not in client.get(URL, {"sort": "badge", "source": "assignment"}).content.decode()


def test_the_filter_bar_labels_every_control_and_keeps_the_sort(world, client, issued):
    client.force_login(world.alpha.admin)
    html = client.get(URL, {"sort": "-badge", "source": "roster"}).content.decode()
    start = html.index('aria-label="Filter issued badges"')
    bar = html[start : html.index("</form>", start)]
    labels = ["Student", "Badge", "Organization", "Class", "Course assignment", "Source", "Issued by",
              "Issued from", "Issued to", "Status"]  # fmt: skip
    for name, label in zip(
        ["student", "badge", "organization", "classroom", "course_assignment", "source", "issued_by",
         "issued_from", "issued_to", "status"],
        labels,
        strict=True,
    ):  # fmt: skip
        assert f'<label class="form-label small mb-1" for="id_{name}">{label}</label>' in bar
    assert '<input type="hidden" name="sort" value="-badge">' in bar and "Sort by" not in bar
    assert '<option value="roster" selected>Roster</option>' in bar
    assert 'type="date" name="issued_from"' in bar and 'placeholder="Name, username or e-mail"' in bar
    assert ">Clear</a>" in bar and "</i>Filter</button>" in bar
    assert ">Clear</a>" not in client.get(URL).content.decode()


def test_another_organizations_id_in_a_dropdown_is_refused_by_name(world, client, issued):
    client.force_login(world.alpha.admin)
    for name, value in [
        ("organization", world.beta.org.pk),
        ("classroom", world.beta.classroom.pk),
        ("course_assignment", world.beta.assignment.pk),
        ("issued_by", world.beta.admin.pk),
    ]:
        response = client.get(URL, {name: value})
        html = response.content.decode()
        message = f"“{value}” is not one of the choices."
        assert response.status_code == 200 and message in html and _pks(response) == set()
        assert "Beta Learning" not in html and world.beta.classroom.title not in html


def test_the_sorted_column_header_says_so_to_assistive_technology(world, client):
    """aria-sort belongs on the column header (a link cannot carry it); the phone's "Sort by" links carry none."""
    client.force_login(world.alpha.admin)
    html = client.get(URL, {"sort": "-badge"}).content.decode()
    headers = re.findall(r'<th [^>]*aria-sort="(\w+)"[^>]*>.*?>(\w[\w ]*)<', html)
    assert [(order, label.strip()) for order, label in headers] == [("descending", "Badge")]
    assert not re.search(r"<a [^>]*aria-sort", html)
