"""Bad input on the issuing pages: clear answers, nothing written, never a 500, nothing leaked."""

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import IssuanceBatch, IssuedBadge

HTMX = {"HTTP_HX_REQUEST": "true"}
HUGE = str(10**20)


def test_another_organizations_badge_or_student_is_never_named(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("classes:roster_issue", args=[world.alpha.classroom.pk])
    html = client.post(url, {"badge": world.beta.badge.pk, "student": world.alpha.student.pk}, **HTMX).content.decode()
    assert world.beta.badge.name not in html
    assert f"Badge #{world.beta.badge.pk} does not belong" in html

    stranger = make_student(world.beta.org, first_name="Zelda", last_name="Stranger")
    response = client.post(
        reverse("classes:issue_badges", args=[world.alpha.classroom.pk]),
        {"key": "k", "badges": [world.beta.badge.pk, world.alpha.badge.pk], "students": [stranger.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "Zelda" not in html and stranger.username not in html and world.beta.badge.name not in html
    assert f"Student #{stranger.pk} is not enrolled in this class." in html
    assert f"Badge #{world.beta.badge.pk} does not belong to the organization of this class." in html
    batch = IssuanceBatch.objects.get(source="batch")
    csv = b"".join(client.get(reverse("issued_badges:batch_csv", args=[batch.uuid])).streaming_content).decode()
    assert "Zelda" not in csv and world.beta.badge.name not in csv


def test_absurd_ids_are_a_404_or_a_form_error(world, client):
    client.force_login(world.alpha.admin)
    pk = world.alpha.classroom.pk
    assert client.get(f"/classes/{HUGE}/roster/").status_code == 404
    assert client.get(f"/classes/{pk}/roster/students/{HUGE}/").status_code == 404
    assert client.get(f"/badges/{HUGE}/").status_code == 404
    response = client.post(reverse("classes:roster_issue", args=[pk]), {"badge": HUGE, "student": 1}, **HTMX)
    assert response.status_code == 400 and "not understood" in response.content.decode()
    response = client.post(reverse("classes:issue_badges", args=[pk]), {"key": "k", "badges": [HUGE], "students": [1]})
    assert f"“{HUGE}” is not a valid badge id." in response.content.decode()
    for student in ("abc", HUGE, ""):
        response = client.get(reverse("classes:choose_badge", args=[pk]), {"student": student}, **HTMX)
        assert "cannot receive badges here" in response.content.decode()
    assert not IssuanceBatch.objects.exists()


def test_a_long_or_odd_form_key_still_works(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("classes:issue_badges", args=[world.alpha.classroom.pk])
    response = client.post(
        url, {"key": "x" * 40, "badges": [world.alpha.badge.pk], "students": [world.beta.student.pk]}
    )
    assert response.status_code == 302
    response = client.post(url, {"key": "y" * 41, "badges": [world.alpha.badge.pk], "students": [1]})
    assert "Ensure this value has at most 40 characters" in response.content.decode()


@pytest.mark.django_db
def test_a_large_class_can_be_posted_whole(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("classes:issue_badges", args=[world.alpha.classroom.pk])
    students = list(range(1_000_000, 1_002_500))  # 2,500 ids: more fields than Django's default limit
    response = client.post(url, {"key": "big", "badges": [world.alpha.badge.pk], "students": students})
    assert response.status_code == 302
    assert IssuanceBatch.objects.get().failed_count == 2500
    assert IssuedBadge.objects.count() == 4
