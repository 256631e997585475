"""The badge list: administrators of the badge's organization only."""

from django.urls import reverse

from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _names(response) -> list[str]:
    return [b.name for b in response.context["page"].object_list]


def test_administrator_sees_their_badges_with_recipient_counts(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("badges:list"))
    assert _names(response) == ["Alpha Academy Labs Star", "Alpha Academy Star"]
    assert {b.name: b.recipient_count for b in response.context["page"].object_list} == {
        "Alpha Academy Labs Star": 1,
        "Alpha Academy Star": 1,
    }
    assert "Beta Learning Star" not in response.content.decode()


def test_revoked_badges_do_not_count_as_recipients(world, client):
    IssuedBadgeFactory(badge=world.alpha.badge, revoked_at=world.alpha.issued.issued_at, revocation_reason="Error")
    client.force_login(world.alpha.admin)
    response = client.get(reverse("badges:list"), {"q": "Academy Star"})
    assert [(b.name, b.recipient_count) for b in response.context["page"].object_list] == [("Alpha Academy Star", 1)]


def test_non_administrators_are_refused(world, client):
    for user in (world.alpha.instructor, world.alpha.student):
        client.force_login(user)
        assert client.get(reverse("badges:list")).status_code == 403


def test_it_runs_the_same_number_of_queries_with_few_and_many_badges(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    # session, user (with organization), administered organizations, organization tree, count, rows,
    # navigation roles
    expected = 7
    with django_assert_num_queries(expected):
        client.get(reverse("badges:list"))
    for _ in range(30):
        IssuedBadgeFactory(badge=BadgeFactory(organization=world.alpha.org))
    with django_assert_num_queries(expected):
        response = client.get(reverse("badges:list"))
    assert len(response.context["page"].object_list) == 24
