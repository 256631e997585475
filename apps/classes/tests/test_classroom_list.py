"""The class list: scoped by role, searchable, constant queries."""

import pytest
from django.urls import reverse

from apps.classes.tests.factories import ClassInstructorFactory, ClassroomFactory, EnrollmentFactory


def _titles(response) -> list[str]:
    return [c.title for c in response.context["page"].object_list]


def test_administrator_sees_their_organizations_classes_with_head_counts(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("classes:list"))
    assert sorted(_titles(response)) == ["Alpha Academy Labs class", "Alpha Academy class"]
    counts = {c.title: c.student_count for c in response.context["page"].object_list}
    assert counts == {"Alpha Academy class": 2, "Alpha Academy Labs class": 1}
    assert "Beta Learning" not in response.content.decode()


def test_instructor_sees_only_the_classes_they_teach(world, client):
    client.force_login(world.contractor)
    response = client.get(reverse("classes:list"))
    assert _titles(response) == ["Alpha Academy class"]
    assert "Contract" in response.content.decode()


def test_search_matches_title_and_course(world, client):
    client.force_login(world.alpha.admin)
    assert _titles(client.get(reverse("classes:list"), {"q": "labs"})) == ["Alpha Academy Labs class"]
    code = world.alpha.course.code
    assert _titles(client.get(reverse("classes:list"), {"q": code})) == ["Alpha Academy class"]
    response = client.get(reverse("classes:list"), {"q": "nothing like it"})
    assert "No class matches" in response.content.decode()


def test_it_runs_the_same_number_of_queries_with_few_and_many_classes(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    # session, user (with organization), administered organizations, organization tree, the filter bar's
    # Organization choices (added with the bar: one query, whatever the rows), count, rows, instructors,
    # navigation roles
    expected = 9
    with django_assert_num_queries(expected):
        client.get(reverse("classes:list"))
    for _ in range(30):
        classroom = ClassroomFactory(organization=world.alpha.org)
        ClassInstructorFactory(classroom=classroom)
        EnrollmentFactory(classroom=classroom)
    with django_assert_num_queries(expected):
        response = client.get(reverse("classes:list"))
    assert len(response.context["page"].object_list) == 25


def _choices(response, name: str) -> set:
    return {value for value, _ in response.context["filter"].form.fields[name].choices if value != ""}


def test_the_organization_filter_and_the_search_narrow_the_list(world, client):
    client.force_login(world.alpha.admin)
    url = reverse("classes:list")
    assert _titles(client.get(url, {"organization": world.alpha.child.pk})) == ["Alpha Academy Labs class"]
    assert _titles(client.get(url, {"organization": world.alpha.org.pk, "q": "alpha"})) == ["Alpha Academy class"]
    assert _titles(client.get(url, {"q": "academy labs"})) == ["Alpha Academy Labs class"]  # word by word
    response = client.get(url, {"q": "labs", "organization": world.alpha.org.pk})
    assert "No class matches “labs”." in response.content.decode()


def test_the_organization_dropdown_lists_only_the_viewers_organizations(world, client):
    client.force_login(world.alpha.admin)
    response = client.get(reverse("classes:list"))
    assert _choices(response, "organization") == {world.alpha.org.pk, world.alpha.child.pk}
    assert "Beta Learning" not in response.content.decode()
    # The contract instructor (home: Beta) teaches one class of Alpha: one organization, no dropdown shown.
    client.force_login(world.contractor)
    response = client.get(reverse("classes:list"))
    assert response.context["filter"].hidden == {"organization"}
    assert 'for="id_organization"' not in response.content.decode()
    assert _titles(client.get(reverse("classes:list"), {"organization": world.alpha.org.pk})) == ["Alpha Academy class"]
    # A value it would not offer is refused as for anyone, not ignored (which listed every class as if filtered).
    bad = client.get(reverse("classes:list"), {"organization": world.beta.org.pk})
    assert (
        _titles(bad) == [] and f"Organization: “{world.beta.org.pk}” is not one of the choices." in bad.content.decode()
    )


def test_the_filter_bar_is_one_labelled_search_form(world, client):
    client.force_login(world.alpha.admin)
    html = client.get(reverse("classes:list"), {"q": "alpha"}).content.decode()
    assert 'role="search" method="get"' in html and 'aria-label="Filter classes"' in html
    assert '<label class="form-label small mb-1" for="id_q">Search classes or courses</label>' in html
    assert '<label class="form-label small mb-1" for="id_organization">Organization</label>' in html
    assert 'name="q" id="id_q"' in html and 'value="alpha"' in html
    assert ">Clear</a>" in html and "</i>Search</button>" in html
    assert "csrfmiddlewaretoken" not in html.split('role="search"')[1].split("</form>")[0]
    assert ">Clear</a>" not in client.get(reverse("classes:list")).content.decode()  # nothing to clear


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("beta", "Organization: “beta-id” is not one of the choices."),
        ({"organization": "abc"}, "Organization: “abc” is not one of the choices."),
        ({"q": "x" * 101}, "Search classes or courses: Ensure this value has at most 100 characters"),
    ],
)
def test_a_bad_value_shows_its_error_and_no_rows(world, client, params, message):
    client.force_login(world.alpha.admin)
    if params == "beta":
        params = {"organization": world.beta.org.pk}
        message = message.replace("beta-id", str(world.beta.org.pk))
    response = client.get(reverse("classes:list"), params)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert _titles(response) == [] and "Nothing is listed until the filters above are corrected." in html
    assert "Beta Learning" not in html


def test_pagination_keeps_the_filters(world, client):
    for n in range(30):
        ClassroomFactory(organization=world.alpha.child, title=f"Extra class {n:02}")
    client.force_login(world.alpha.admin)
    response = client.get(reverse("classes:list"), {"q": "extra", "organization": world.alpha.child.pk})
    assert len(response.context["page"].object_list) == 25
    html = response.content.decode()
    assert f"?q=extra&amp;organization={world.alpha.child.pk}&amp;page=2" in html
    page_2 = client.get(reverse("classes:list"), {"q": "extra", "organization": world.alpha.child.pk, "page": 2})
    assert len(page_2.context["page"].object_list) == 5
