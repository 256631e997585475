"""My Badges: the signed-in person's badges, revoked ones marked."""

from django.urls import reverse
from django.utils import timezone

from apps.issued_badges.tests.factories import IssuedBadgeFactory


def test_it_lists_my_badges_and_marks_revoked_ones(world, client):
    student = world.alpha.student
    IssuedBadgeFactory(
        recipient=student, badge=world.alpha.child_badge, revoked_at=timezone.now(), revocation_reason="Mistake"
    )
    client.force_login(student)
    response = client.get(reverse("people:my_badges"))
    html = response.content.decode()
    assert [i.badge.name for i in response.context["issued"]] == ["Alpha Academy Star", "Alpha Academy Labs Star"]
    assert response.context["active_count"] == 1
    assert "You hold 1 badge." in html
    assert html.count(">Revoked<") == 1
    assert "Beta Learning Star" not in html


def test_someone_without_badges_is_told_so(world, client):
    client.force_login(world.outsider)
    assert (
        "No badges yet: they appear here as soon as they are issued to you"
        in client.get(reverse("people:my_badges")).content.decode()
    )


def test_it_runs_the_same_number_of_queries_with_few_and_many_badges(world, client, django_assert_num_queries):
    student = world.alpha.student
    client.force_login(student)
    # session, user (with organization), badges, achievements earned, navigation roles
    # (administered organizations, instructor check); Why not awarded?: organization tree, classes, course
    # assignments, achievements with their course sets (paths' courses: none here), activity per target, earned
    expected = 13
    with django_assert_num_queries(expected):
        client.get(reverse("people:my_badges"))
    for _ in range(25):
        IssuedBadgeFactory(recipient=student)
    with django_assert_num_queries(expected):
        response = client.get(reverse("people:my_badges"))
    assert len(response.context["issued"]) == 26
