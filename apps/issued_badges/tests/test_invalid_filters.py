"""Find Issued Badges with an invalid filter value: the bar names the value and its control, nothing is listed,
and the CSV export answers 400 with the same reasons instead of an empty file (core/filters.py's rule)."""

import csv
import io
import re

from django.urls import reverse

from apps.issued_badges.models import IssuedBadge

URL = reverse("issued_badges:find")
EXPORT = reverse("issued_badges:export")


def _summary(response) -> list[str]:
    """The lines of the filter bar's error summary."""
    found = re.search(r'id="filter-errors">(.*?)</div></div>', response.content.decode(), re.S)
    return re.findall(r"<div>(.*?)</div>", found.group(1) + "</div>") if found else []


def _listed(response) -> list:
    return list(response.context["page"].object_list)


def test_an_unknown_sort_is_named_and_nothing_is_listed(world, client):
    client.force_login(world.alpha.admin)
    assert len(_listed(client.get(URL))) == 2  # Alpha's two issued badges, unfiltered
    response = client.get(URL, {"sort": "xyz"})
    assert response.status_code == 200
    assert _summary(response) == ["Sort by: “xyz” is not a column to sort by."]  # not "Select a valid choice"
    assert _listed(response) == []
    html = response.content.decode()
    assert "Nothing is listed until the filters above are corrected." in html
    assert 'disabled title="Correct the filters first"' in html and f'href="{EXPORT}' not in html  # no 400 to follow
    # The wrong sort is not carried into the bar's next submission (it would stick until Clear); a good one is.
    assert 'name="sort"' not in html
    assert 'type="hidden" name="sort" value="-issued"' in client.get(URL, {"sort": "-issued"}).content.decode()


def test_a_bad_badge_value_is_named_and_nothing_is_listed(world, client):
    client.force_login(world.alpha.admin)
    for value in ("abc", str(world.beta.badge.pk)):  # not an id; another organization's badge
        response = client.get(URL, {"badge": value, "status": "active"})
        assert _summary(response) == [f"Badge: “{value}” is not one of the choices."]
        assert _listed(response) == [] and world.beta.badge.name not in response.content.decode()
    both = client.get(URL, {"badge": "abc", "sort": "-xyz"})
    assert _summary(both) == ["Badge: “abc” is not one of the choices.", "Sort by: “-xyz” is not a column to sort by."]


def test_the_export_with_an_invalid_filter_answers_400_with_the_reason(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(EXPORT, {"badge": "abc", "sort": "xyz"})
    assert response.status_code == 400 and response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in response
    assert response.content.decode().splitlines() == [
        "Nothing was exported: correct these filters first.",
        "Badge: “abc” is not one of the choices.",
        "Sort by: “xyz” is not a column to sort by.",
    ]
    # Valid filters still export their rows.
    good = client.get(EXPORT, {"badge": world.alpha.badge.pk, "sort": "-issued"})
    assert good.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(good.streaming_content).decode())))
    expected = IssuedBadge.objects.filter(badge=world.alpha.badge).values_list("uuid", flat=True)
    assert [row["id"] for row in rows] == [str(uuid) for uuid in expected]
