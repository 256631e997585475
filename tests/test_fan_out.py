"""A full evaluation fanned out over real Celery workers on Redis and PostgreSQL (issue 16):

- over two worker processes it issues exactly what a single-process run issues — the same (badge, student) pairs,
  earned on the same dates — and a second full evaluation asked for meanwhile is recorded as skipped;
- a worker SIGKILLed in the middle of a shard, then another started: the shard's message comes back after the
  broker's visibility timeout, the run is not taken for dead meanwhile, and the final issued set equals a clean run;
- a shard that raises is recorded with its error and retried on its own; one that keeps raising fails after its
  retries, the others finish, and the run is partial — the next run evaluates that achievement in full.

The database does the slowing down and the failing (a statement-level trigger that sleeps, a row trigger that
raises), not our code. EVALUATION_SHARD_ROWS is small for the workers, so that the points achievement (every
record with points) is split into ranges of students.
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

from apps.accounts.tests.factories import make_student
from apps.achievements.models import Achievement, EarnedAchievement, EvaluationRun, EvaluationShard
from apps.achievements.services import achievements_evaluate
from apps.achievements.tasks import evaluate_achievements
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import CourseFactory
from apps.issued_badges.models import IssuedBadge
from apps.organizations.tests.factories import OrganizationFactory

from .personas import celery_worker, stop_process, wait_for, worker_ready

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the PostgreSQL test database"),
]

COURSES, STUDENTS = 6, 30
SHARD_ROWS = 10  # a course's 20 records: two shards; the 25 records with points: three
EARNED = EarnedAchievement._meta.db_table
Status = EvaluationRun.Status


def _seed() -> dict:
    """COURSES course-completed achievements and a points achievement; STUDENTS students who did some of it."""
    org = OrganizationFactory(name="Fan-out Academy", slug="fan-out-academy")
    achievements = {}
    for n in range(COURSES):
        course = CourseFactory(organization=org, title=f"Fan-out course {n}")
        badge = BadgeFactory(organization=org, name=f"Course badge {n}")
        achievements[n] = AchievementFactory(organization=org, course=course, badge=badge, notification="silent")
    achievements["points"] = AchievementFactory(
        organization=org, kind=Achievement.Kind.POINTS_REACHED, points_threshold=30, course=None,
        badge=BadgeFactory(organization=org, name="Points badge"), notification="silent",
    )  # fmt: skip
    students = [make_student(org, username=f"fan-student{n:02}") for n in range(STUDENTS)]
    now = timezone.now()
    records = [
        ActivityRecord(
            user=student,
            kind=ActivityRecord.Kind.COURSE_COMPLETED,
            course=achievements[j].course,
            occurred_at=now - timedelta(days=i + j, hours=j),
        )
        for i, student in enumerate(students)
        for j in range(COURSES)
        if (i * 7 + j) % 3
    ]
    records += [
        ActivityRecord(
            user=student, kind=ActivityRecord.Kind.POINTS, points=10 * (i % 6), occurred_at=now - timedelta(days=i)
        )
        for i, student in enumerate(students)
    ]
    ActivityRecord.objects.bulk_create(records)
    return achievements


def _issued() -> list[tuple]:
    return sorted(IssuedBadge.objects.values_list("badge_id", "recipient_id", "earned_at"))


def _single_process_run() -> list[tuple]:
    """What a full evaluation in this one process issues (its shards one after the other, none split), rolled back."""
    with transaction.atomic():
        run = achievements_evaluate(full=True)
        assert (run.status, run.errors, run.fanned_out) == (Status.FINISHED, 0, False)
        issued = _issued()
        transaction.set_rollback(True)
    assert not IssuedBadge.objects.exists()
    return issued


def _slow_earning(seconds: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION fan_slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$ "
            f"LANGUAGE plpgsql; CREATE TRIGGER fan_slow AFTER INSERT ON {EARNED} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fan_slow();"
        )


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER IF EXISTS fan_slow ON {EARNED}; DROP FUNCTION IF EXISTS fan_slow();"
            f"DROP TRIGGER IF EXISTS fan_refuse ON {EARNED}; DROP FUNCTION IF EXISTS fan_refuse();"
            "DROP SEQUENCE IF EXISTS fan_flaky;"
        )


def _workers(tmp_path, names, env, *, purge: bool = True, beat: bool = False) -> dict:
    """Workers started one after the other; the first purges the queue (nothing of an earlier test), unless the
    caller's shards are waiting in it."""
    workers = {}
    for n, name in enumerate(names):
        (tmp_path / name).mkdir()
        log = tmp_path / f"{name}.log"
        worker = celery_worker(tmp_path / name, env=env, log=log, purge=purge and n == 0, beat=beat)
        workers[name] = (worker, log)
        worker_ready(log, worker)
    return workers


