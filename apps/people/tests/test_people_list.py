"""People: the people an administrator or instructor may see, searchable, never another organization's."""

from django.urls import reverse

from apps.accounts.tests.factories import make_student

URL = reverse("people:list")


def _people(response) -> set[str]:
    return {person.username for person in response.context["page"].object_list}


def test_an_administrator_sees_the_people_of_their_organizations_and_classes_only(world, client):
    client.force_login(world.alpha.admin)
    listed = _people(client.get(URL))
    assert {"alpha-admin", "alpha-student", "alpha-labs-student", "alpha-instructor", "beta-student"} <= listed
    assert not {"beta-admin", "beta-instructor", "beta-labs-student"} & listed
    html = client.get(URL).content.decode()
    assert "Beta Learning Labs" not in html  # no other organization in the dropdown either


def test_an_instructor_sees_their_students_and_a_student_may_not_open_it(world, client):
    client.force_login(world.alpha.instructor)
    assert _people(client.get(URL)) == {"alpha-instructor", "alpha-student", "beta-student"}
    client.force_login(world.alpha.student)
    assert client.get(URL).status_code == 403


def test_the_search_narrows_word_by_word_and_a_bad_organization_shows_nobody(world, client):
    client.force_login(world.alpha.admin)
    assert _people(client.get(URL, {"q": "alpha labs-stu"})) == {"alpha-labs-student"}
    bad = client.get(URL, {"organization": world.beta.org.pk})
    message = f"Organization: “{world.beta.org.pk}” is not one of the choices."
    assert bad.status_code == 200 and _people(bad) == set() and message in bad.content.decode()
    assert _people(client.get(URL, {"organization": world.alpha.child.pk})) >= {"alpha-labs-student"}


def test_it_runs_the_same_number_of_queries_with_few_and_many_people(world, client, django_assert_num_queries):
    client.force_login(world.alpha.admin)
    # session, user, navigation roles (administered organizations + organization tree, instructor check),
    # visible organizations (dropdown), count, page of people
    client.get(URL)
    with django_assert_num_queries(8) as few:
        client.get(URL)
    for number in range(60):
        make_student(world.alpha.org, username=f"many-{number}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page"].object_list) == 50
