"""A student's Achievements/Badges page: for their administrators and instructors, and their own."""

from django.urls import reverse
from django.utils import timezone

from apps.achievements.models import EarnedAchievement
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _url(user):
    return reverse("people:user_badges", args=[user.pk])


def test_administrators_and_instructors_see_a_students_badges_and_achievements(world, client):
    student = world.alpha.student
    IssuedBadgeFactory(
        recipient=student, badge=world.alpha.child_badge, revoked_at=timezone.now(), revocation_reason="x"
    )
    EarnedAchievement.objects.create(user=student, achievement=world.alpha.achievement, earned_at=timezone.now())
    for viewer in (world.alpha.admin, world.alpha.instructor, world.contractor):
        client.force_login(viewer)
        response = client.get(_url(student))
        html = response.content.decode()
        assert response.status_code == 200
        assert student.display_name in html and "Alpha Academy Star" in html and ">Revoked<" in html
        assert world.alpha.achievement.name in html
        assert f'href="/issued-badges/?student={student.username}">Find Issued Badges</a>' in html  # the way back
    client.force_login(world.alpha.admin)
    assert "Revoke Badge" in client.get(_url(student)).content.decode()


def test_nobody_else_sees_it(world, client):
    for viewer, student in [
        (world.beta.admin, world.alpha.student),
        (world.alpha.student, world.beta.student),
        (world.beta.instructor, world.alpha.student),
    ]:
        client.force_login(viewer)
        assert client.get(_url(student)).status_code == 404


def test_my_badges_is_the_same_page_for_oneself_without_revoke_buttons(world, client):
    client.force_login(world.alpha.student)
    html = client.get(reverse("people:my_badges")).content.decode()
    assert "My Badges" in html and "Alpha Academy Star" in html and "Revoke Badge" not in html


def test_it_runs_the_same_number_of_queries_with_few_and_many_badges(world, client, django_assert_num_queries):
    student = world.alpha.student
    client.force_login(world.alpha.admin)
    # session, user, person, administered organizations, organization tree, visible badge ids,
    # students taught, badges, achievements, navigation roles; Why not awarded?: organization tree,
    # classes, course assignments, classes the viewer teaches, achievements with their course sets and
    # paths' courses, activity per target, earned
    expected = 18
    with django_assert_num_queries(expected):
        client.get(_url(student))
    for _ in range(30):
        IssuedBadgeFactory(recipient=student, badge=BadgeFactory(organization=world.alpha.org))
    with django_assert_num_queries(expected):
        response = client.get(_url(student))
    assert len(response.context["issued"]) == 31


def test_why_not_awarded_dates_only_what_the_viewer_may_see(world, client):
    """Alpha's organization instructor may open Beta's student's page (their class) but not Alpha's records of
    that student, who is outside their scope: no earned date either."""
    earned_at = timezone.now()
    EarnedAchievement.objects.create(user=world.beta.student, achievement=world.alpha.achievement, earned_at=earned_at)
    client.force_login(world.alpha.instructor)
    response = client.get(_url(world.beta.student))
    assert response.status_code == 200
    assert all(e.earned_at is None for e in response.context["explanations"])
    client.force_login(world.alpha.admin)
    explanations = client.get(_url(world.beta.student)).context["explanations"]
    assert [e.earned_at for e in explanations if e.achievement == world.alpha.achievement] == [earned_at]
