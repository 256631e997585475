"""Words that are true (issue 12): a student reads where each badge came from in their words, why one was
revoked, and a "Why not awarded?" card that does not mark a badge held by hand as failing."""

import re
from html import unescape

from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.issued_badges.models import Source
from apps.issued_badges.tests.factories import IssuedBadgeFactory

MY_BADGES = reverse("people:my_badges")


def _text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_students_read_each_source_in_their_words(demo_issued, client):
    expected = {
        "nw-student01": ["Awarded by your instructor in Cloud Fundamentals", "Earned: Cloud Architect Path completed",
                         # the administrator issued it, not an instructor of that class
                         "Awarded by Northwind Academy in Cloud Fundamentals (evening)"],
        "nw-student02": ["Awarded by Northwind Academy in Cloud Fundamentals", "Earned: First lab launched"],
        "nw-student03": ["Awarded by Northwind Academy"],
        "nw-student06": ["Awarded by Northwind Academy"],  # assigned on their User profile
        "nw-student21": ["Awarded for your course assignment: Cloud Networking Essentials"],
        "cl-student02": ["Awarded by Contoso Learning"],
    }  # fmt: skip
    staff_words = [label for value, label in Source.choices if value != Source.ACHIEVEMENT] + ["Achievement ·"]
    for username, sentences in expected.items():
        client.force_login(demo_issued[username])
        page = _text(client.get(MY_BADGES))
        assert all(sentence in page for sentence in sentences), (username, page)
        assert not [label for label in staff_words if f" {label} " in page], username


def test_staff_read_the_portals_names_and_links_only_to_what_they_open(demo_issued, client):
    client.force_login(demo_issued["nw-instructor"])
    student = demo_issued["nw-student01"]
    response = client.get(reverse("people:user_badges", args=[student.pk]))
    html, page = response.content.decode(), _text(response)
    assert "Roster · Cloud Fundamentals" in page and "Roster · Cloud Fundamentals (evening)" in page
    assert "Awarded by your instructor" not in page
    rosters = set(re.findall(r'href="/classes/(\d+)/roster/"', html))
    assert len(rosters) == 1  # their own class's Roster; not the evening class they do not teach


def test_a_student_sees_why_a_badge_was_revoked(demo_issued, client):
    client.force_login(demo_issued["nw-student04"])
    page = _text(client.get(MY_BADGES))
    assert "Revoked" in page and "Reason: “Issued by mistake”" in page
    assert "You hold no active badge: 1 revoked." in page and "No badges yet" not in page


def test_a_badge_held_by_hand_is_not_marked_as_failing_its_achievement(world, client):
    student = make_student(world.alpha.org)
    IssuedBadgeFactory(badge=world.alpha.achievement.badge, recipient=student, source=Source.ROSTER)
    client.force_login(student)
    response = client.get(MY_BADGES)
    why = response.content.decode().split('id="why-heading"', 1)[1]
    assert "✘" not in why and "Not needed:" in why
    assert "the badge is held, issued another way: these conditions no longer matter" in _text(response)
    assert ">Achievement badges held</h2>" in response.content.decode()
    assert "Why not awarded?" not in response.content.decode()


def test_a_badge_not_held_keeps_its_failing_conditions_and_title(world, client):
    client.force_login(make_student(world.alpha.org))
    html = client.get(MY_BADGES).content.decode()
    assert "Why not awarded?" in html and "✘" in html.split('id="why-heading"', 1)[1]


def test_a_revoked_badge_is_not_called_held(world, client):
    student = make_student(world.alpha.org)
    IssuedBadgeFactory(
        badge=world.alpha.achievement.badge, recipient=student, source=Source.ROSTER, revoked_at=timezone.now(),
        revocation_reason="Issued by mistake",
    )  # fmt: skip
    client.force_login(student)
    response = client.get(MY_BADGES)
    page = _text(response)
    assert "Why not awarded?" in page and "Achievement badges held" not in page
    assert "Badge revoked" in page and "the badge was revoked: it is not issued again" in page
    assert "issued another way" not in page
