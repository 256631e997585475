"""The class list: scoped by role, searchable, constant queries."""

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
    # session, user (with organization), administered organizations, organization tree, count, rows,
    # instructors, navigation roles
    expected = 8
    with django_assert_num_queries(expected):
        client.get(reverse("classes:list"))
    for _ in range(30):
        classroom = ClassroomFactory(organization=world.alpha.org)
        ClassInstructorFactory(classroom=classroom)
        EnrollmentFactory(classroom=classroom)
    with django_assert_num_queries(expected):
        response = client.get(reverse("classes:list"))
    assert len(response.context["page"].object_list) == 25
