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
    # session, user (with organization), administered organizations, organization tree, the filter bar's
    # Organization choices (added with the bar: one query, whatever the rows), count, rows, navigation roles
    expected = 8
    with django_assert_num_queries(expected):
        client.get(reverse("badges:list"))
    for _ in range(30):
        IssuedBadgeFactory(badge=BadgeFactory(organization=world.alpha.org))
    with django_assert_num_queries(expected):
        response = client.get(reverse("badges:list"))
    assert len(response.context["page"].object_list) == 24


def test_the_search_and_the_organization_filter_narrow_the_list(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("badges:list")
    assert _names(client.get(url, {"organization": world.alpha.child.pk})) == ["Alpha Academy Labs Star"]
    assert _names(client.get(url, {"q": "labs star"})) == ["Alpha Academy Labs Star"]
    assert _names(client.get(url, {"q": "star", "organization": world.alpha.org.pk})) == ["Alpha Academy Star"]
    assert "No badge matches “nothing”." in client.get(url, {"q": "nothing"}).content.decode()


def test_the_organization_dropdown_lists_only_administered_organizations(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("badges:list"))
    choices = response.context["filter"].form.fields["organization"].choices
    assert {value for value, _ in choices if value != ""} == {world.alpha.org.pk, world.alpha.child.pk}
    html = response.content.decode()
    assert "Beta Learning" not in html and 'for="id_organization">Organization</label>' in html
    assert 'for="id_q">Search badges</label>' in html and 'aria-label="Filter badges"' in html


def test_a_bad_value_shows_its_error_and_no_badges(world, client):
    client.force_login(world.alpha.admin)
    for params, message in [
        ({"organization": world.beta.org.pk}, f"Organization: “{world.beta.org.pk}” is not one of the choices."),
        ({"organization": "1 OR 1=1"}, "Organization: “1 OR 1=1” is not one of the choices."),
        ({"q": "x" * 101}, "Search badges: Ensure this value has at most 100 characters"),
    ]:
        response = client.get(reverse("badges:list"), params)
        html = response.content.decode()
        assert response.status_code == 200 and message in html
        assert _names(response) == [] and "Nothing is listed until the filters above are corrected." in html
        assert "Beta Learning" not in html
