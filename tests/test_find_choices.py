"""Every row on Find Issued Badges can be filtered, and the counts agree with the rows shown.

Over the demo world with a badge from every source, for every persona who may use Find Issued Badges: each
row's badge, organization, class, course assignment, source and issuer is offered by its dropdown, and choosing
it lists the row; the home page's "Issued badges" figure is the number Find lists.
"""

import pytest
from django.urls import reverse

from apps.access import policy
from apps.badges.models import Badge
from apps.issued_badges.filters import AUTOMATIC, filter_choices
from apps.issued_badges.models import IssuedBadge, IssuedBadgeFacet

from .personas import DEMO_PERSONAS

STAFF = [username for username in DEMO_PERSONAS if "student" not in username]
FIND = reverse("issued_badges:find")


def _offered(choices, name) -> set[str]:
    return {str(value) for value, _ in choices[name]}


@pytest.mark.parametrize("username", STAFF)
def test_every_rows_values_are_offered_and_choosing_one_lists_the_row(demo_issued, client, username):
    viewer = demo_issued[username]
    client.force_login(viewer)
    rows = IssuedBadge.objects.visible_to(viewer).select_related("badge")
    assert rows.exists()
    choices = filter_choices(viewer)
    for row in rows:
        values = {
            "badge": row.badge_id,
            "organization": row.badge.organization_id,
            "classroom": row.classroom_id,
            "course_assignment": row.course_assignment_id,
            "source": row.source,
            "issued_by": row.issued_by_id or AUTOMATIC,
        }
        for name, value in values.items():
            if value is None:
                continue
            assert str(value) in _offered(choices, name), f"{username}: {name} {value} of {row} is not offered"
            page = client.get(FIND, {name: value})
            assert row.pk in [r["id"] for r in page.context["page"].object_list], f"{username}: {name}={value}"


@pytest.mark.parametrize("username", STAFF)
def test_nothing_is_offered_that_the_viewer_may_not_see(demo_issued, client, username):
    """The badges offered are visible to the viewer; the people offered as issuers issued a row they see (or
    administer where those issued)."""
    viewer = demo_issued[username]
    choices = filter_choices(viewer)
    visible_badges = set(Badge.objects.visible_to(viewer).values_list("pk", flat=True))
    assert {pk for pk, _ in choices["badge"]} <= visible_badges
    rows = IssuedBadge.objects.visible_to(viewer)
    issuers = set(rows.values_list("issued_by_id", flat=True))
    administered = policy.administered_organization_ids(viewer)
    for pk, name in choices["issued_by"]:
        if pk != AUTOMATIC:
            assert pk in issuers or IssuedBadgeFacet.objects.filter(issued_by=pk, organization__in=administered), name


@pytest.mark.parametrize("username", STAFF)
def test_the_home_pages_figure_is_what_find_lists(demo_issued, client, username):
    client.force_login(demo_issued[username])
    home = client.get(reverse("home")).context["issued"]
    listed = client.get(FIND).context["page"].paginator.count
    assert home == {"count": listed, "capped": False} and listed > 0


def test_an_instructor_can_filter_by_the_administrator_who_issued_to_their_student(demo_issued, client):
    """The reported case: rows issued by the organization's administrator to the instructor's students, and by
    the automatic evaluation, were listed but could not be chosen under "Issued by"."""
    client.force_login(demo_issued["nw-instructor"])
    page = client.get(FIND)
    issuers = dict(page.context["filter"].form.fields["issued_by"].choices)
    assert demo_issued["nw-admin"].pk in issuers and issuers[AUTOMATIC] == "Automatic evaluation"
    assert "API" not in dict(page.context["filter"].form.fields["source"].choices).values()
    chosen = client.get(FIND, {"issued_by": demo_issued["nw-admin"].pk}).context["page"].object_list
    assert chosen and {row["issuer"] for row in chosen} == {demo_issued["nw-admin"].display_name}
