"""POST /api/v1/badges/{id}/awards/: one result per recipient, never all-or-nothing; bad input is a clear 4xx in
JSON with nothing written."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.tests.factories import make_student
from apps.badges.tests.factories import BadgeFactory
from apps.issued_badges.models import IssuanceBatch, IssuedBadge, Source
from apps.issued_badges.tests.factories import IssuedBadgeFactory


def _awards(badge) -> str:
    return reverse("api:awards", args=[badge.pk])


@pytest.fixture
def badge(world):
    return BadgeFactory(organization=world.alpha.org, name="API Star", manual_issuance_enabled=True)


def test_each_recipient_gets_a_result_in_the_order_sent(world, alpha_api, badge):
    ada = make_student(world.alpha.org, username="ada", email="Ada@Example.com")
    held = make_student(world.alpha.org, username="held")
    revoked = make_student(world.alpha.org, username="gone")
    IssuedBadgeFactory(badge=badge, recipient=held)
    IssuedBadgeFactory(badge=badge, recipient=revoked, revoked_at=timezone.now(), revocation_reason="x")
    stranger = world.beta.child_student.username  # of another organization, in none of Alpha's classes
    sent = ["ada@example.com", "held", "gone", "nobody", stranger, world.alpha.instructor.username]
    answer = alpha_api.post(_awards(badge), {"recipients": sent}, format="json")
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["recipient"], r["status"]) for r in results] == [
        ("ada@example.com", "issued"),
        ("held", "already_earned"),
        ("gone", "revoked"),
        ("nobody", "unknown_recipient"),
        (stranger, "unknown_recipient"),  # another organization's: not found, like a typo
        (world.alpha.instructor.username, "not_allowed"),  # staff, not a student
    ]
    issued = IssuedBadge.objects.get(badge=badge, recipient=ada)
    assert results[0]["issued_badge"]["uuid"] == str(issued.uuid) and results[0]["issued_badge"]["status"] == "active"
    # a badge held before comes back too, as it stands: the caller learns its uuid, or that it was revoked
    assert results[1]["issued_badge"]["uuid"] == str(IssuedBadge.objects.get(recipient=held).uuid)
    assert (results[2]["issued_badge"]["status"], results[2]["issued_badge"]["revocation_reason"]) == ("revoked", "x")
    assert [r["issued_badge"] for r in results[3:]] == [None, None, None]
    assert (issued.source, issued.issued_by) == (Source.API, None)
    assert "badges are issued to students only" in results[5]["message"]
    assert IssuanceBatch.objects.get(source=Source.API).organization == world.alpha.org


def test_evidence_is_kept_with_each_badge_and_answered(world, alpha_api, badge):
    ada, bob = make_student(world.alpha.org, username="ada"), make_student(world.alpha.org, username="bob")
    link = "https://lms.example.com/projects/4711"
    answer = alpha_api.post(_awards(badge), {"recipients": ["ada", "bob"], "evidence": link}, format="json")
    assert [r["issued_badge"]["evidence"] for r in answer.json()["results"]] == [link, link]
    assert {issued.evidence for issued in IssuedBadge.objects.filter(recipient__in=[ada, bob])} == {link}
    listed = alpha_api.get(reverse("api:issued_badge", args=[IssuedBadge.objects.get(recipient=ada).uuid])).json()
    assert listed["evidence"] == link
    # without evidence: an empty string, not the previous issuance's
    carol = make_student(world.alpha.org, username="carol")
    answer = alpha_api.post(_awards(badge), {"recipients": ["carol"]}, format="json")
    assert answer.json()["results"][0]["issued_badge"]["evidence"] == ""
    assert IssuedBadge.objects.get(recipient=carol).evidence == ""


def test_the_queries_do_not_grow_with_the_recipients(world, alpha_api, badge):
    def queries(count):
        names = [make_student(world.alpha.org).username for _ in range(count)]
        with CaptureQueriesContext(connection) as ctx:
            assert alpha_api.post(_awards(badge), {"recipients": names}, format="json").status_code == 200
        return len(ctx.captured_queries)

    queries(1)  # the key's "last used at" is written on its first call
    assert queries(2) == queries(50)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipients": []}, "recipients"),
        ({"recipients": [f"s{n}" for n in range(51)]}, "recipients"),
        ({}, "recipients"),
        ({"recipients": "ada"}, "recipients"),
        ({"recipients": ["ada"], "issued_by": "admin"}, "issued_by"),
        ({"recipients": ["ada"], "organization": 1}, "organization"),
        ({"recipients": ["ada"], "evidence": "x" * 2001}, "evidence"),
        ({"recipients": ["ada"], "evidence": ["a list"]}, "evidence"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_bodies_are_400_in_json_and_write_nothing(world, alpha_api, badge, body, field):
    answer = alpha_api.post(_awards(badge), body, format="json")
    assert answer.status_code == 400 and field in answer.json()
    assert not IssuanceBatch.objects.filter(source=Source.API).exists()


def test_malformed_json_is_400_in_json(world, alpha_api, badge):
    answer = alpha_api.post(_awards(badge), '{"recipients": [', content_type="application/json")
    assert answer.status_code == 400 and "JSON parse error" in answer.json()["detail"]


def test_a_badge_not_for_manual_issuance_or_inactive_is_refused_whole(world, alpha_api):
    for badge in (BadgeFactory(organization=world.alpha.org, manual_issuance_enabled=False),
                  BadgeFactory(organization=world.alpha.org, is_active=False)):  # fmt: skip
        answer = alpha_api.post(_awards(badge), {"recipients": [world.alpha.student.username]}, format="json")
        assert answer.status_code == 422 and "nothing was issued" in answer.json()["detail"]
    assert not IssuanceBatch.objects.filter(source=Source.API).exists()


def test_another_organizations_badge_is_404(world, alpha_api):
    answer = alpha_api.post(_awards(world.beta.badge), {"recipients": ["x"]}, format="json")
    assert answer.status_code == 404 and answer.json() == {"detail": "No Badge matches the given query."}
    assert alpha_api.post("/api/v1/badges/abc/awards/", {}, format="json").json() == {"detail": "Not found."}
