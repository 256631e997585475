"""The home page and the navigation by role."""

import pytest
from django.urls import reverse

from apps.access.policy import roles_of
from apps.classes.tests.factories import ClassroomFactory, EnrollmentFactory
from apps.home.context_processors import NAV_ITEMS, nav_items_for


def _nav_labels(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return [item["label"] for item in response.context["nav_items"]]


def test_roles_are_worked_out_from_memberships_and_classes(world):
    assert roles_of(world.alpha.admin).names == {"admin"}
    assert roles_of(world.alpha.instructor).names == {"instructor"}
    assert roles_of(world.alpha.student).names == {"student"}
    assert roles_of(world.platform_admin).is_admin


def test_navigation_shows_each_role_only_its_pages(world, client):
    assert _nav_labels(client, world.alpha.admin) == [
        "Classes",
        "Course Assignments",
        "Badges",
        "Achievements",
        "Find Issued Badges",
        "People",
        "My Badges",
    ]
    assert _nav_labels(client, world.alpha.instructor) == ["Classes", "Find Issued Badges", "People", "My Badges"]
    assert _nav_labels(client, world.alpha.student) == ["My Badges"]


def test_every_role_gets_the_pages_meant_for_it_once_they_exist(world):
    everything = {item.label for item in NAV_ITEMS}
    roles = roles_of(world.alpha.admin)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("apps.home.context_processors.reverse", lambda name: f"/{name}/")
        assert {i["label"] for i in nav_items_for(roles, "/")} == everything
        student = {i["label"] for i in nav_items_for(roles_of(world.alpha.student), "/")}
    assert student == {"My Badges"}


def test_administrator_home_shows_their_organizations_figures_only(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("home"))
    stats = response.context["admin_stats"]
    assert stats == {"classes": 2, "badges": 2, "manual_badges": 2}
    assert response.context["issued"] == {"count": 2, "capped": False}
    html = response.content.decode()
    assert "Alpha Academy class" in html and "Beta Learning class" not in html


def test_home_runs_the_same_number_of_queries_with_few_and_many_classes(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    # session, user (with organization), administered organizations, organization tree, instructor
    # check, my badge count, 3 admin figures, the issued badges Find lists (their badges, the classes taught,
    # the count), memberships list, classes
    expected = 14
    with django_assert_num_queries(expected):
        client.get(reverse("home"))
    for _ in range(20):
        EnrollmentFactory(classroom=world.alpha.classroom, student__organization=world.alpha.org)
        ClassroomFactory(organization=world.alpha.org)
    with django_assert_num_queries(expected):
        response = client.get(reverse("home"))
    assert len(response.context["classes"]) == 8


def test_student_home_lists_the_classes_they_attend(world, client):
    client.force_login(world.alpha.student)
    response = client.get(reverse("home"))
    assert [c.title for c in response.context["classes"]] == ["Alpha Academy class"]
    assert "admin_stats" not in response.context
