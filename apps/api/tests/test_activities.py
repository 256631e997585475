"""POST /api/v1/activities/: up to 1,000 items, each validated on its own; the valid ones are stored and their
students evaluated as soon as the call commits."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.achievements.models import EvaluationRequest, EvaluationRun
from apps.achievements.services.soon import evaluate_soon, evaluation_requested
from apps.activity.models import ActivityRecord
from apps.issued_badges.models import IssuedBadge, Source

URL = reverse("api:activities")


def _when(hours=1) -> str:
    return (timezone.now() - timedelta(hours=hours)).isoformat()


def test_each_item_is_validated_on_its_own_and_the_valid_ones_are_stored(world, alpha_api):
    student, course, lab, when = world.alpha.student.username, world.alpha.course.code, world.alpha.lab, _when()
    items = [
        {"username": student, "kind": "course_completed", "course": course, "points": 10, "occurred_at": when},
        {"username": student, "kind": "course_completed", "course": course, "points": 10, "occurred_at": when},
        {"username": "nobody", "kind": "points", "points": 5, "occurred_at": _when()},
        {"username": student, "kind": "lab_launched", "lab": f"{lab.course.code}/{lab.code}", "occurred_at": _when(2)},
        {"username": student, "kind": "points", "points": "5", "occurred_at": _when()},
        {"username": student, "kind": "points", "points": 5, "occurred_at": _when(), "issued_by": "admin"},
        {"username": student, "kind": "lab_launched", "course": course, "occurred_at": _when()},
        {"username": world.beta.child_student.username, "kind": "points", "points": 1, "occurred_at": _when()},
        "not an object",
    ]
    start = timezone.now()
    answer = alpha_api.post(URL, {"activities": items}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["recorded"], body["already_recorded"], body["invalid"]) == (2, 1, 6)
    assert [r["status"] for r in body["results"]] == [
        "recorded", "already_recorded", "invalid", "recorded", "invalid", "invalid", "invalid", "invalid", "invalid",
    ]  # fmt: skip
    errors = {r["index"]: r["errors"] for r in body["results"]}
    assert errors[3] == ["Item 3: unknown username “nobody”."]
    assert errors[5] == ["Item 5: points must be a whole number of 0 or more."]
    assert errors[6] == ["Item 6: fields not accepted: issued_by."]
    assert errors[7] == ["Item 7: lab_launched takes lab, not course."]
    assert errors[8] == [f"Item 8: unknown username “{world.beta.child_student.username}”."]  # another organization's
    stored = ActivityRecord.objects.filter(user=world.alpha.student, recorded_at__gte=start).order_by("kind")
    assert list(stored.values_list("kind", "points")) == [("course_completed", 10), ("lab_launched", 0)]


def test_too_many_or_none_is_400_and_writes_nothing(world, alpha_api):
    item = {"username": world.alpha.student.username, "kind": "points", "points": 1, "occurred_at": _when()}
    assert alpha_api.post(URL, {"activities": [item] * 1001}, format="json").status_code == 400
    assert alpha_api.post(URL, {"activities": []}, format="json").status_code == 400
    assert alpha_api.post(URL, {"activity": [item]}, format="json").status_code == 400
    assert not ActivityRecord.objects.filter(user=world.alpha.student, kind="points").exists()


def test_the_students_recorded_are_evaluated_as_soon_as_the_call_commits(
    world, alpha_api, eager_celery, django_capture_on_commit_callbacks
):
    achievement = world.alpha.achievement  # completing the Alpha course awards the Alpha badge
    student = world.alpha.child_student  # the child organization's student: Alpha's achievements count for them
    EvaluationRun.objects.create(mode="full", status="finished", started_at=timezone.now(), finished_at=timezone.now())
    item = {"username": student.username, "kind": "course_completed", "course": achievement.course.code,
            "occurred_at": _when()}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert alpha_api.post(URL, {"activities": [item]}, format="json").json()["recorded"] == 1
    issued = IssuedBadge.objects.get(badge=achievement.badge, recipient=student)
    assert (issued.source, issued.achievement) == (Source.ACHIEVEMENT, achievement)
    assert EvaluationRun.objects.filter(trigger="activity", status="finished").count() == 1
    assert EvaluationRequest.objects.get().requested_at is None  # nothing waits any more


def test_a_burst_asks_for_one_evaluation_and_a_lost_one_is_asked_again(db):
    assert evaluate_soon() is True
    assert [evaluate_soon() for _ in range(5)] == [False] * 5  # queued once for the whole burst
    evaluation_requested()  # the run starts: activity from now on asks for the next
    assert evaluate_soon() is True
    EvaluationRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=6))  # its task was lost
    assert evaluate_soon() is True
    EvaluationRequest.objects.all().delete()  # a database emptied since the migration made the row
    assert evaluate_soon() is True and EvaluationRequest.objects.get().requested_at is not None
