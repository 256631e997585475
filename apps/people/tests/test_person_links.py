"""A student's name links to their page wherever it appears: the User profile for administrators, the
Achievements/Badges page for instructors (and for the person themselves), no link for anyone else."""

import re

import pytest
from django.urls import reverse

from apps.activity.tests.factories import ActivityRecordFactory
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _linked(html: str, name: str) -> set[str]:
    """Where the links named ``name`` lead."""
    return set(re.findall(rf'<a href="([^"]+)"[^>]*>{re.escape(name)}</a>', html))


@pytest.fixture
def pages(world):
    alpha = world.alpha
    IssuedBadgeFactory(badge=alpha.child_badge, recipient=alpha.student, issued_by=alpha.instructor,
                       classroom=alpha.classroom)  # fmt: skip
    ActivityRecordFactory(user=alpha.student, course=alpha.course)
    return {
        "find": reverse("issued_badges:find"),
        "roster": reverse("classes:roster", args=[alpha.classroom.pk]),
        "roster_row": reverse("classes:roster_row", args=[alpha.classroom.pk, alpha.student.pk]),
        "badge": reverse("badges:detail", args=[alpha.badge.pk]),
        "issued": reverse("issued_badges:detail", args=[alpha.issued.pk]),
        "assignments": reverse("assignments:list"),
        "assignment": reverse("assignments:detail", args=[alpha.assignment.pk]),
        "activity": reverse("activity:list"),
        "people": reverse("people:list") + "?q=alpha-student",
    }


def test_administrators_reach_the_profile_from_every_page_naming_a_student(world, pages, client):
    student = world.alpha.student
    profile = reverse("people:profile", args=[student.pk])
    client.force_login(world.alpha.admin)
    for page, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        assert _linked(response.content.decode(), student.display_name) == {profile}, page
    assert client.get(profile).status_code == 200


def test_instructors_reach_the_achievements_page_and_students_their_own(world, pages, client):
    student = world.alpha.student
    badges_page = reverse("people:user_badges", args=[student.pk])
    client.force_login(world.alpha.instructor)
    for page in ("find", "roster", "roster_row", "issued", "people"):
        html = client.get(pages[page]).content.decode()
        assert _linked(html, student.display_name) == {badges_page}, page
    assert client.get(badges_page).status_code == 200
    client.force_login(student)
    assert _linked(client.get(pages["issued"]).content.decode(), student.display_name) == {badges_page}


def test_the_badges_recipients_still_lead_to_each_issued_badge(world, pages, client):
    client.force_login(world.alpha.admin)
    html = client.get(pages["badge"]).content.decode()
    assert f'href="{pages["issued"]}"' in html
