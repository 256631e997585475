"""One rule for invalid filter values on every list page built on ListFilterSet: the bar names the wrong value
by its control's label and nothing is listed — never the unfiltered list, whoever the viewer is."""

import re

import pytest
from django.urls import reverse

from apps.accounts.tests.factories import make_administrator
from apps.badges.tests.factories import BadgeFactory
from apps.organizations.tests.factories import OrganizationFactory

NOTHING = "Nothing is listed until the"


def _summary(response) -> list[str]:
    found = re.search(r'id="filter-errors">(.*?)</div></div>', response.content.decode(), re.S)
    return re.findall(r"<div>(.*?)</div>", found.group(1) + "</div>") if found else []


@pytest.mark.parametrize(
    ("url", "params", "message"),
    [
        ("badges:list", {"organization": "abc"}, "Organization: “abc” is not one of the choices."),
        ("classes:list", {"organization": "abc"}, "Organization: “abc” is not one of the choices."),
        ("roster", {"q": "x" * 101}, "Search students: Ensure this value has at most 100 characters (it has 101)."),
        ("achievements:list", {"status": "later"}, "Status: “later” is not one of the choices."),
        ("activity:list", {"kind": "dancing"}, "Activity: “dancing” is not one of the choices."),
        ("people:list", {"organization": "abc"}, "Organization: “abc” is not one of the choices."),
        ("assignments:list", {"status": "someday"}, "Status: “someday” is not one of the choices."),
        ("issued_badges:find", {"sort": "xyz"}, "Sort by: “xyz” is not a column to sort by."),
        ("issued_badges:find", {"badge": "abc"}, "Badge: “abc” is not one of the choices."),
        ("issued_badges:find", {"issued_to": "soon"}, "Issued to: “soon” is not a date (e.g. 2026-03-01)."),
    ],
)
def test_every_list_names_the_wrong_value_and_lists_nothing(world, client, url, params, message):
    client.force_login(world.alpha.admin)
    url = reverse("classes:roster", args=[world.alpha.classroom.pk]) if url == "roster" else reverse(url)
    assert len(client.get(url).context["page"].object_list) > 0  # something to list, unfiltered
    response = client.get(url, params)
    assert response.status_code == 200
    assert _summary(response) == [message]
    assert list(response.context["page"].object_list) == [] and NOTHING in response.content.decode()
    assert response.context["filter"].problems == [message]


def test_a_dropdown_not_shown_still_refuses_a_wrong_value(db, client):
    """An administrator of one organization is offered no Organization dropdown; ``?organization=abc`` (a link
    from a colleague with several) used to be ignored, listing every badge as if filtered."""
    solo = OrganizationFactory(name="Solo School", slug="solo")
    other = OrganizationFactory(name="Elsewhere", slug="elsewhere")
    BadgeFactory(organization=solo, name="Solo Star")
    BadgeFactory(organization=other, name="Elsewhere Star")
    client.force_login(make_administrator(solo, username="solo-admin"))
    url = reverse("badges:list")
    names = lambda response: [badge.name for badge in response.context["page"].object_list]  # noqa: E731

    unfiltered = client.get(url)
    assert names(unfiltered) == ["Solo Star"] and 'for="id_organization"' not in unfiltered.content.decode()
    assert names(client.get(url, {"organization": solo.pk})) == ["Solo Star"]
    for value in ("abc", str(other.pk)):
        response = client.get(url, {"organization": value})
        assert names(response) == [] and _summary(response) == [f"Organization: “{value}” is not one of the choices."]
        assert "Elsewhere" not in response.content.decode()
