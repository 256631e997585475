"""seed_demo builds the demo world of DESIGN.md §8, and running it again changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core import serializers
from django.core.management import call_command
from django.test import RequestFactory

from apps.access.policy import administered_organization_ids
from apps.accounts.models import Membership, User
from apps.badges.models import Badge
from apps.classes.models import Classroom
from apps.organizations.models import Organization

pytestmark = pytest.mark.django_db

PROJECT_APPS = [
    "organizations",
    "accounts",
    "courses",
    "classes",
    "assignments",
    "badges",
    "achievements",
    "issued_badges",
]


def _snapshot() -> str:
    """Every row of every project model, serialized."""
    models = [m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models()]
    return serializers.serialize("json", [obj for m in models for obj in m.objects.order_by("pk")])


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_running_it_twice_changes_nothing():
    first_output = _seed()
    first = _snapshot()
    second_output = _seed()
    assert _snapshot() == first
    assert "Demo world created" in first_output
    assert "nothing to do" in second_output
    assert "demo-pass-123" in second_output


def test_organizations_and_users_are_those_of_the_design():
    _seed()
    northwind = Organization.objects.get(name="Northwind Academy")
    assert Organization.objects.get(name="Northwind Labs").parent == northwind
    assert Organization.objects.get(name="Contoso Learning").parent is None

    usernames = set(User.objects.values_list("username", flat=True))
    expected = {"admin", "nw-admin", "nw-instructor", "contractor", "cl-admin"}
    expected |= {f"nw-student{n:02}" for n in range(1, 31)} | {f"cl-student{n:02}" for n in range(1, 11)}
    assert usernames == expected
    for username in ("admin", "nw-admin", "contractor", "cl-student10"):
        assert authenticate(RequestFactory().post("/accounts/login/"), username=username, password="demo-pass-123")

    assert User.objects.get(username="admin").is_superuser
    nw_admin = User.objects.get(username="nw-admin")
    assert administered_organization_ids(nw_admin) == set(
        Organization.objects.filter(name__startswith="Northwind").values_list("pk", flat=True)
    )
    contractor = User.objects.get(username="contractor")
    assert contractor.is_contract_instructor and contractor.organization.name == "Contoso Learning"
    assert not User.objects.get(username="nw-instructor").is_contract_instructor
    assert Membership.objects.filter(user__username="cl-admin", role=Membership.Role.ADMINISTRATOR).exists()


def test_classes_badges_and_assignment_are_those_of_the_design():
    _seed()
    cloud = Classroom.objects.get(title="Cloud Fundamentals", organization__name="Northwind Academy")
    assert set(cloud.instructors.values_list("username", flat=True)) == {"nw-instructor", "contractor"}
    enrolled = set(cloud.students.values_list("username", flat=True))
    assert enrolled == {f"nw-student{n:02}" for n in range(1, 21)} | {f"cl-student{n:02}" for n in range(1, 6)}
    contoso_class = Classroom.objects.get(organization__name="Contoso Learning")
    assert list(contoso_class.instructors.values_list("username", flat=True)) == ["cl-admin"]

    badges = {b.name: b for b in Badge.objects.select_related("organization")}
    assert set(badges) == {"Cloud Explorer", "Lab Pioneer", "Cloud Architect", "Contoso Star"}
    assert badges["Cloud Explorer"].manual_issuance_enabled and badges["Lab Pioneer"].manual_issuance_enabled
    assert not badges["Cloud Architect"].manual_issuance_enabled
    assert badges["Contoso Star"].organization.name == "Contoso Learning"
    assert badges["Lab Pioneer"].achievements.exists()
    assert all(b.image for b in badges.values())

    assignment = User.objects.get(username="nw-student21").course_assignments.get()
    assert assignment.organization.name == "Northwind Academy"
    assert User.objects.get(username="nw-student01").activity_records.count() >= 4


def test_seed_demo_runs_again_after_users_added_rows_its_lookups_match(db):
    """An administrator gave the demo's assigned student the same course again: the demo still starts."""
    from django.core.management import call_command

    from apps.assignments.models import CourseAssignment

    call_command("seed_demo", verbosity=0)
    first = CourseAssignment.objects.get()
    CourseAssignment.objects.create(
        organization=first.organization, course=first.course, student=first.student,
        starts_at=first.starts_at, expires_at=first.expires_at,
    )  # fmt: skip
    call_command("seed_demo", verbosity=0)
    assert CourseAssignment.objects.count() == 2