def _stop(workers: dict) -> None:
    for worker, _ in workers.values():
        stop_process(worker)


def _completed(trigger: str):
    return EvaluationRun.objects.filter(trigger=trigger, status__in=[Status.FINISHED, Status.PARTIAL]).first()


def test_a_full_run_over_two_workers_issues_what_a_single_process_run_issues(tmp_path):
    _seed()
    expected = _single_process_run()
    assert len(expected) > STUDENTS  # a fair amount of work: every course's badge to two thirds of the students
    env = {"EVALUATION_SHARD_ROWS": str(SHARD_ROWS)}
    _slow_earning(0.3)  # each shard's statement takes a moment: both workers get some, and the run lasts
    workers = {}
    try:
        workers = _workers(tmp_path, ["one", "two"], env)
        processes = [worker for worker, _ in workers.values()]
        for _ in range(2):  # two full evaluations asked for at once: one runs, one is recorded as skipped
            evaluate_achievements.apply_async(kwargs={"full": True, "trigger": "manual"})
        run = wait_for(lambda: _completed("manual"), 90, "the fanned-out run completed", processes)
        wait_for(lambda: EvaluationRun.objects.filter(status=Status.SKIPPED).exists(), 30, "the skip", processes)
    finally:
        _stop(workers)
        _drop_triggers()
    logs = {name: log.read_text() for name, (_, log) in workers.items()}

    assert _issued() == expected  # the same pairs, earned on the same dates, each once
    assert (run.status, run.mode, run.errors, run.fanned_out) == (Status.FINISHED, "full", 0, True)
    assert run.achievements_evaluated == COURSES + 1 and run.badges_issued == len(expected)
    shards = list(run.shards.all())
    assert run.shards_total == len(shards) == 2 * COURSES + 3  # each split into ranges of students
    assert all(shard.status == "done" and shard.attempts == 1 for shard in shards)
    assert EvaluationRun.objects.filter(status=Status.SKIPPED).count() == 1
    for name, output in logs.items():  # both workers ran shards
        assert output.count("achievements.evaluate_shard") >= 2, (name, output[-2000:])


