"""Faults (issue 15 item 5): a real Celery worker SIGKILLed in the middle of a full evaluation run in its own
process (EVALUATION_FAN_OUT=0; tests/test_fan_out.py kills one in the middle of a shard), on Redis and PostgreSQL.
The killed run is marked interrupted (not "running" forever), its message — parked unacknowledged in Redis — is
delivered again to the next worker after the broker's visibility timeout, and the redelivered run
redoes the work: the badges issued in the end are exactly those a clean run issues on the same data.

The evaluation is made slow on the database's side, not in our code: the test adds a statement-level trigger that
sleeps on each insert into the earned achievements (one statement per achievement in a full run), so the run is
still working when the worker is killed. The clean run's result is computed first, in this process, on the same
data, in a transaction rolled back afterwards; it is also checked against the achievements' rules.
"""

import os
import signal
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.tests.factories import make_administrator, make_student
from apps.achievements.models import Achievement, EarnedAchievement, EvaluationRun
from apps.achievements.services import achievements_evaluate
from apps.achievements.tasks import evaluate_achievements
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import CourseFactory
from apps.issued_badges.models import IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.organizations.tests.factories import OrganizationFactory

from .personas import celery_worker, stop_process, wait_for, worker_ready

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"),
]

ACHIEVEMENTS, STUDENTS = 8, 40
SLOW = 0.8  # seconds each earning statement sleeps (the trigger): the full run takes about 7 s
LEASE = 4  # EVALUATION_LEASE for the workers: a run silent this long is taken for dead
VISIBILITY = 15  # CELERY_VISIBILITY_TIMEOUT for the workers (the settings keep it above the lease)
EARNED = EarnedAchievement._meta.db_table


def _meets(student: int, achievement: int) -> bool:
    return (student * 7 + achievement) % 3 != 0


def _seed():
    """ACHIEVEMENTS course-completed achievements and STUDENTS students who completed some of their courses; one
    student holds the first badge by hand already."""
    org = OrganizationFactory(name="Fault Academy", slug="fault-academy")
    achievements = []
    for n in range(ACHIEVEMENTS):
        course = CourseFactory(organization=org, title=f"Fault course {n}")
        badge = BadgeFactory(organization=org, name=f"Fault badge {n}")
        achievements.append(AchievementFactory(organization=org, course=course, badge=badge, notification="silent"))
    students = [make_student(org, username=f"fault-student{n:02}") for n in range(STUDENTS)]
    when = timezone.now() - timedelta(days=2)
    ActivityRecord.objects.bulk_create(
        ActivityRecord(user=student, kind=ActivityRecord.Kind.COURSE_COMPLETED, course=a.course, occurred_at=when)
        for i, student in enumerate(students)
        for j, a in enumerate(achievements)
        if _meets(i, j)
    )
    holder = students[1]  # meets achievement 0 too: the evaluation reports it held, and issues nothing more
    by_hand = IssueRequest(badge_ids=[achievements[0].badge_id], recipient_ids=[holder.pk],
                           actor=make_administrator(org), source=Source.USERNAMES, organization=org)  # fmt: skip
    report = badges_issue(by_hand)
    assert report.issued_count == 1
    assert _meets(1, 0)
    return {(a.badge_id, s.pk) for i, s in enumerate(students) for j, a in enumerate(achievements)
                          if _meets(i, j)}  # fmt: skip


def _issued() -> list[tuple[int, int]]:
    return sorted(IssuedBadge.objects.values_list("badge_id", "recipient_id"))


def _clean_run() -> list[tuple[int, int]]:
    """What a clean full evaluation of the data issues, evaluated here and rolled back."""
    with transaction.atomic():
        run = achievements_evaluate(full=True)
        assert run.status == EvaluationRun.Status.FINISHED and run.errors == 0
        issued = _issued()
        transaction.set_rollback(True)
    return issued


def test_a_worker_killed_mid_evaluation_leaves_an_interrupted_run_and_the_next_worker_redoes_it(tmp_path):
    by_rules = _seed()
    expected = _clean_run()
    assert set(expected) == by_rules and len(expected) == len(by_rules)  # the clean run follows the rules
    assert len(_issued()) == 1  # rolled back: only the badge held by hand

    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("unacked", "unacked_index")  # nothing of an earlier test
    env = {"EVALUATION_LEASE": str(LEASE), "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "WEBHOOKS_SWEEP_EVERY": "1",
           "EVALUATION_FAN_OUT": "0"}  # fmt: skip
    log = tmp_path / "workers.log"
    with connection.cursor() as cursor:  # each earning statement takes SLOW seconds (the database's side)
        cursor.execute(
            f"CREATE FUNCTION fault_slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep({SLOW}); RETURN NULL; END $$ "
            f"LANGUAGE plpgsql; CREATE TRIGGER fault_slow AFTER INSERT ON {EARNED} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fault_slow();"
        )
    first = second = None
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
    try:
        first = celery_worker(tmp_path / "first", env=env, log=log)
        worker_ready(log, first)
        evaluate_achievements.apply_async(kwargs={"full": True, "trigger": "manual"})

        # The run is working and has issued some of the badges (each achievement commits on its own).
        def some_done():
            run = EvaluationRun.objects.filter(status="running").first()
            done = IssuedBadge.objects.filter(source=Source.ACHIEVEMENT).values("badge").distinct().count()
            return run if run and 2 <= done < ACHIEVEMENTS - 2 else None

        killed_run = wait_for(some_done, 60, "the run half done", [first])
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        partial = _issued()
        assert 1 < len(partial) < len(expected)  # some issued, not all

        # What a killed worker leaves: the run says running, its message is parked in Redis, unacknowledged.
        time.sleep(1)
        killed_run.refresh_from_db()
        assert killed_run.status == EvaluationRun.Status.RUNNING
        assert broker.hlen("unacked") == 1

        # A new worker (with beat: the sweep every second) once the message has been out VISIBILITY seconds.
        started = killed_run.started_at.timestamp()
        time.sleep(max(0.0, started + VISIBILITY + 0.5 - time.time()))
        second = celery_worker(tmp_path / "second", beat=True, env=env, log=log)

        def redone():
            return EvaluationRun.objects.filter(trigger="manual", status="finished").first()

        rerun = wait_for(redone, 90, "the redelivered evaluation finished", [second])
        wait_for(lambda: broker.hlen("unacked") == 0, 30, "the redelivered message acknowledged", [second])
    finally:
        for worker in (first, second):
            if worker:
                stop_process(worker)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS fault_slow ON {EARNED}; DROP FUNCTION IF EXISTS fault_slow();")
    output = log.read_text()

    killed_run.refresh_from_db()
    assert killed_run.status == EvaluationRun.Status.INTERRUPTED, output[-3000:]
    assert killed_run.finished_at and killed_run.finished_at <= rerun.started_at
    assert "no heartbeat" in killed_run.error
    assert (rerun.mode, rerun.errors, rerun.achievements_evaluated) == ("full", 0, ACHIEVEMENTS)
    assert rerun.badges_issued == len(expected) - len(partial)  # the rest: nothing twice
    assert not EvaluationRun.objects.filter(status="running").exists()
    assert _issued() == expected  # the same (badge, recipient) pairs as the clean run, each once
    assert EarnedAchievement.objects.count() == len(expected)  # the badge held by hand was earned, not issued
    assert Achievement.objects.count() == ACHIEVEMENTS
    assert "achievements.evaluate_achievements" in output and "achievements.sweep" in output
