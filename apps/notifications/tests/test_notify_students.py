"""Notify students on every manual path: checked by default, an e-mail queued per badge issued; unchecked, none.
The API tells recipients unless ``"notify": false``; a retry tells them as its issuance did."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.api.tests.conftest import api_client
from apps.badges.tests.factories import BadgeFactory
from apps.classes.tests.factories import EnrollmentFactory
from apps.issued_badges.models import IssuanceBatch, IssuedBadge
from apps.issued_badges.services import issued_badges_revoke
from apps.notifications.models import BadgeEmail
from apps.notifications.sending import emails_send_due


@pytest.fixture
def badge(world):
    return BadgeFactory(organization=world.alpha.org, name="Told Star", manual_issuance_enabled=True)


def _told(*people) -> set[str]:
    """Usernames with a queued e-mail about the badge they were just issued."""
    emails = BadgeEmail.objects.filter(issued_badge__recipient__in=people)
    return set(emails.values_list("issued_badge__recipient__username", flat=True))


def test_award_badge(world, client, badge):
    ada, bob = make_student(world.alpha.org, username="ada"), make_student(world.alpha.org, username="bob")
    client.force_login(world.alpha.admin)
    page = client.get(reverse("badges:award", args=[badge.pk]))
    assert page.context["form"]["notify"].value() is True  # checked by default
    url = reverse("badges:award", args=[badge.pk])
    client.post(url, {"key": "k1", "usernames": "ada", "notify": "on"})
    client.post(url, {"key": "k2", "usernames": "bob"})  # unchecked: the box is not sent
    assert IssuedBadge.objects.filter(badge=badge).count() == 2
    assert _told(ada, bob) == {"ada"}


def test_issue_badges_page_and_its_retry(world, client, badge):
    ada = make_student(world.alpha.org, username="ada")
    EnrollmentFactory(classroom=world.alpha.classroom, student=ada)
    client.force_login(world.alpha.admin)
    url = reverse("classes:issue_badges", args=[world.alpha.classroom.pk])
    assert 'name="notify" id="id_notify" checked' in client.get(url).content.decode()
    badge.is_active = False
    badge.save()
    client.post(url, {"key": "k1", "badges": [badge.pk], "students": [ada.pk], "notify": "on"})
    batch = IssuanceBatch.objects.get(classroom=world.alpha.classroom)
    assert (batch.failed_count, batch.notify) == (1, "each")
    badge.is_active = True
    badge.save()
    client.post(reverse("issued_badges:batch_retry", args=[batch.uuid]), {"key": "r1"})
    assert _told(ada) == {"ada"}  # the retry told the student, as the first issuance asked

    bob = make_student(world.alpha.org, username="bob")
    EnrollmentFactory(classroom=world.alpha.classroom, student=bob)
    client.post(url, {"key": "k2", "badges": [badge.pk], "students": [bob.pk]})
    assert IssuedBadge.objects.filter(recipient=bob).exists() and _told(bob) == set()


@pytest.mark.parametrize("notify", [True, False])
def test_choose_badge_on_the_roster_and_the_course_assignment(world, client, badge, notify):
    ada = make_student(world.alpha.org, username="ada")
    EnrollmentFactory(classroom=world.alpha.classroom, student=ada)
    client.force_login(world.alpha.admin)
    dialog = client.get(reverse("classes:choose_badge", args=[world.alpha.classroom.pk]), {"student": ada.pk},
                        HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert 'id="choose-notify" checked' in dialog and 'hx-include="#choose-notify"' in dialog
    extra = {"notify": "on"} if notify else {}
    client.post(reverse("classes:roster_issue", args=[world.alpha.classroom.pk]),
                {"badge": badge.pk, "student": ada.pk, **extra}, HTTP_HX_REQUEST="true")  # fmt: skip
    student = world.alpha.student  # the course assignment's student
    client.post(reverse("assignments:issue", args=[world.alpha.assignment.pk]),
                {"badge": badge.pk, "student": student.pk, **extra}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert IssuedBadge.objects.filter(badge=badge).count() == 2
    assert _told(ada, student) == ({"ada", student.username} if notify else set())


def test_profile_assign(world, client, badge):
    ada = make_student(world.alpha.org, username="ada")
    client.force_login(world.alpha.admin)
    url = reverse("people:profile", args=[ada.pk])
    page = client.get(url).content.decode()
    assert "Notify the student by e-mail" in page
    client.post(url, {"key": "k1", "badge": badge.pk, "notify": "on"})
    assert _told(ada) == {"ada"}


def test_the_api_tells_unless_asked_not_to(world, badge):
    ada, bob = make_student(world.alpha.org, username="ada"), make_student(world.alpha.org, username="bob")
    api = api_client(world.alpha.org)
    awards = reverse("api:awards", args=[badge.pk])
    assert api.post(awards, {"recipients": ["ada"]}, format="json").status_code == 200
    assert api.post(awards, {"recipients": ["bob"], "notify": False}, format="json").status_code == 200
    assert api.post(awards, {"recipients": ["bob"], "notify": "loud"}, format="json").status_code == 400
    assert _told(ada, bob) == {"ada"}


def test_the_issued_badge_page_shows_the_email_and_administrators_resend_it(world, client, badge, settings):
    ada = make_student(world.alpha.org, username="ada", email="ada@example.org")
    client.force_login(world.alpha.admin)
    client.post(reverse("badges:award", args=[badge.pk]), {"key": "k1", "usernames": "ada", "notify": "on"})
    issued = IssuedBadge.objects.get(recipient=ada)
    page = reverse("issued_badges:detail", args=[issued.pk])
    assert "Queued" in client.get(page).content.decode()
    emails_send_due()
    assert "Sent" in client.get(page).content.decode() and len(mail.outbox) == 1
    answer = client.post(reverse("notifications:resend", args=[issued.pk]), follow=True)
    assert "is on its way to ada@example.org" in answer.content.decode()
    emails_send_due()
    assert (
        len(mail.outbox) == 2
        and BadgeEmail.objects.filter(issued_badge=issued, requested_by=world.alpha.admin).exists()
    )
    # Not theirs to resend: an instructor, another organization's administrator — 404, nothing queued.
    for outsider in (world.alpha.instructor, world.beta.admin):
        client.force_login(outsider)
        assert client.post(reverse("notifications:resend", args=[issued.pk])).status_code == 404
    assert BadgeEmail.objects.filter(issued_badge=issued).count() == 2
    # A revoked badge is not e-mailed.
    issued_badges_revoke(ids=[issued.pk], actor=world.alpha.admin, reason="Mistake")
    client.force_login(world.alpha.admin)
    answer = client.post(reverse("notifications:resend", args=[issued.pk]), follow=True)
    assert "A revoked badge is not e-mailed" in answer.content.decode()
    assert BadgeEmail.objects.filter(issued_badge=issued).count() == 2


def test_evidence_shows_on_the_issued_badge_page(world, client, badge):
    make_student(world.alpha.org, username="ada")
    body = {"recipients": ["ada"], "evidence": "https://lms.example.com/p/1"}
    api_client(world.alpha.org).post(reverse("api:awards", args=[badge.pk]), body, format="json")
    client.force_login(world.alpha.admin)
    page = client.get(reverse("issued_badges:detail", args=[IssuedBadge.objects.get(badge=badge).pk])).content.decode()
    assert '<a href="https://lms.example.com/p/1" rel="nofollow">https://lms.example.com/p/1</a>' in page