def test_a_worker_killed_mid_shard_then_another_started_issues_what_a_clean_run_does(tmp_path):
    achievements = _seed()
    expected = _single_process_run()
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("unacked", "unacked_index")
    lease = 10  # EVALUATION_LEASE: the broker's visibility timeout is then 20 s (the settings keep it lease + 10)
    env = {"EVALUATION_SHARD_ROWS": str(SHARD_ROWS), "EVALUATION_LEASE": str(lease), "CELERY_VISIBILITY_TIMEOUT": "15",
           "WEBHOOKS_SWEEP_EVERY": "1"}  # fmt: skip
    _slow_earning(1.0)
    workers = {}
    try:
        workers = _workers(tmp_path, ["first"], env)
        first = workers["first"][0]
        evaluate_achievements.apply_async(kwargs={"full": True, "trigger": "manual"})

        def mid_shard():  # some shards done, one running (its statement sleeping), others waiting
            done = EvaluationShard.objects.filter(status="done").count()
            running = EvaluationShard.objects.filter(status="running").first()
            return running if done >= 2 and running else None

        killed = wait_for(mid_shard, 60, "a shard running after two done", [first])
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        reserved_by_then = time.time()
        partial = _issued()
        assert 0 < len(partial) < len(expected)

        time.sleep(1)
        run = killed.run
        run.refresh_from_db()
        assert run.status == Status.RUNNING and run.fanned_out  # not taken for dead: its shard will come back
        assert broker.hlen("unacked") == 1  # the killed shard's message, unacknowledged

        # Another worker, with beat (the sweep every second), once the message has been out the visibility timeout.
        time.sleep(max(0.0, reserved_by_then + 2 * lease + 0.5 - time.time()))
        workers |= _workers(tmp_path, ["second"], env, purge=False, beat=True)  # the other shards are queued
        second = workers["second"][0]
        run = wait_for(lambda: _completed("manual"), 90, "the run completed after the restart", [second])
        wait_for(lambda: broker.hlen("unacked") == 0, 30, "every message acknowledged", [second])
    finally:
        _stop(workers)
        _drop_triggers()

    assert _issued() == expected  # nothing lost, nothing twice
    assert (run.status, run.errors, run.badges_issued) == (Status.FINISHED, 0, len(expected))
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == ("done", 2)  # delivered again, and done by the second worker
    assert EarnedAchievement.objects.count() == len(expected)
    assert not EvaluationRun.objects.filter(status__in=[Status.RUNNING, Status.INTERRUPTED]).exists()
    assert len(achievements) == COURSES + 1


def test_a_shard_that_raises_is_retried_and_one_that_keeps_raising_leaves_the_run_partial(tmp_path):
    achievements = _seed()
    expected = _single_process_run()
    refused, flaky = achievements[0], achievements[1]
    with connection.cursor() as cursor:  # the database refuses one achievement's rows always, another's twice
        cursor.execute(
            "CREATE SEQUENCE fan_flaky; CREATE FUNCTION fan_refuse() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.achievement_id = {refused.pk} THEN RAISE EXCEPTION 'disk full'; END IF; "
            f"IF NEW.achievement_id = {flaky.pk} AND nextval('fan_flaky') <= 2 THEN RAISE EXCEPTION 'flaky'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql; "
            f"CREATE TRIGGER fan_refuse BEFORE INSERT ON {EARNED} FOR EACH ROW EXECUTE FUNCTION fan_refuse();"
        )
    # One shard per achievement here (a shard's worth of rows above any achievement's): one counter of failures.
    env = {"EVALUATION_SHARD_ROWS": "1000", "EVALUATION_SHARD_RETRIES": "3", "EVALUATION_SHARD_RETRY_DELAY": "0.2"}
    workers = {}
    try:
        workers = _workers(tmp_path, ["one", "two"], env)
        processes = [worker for worker, _ in workers.values()]
        evaluate_achievements.apply_async(kwargs={"full": True, "trigger": "manual"})
        run = wait_for(lambda: _completed("manual"), 90, "the run completed", processes)
    finally:
        _stop(workers)
        _drop_triggers()

    assert (run.status, run.errors) == (Status.PARTIAL, 1)
    assert "partial" in run.get_status_display().lower()
    shards = {shard.achievement_id: shard for shard in run.shards.all()}
    assert run.shards_total == len(shards) == COURSES + 1
    failed = shards[refused.pk]
    assert (failed.status, failed.attempts) == ("failed", 4) and "disk full" in failed.error  # 1 + 3 retries
    assert (shards[flaky.pk].status, shards[flaky.pk].attempts, shards[flaky.pk].error) == ("done", 3, "")
    others = [shard for pk, shard in shards.items() if pk not in (refused.pk, flaky.pk)]
    assert all(shard.status == "done" and shard.attempts == 1 for shard in others)
    assert "disk full" in run.evaluations.get(achievement=refused).error
    refused_badge = refused.badge_id
    assert _issued() == [row for row in expected if row[0] != refused_badge]  # everything but the refused one

    # The next run (incremental, in this process) evaluates the achievement that failed in full, and issues it.
    rerun = achievements_evaluate()
    assert (rerun.mode, rerun.status, rerun.errors) == ("incremental", Status.FINISHED, 0)
    assert rerun.evaluations.get(achievement=refused).mode == "full"
    assert _issued() == expected
