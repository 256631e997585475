"""Planning a full run's shards (issue 16): every achievement and every student covered exactly once, whatever the
sizes, bounds and shard size — Hypothesis; and the plan as the database sees it (estimates, splitting, inactive
badges), run in this process."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from hypothesis import given
from hypothesis import strategies as st

from apps.achievements.kinds import UserRange
from apps.achievements.models import EarnedAchievement, EvaluationRun, EvaluationShard
from apps.achievements.services import achievements_evaluate, runs
from apps.achievements.services.shards import shards_plan
from apps.activity.models import ActivityRecord
from apps.issued_badges.models import IssuedBadge

from .test_evaluation import Activity, Kind, achievement, holders, record

sizes = st.dictionaries(st.integers(1, 10_000), st.integers(0, 5_000), max_size=12)
bounds = st.tuples(st.integers(1, 10_000), st.integers(0, 3_000)).map(lambda b: (b[0], b[0] + b[1]))


@given(sizes=sizes, bounds=st.none() | bounds, rows_per_shard=st.integers(1, 2_000), data=st.data())
def test_every_achievement_and_student_is_in_exactly_one_shard(sizes, bounds, rows_per_shard, data):
    plan = shards_plan(sizes, bounds, rows_per_shard)
    assert {shard.achievement_id for shard in plan} == set(sizes)
    low, high = bounds or (1, 1)
    # Students inside the bounds, at their edges, and outside them (they joined after the plan was made).
    students = [*data.draw(st.lists(st.integers(low - 50, high + 50), max_size=30)), low, high, low - 1, high + 1]
    for achievement_id, rows in sizes.items():
        mine = [shard for shard in plan if shard.achievement_id == achievement_id]
        for student in students:
            assert sum(student in shard.users for shard in mine) == 1, (achievement_id, student, mine)
        # Split only when it reads more than a shard's worth, and never into empty ranges.
        assert len(mine) == 1 or rows > rows_per_shard
        if len(mine) > 1:
            inner = [shard.users for shard in mine if shard.users.start is not None and shard.users.stop is not None]
            assert all(users.start < users.stop for users in inner)
            assert len(mine) <= high - low + 1
    assert [shard.estimated_rows for shard in plan] == sorted((s.estimated_rows for s in plan), reverse=True)


def test_a_user_range_reads_as_sql_and_holds_its_students():
    assert UserRange().sql("user_id") == ("", [])
    assert UserRange(10, None).sql("a.user_id") == (" AND a.user_id >= %s", [10])
    assert UserRange(10, 20).sql("u.id") == (" AND u.id >= %s AND u.id < %s", [10, 20])
    assert 10 in UserRange(10, 20) and 19 in UserRange(10, 20) and 20 not in UserRange(10, 20)
    assert 5 in UserRange(None, 6) and 10**9 in UserRange(3, None)


@pytest.mark.django_db
def test_a_large_achievement_is_split_by_students_and_the_split_run_issues_the_same(catalog, settings):
    """Points (every record with points) and a course, over four students: with a shard of two records, each is
    split into ranges of students; the run in shards issues exactly what the same run unsplit does."""
    points = achievement(catalog, Kind.POINTS_REACHED, points_threshold=10)
    course = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    for n, student in enumerate(catalog.students):
        record(student, Activity.POINTS, 3 + n, points=5 * (n + 1))
        record(student, Activity.COURSE_COMPLETED, 3 + n, course=catalog.courses[0])

    def evaluated(rows_per_shard: int):
        """The run, what it issued and its shards, read and then rolled back (the next starts from nothing)."""
        settings.EVALUATION_SHARD_ROWS = rows_per_shard
        with transaction.atomic():
            run = achievements_evaluate(full=True)
            issued = sorted(IssuedBadge.objects.values_list("badge_id", "recipient_id", "earned_at"))
            shards = list(run.shards.order_by("achievement_id", "user_from"))
            run.logged = {e.achievement_id: e.badges_issued for e in run.evaluations.all()}
            transaction.set_rollback(True)
        return run, issued, shards

    whole, issued_whole, shards_whole = evaluated(1_000)
    split, issued_split, shards_split = evaluated(2)
    assert issued_split == issued_whole and len(issued_whole) == 3 + 4  # points: students 2..4; the course: all
    assert [s.achievement_id for s in shards_whole] == [points.pk, course.pk]
    assert {s.achievement_id for s in shards_split} == {points.pk, course.pk} and len(shards_split) == 4
    assert all(s.status == EvaluationShard.Status.DONE and s.attempts == 1 for s in shards_split)
    assert sum(s.estimated_rows for s in shards_whole) == 8  # 4 records with points, 4 of the course
    for run in (whole, split):
        assert (run.status, run.mode, run.errors, run.achievements_evaluated) == ("finished", "full", 0, 2)
        assert not run.fanned_out and run.badges_issued == 7
        assert run.logged == {points.pk: 3, course.pk: 4}  # one log line per achievement, its shards summed
    assert (whole.shards_total, split.shards_total) == (2, 4)


@pytest.mark.django_db
def test_an_inactive_badge_is_a_shard_ended_with_its_reason(catalog):
    dormant = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    dormant.badge.is_active = False
    dormant.badge.save()
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    run = achievements_evaluate(full=True)
    assert (run.status, run.errors, run.badges_issued, run.shards_total) == ("finished", 1, 0, 1)
    assert "is inactive" in run.evaluations.get(achievement=dormant).error
    assert not holders(dormant)


@pytest.mark.django_db
def test_a_full_run_with_no_achievement_completes_at_once(catalog):
    ActivityRecord.objects.all().delete()
    run = achievements_evaluate(full=True)
    assert (run.status, run.shards_total, run.achievements_evaluated) == (EvaluationRun.Status.FINISHED, 0, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a trigger that sleeps (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_statement_longer_than_the_lease_keeps_the_run_alive(catalog, settings):
    """One shard's statement takes 1.5 s, three times the lease: the run's lease is renewed meanwhile (a thread of
    the process), so the sweep, looking in the middle of it, does not take the run for dead."""
    settings.EVALUATION_LEASE = 0.5  # renewed every 0.125 s
    course = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    earned = EarnedAchievement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION lease_slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$ "
            f"LANGUAGE plpgsql; CREATE TRIGGER lease_slow AFTER INSERT ON {earned} "
            "FOR EACH STATEMENT EXECUTE FUNCTION lease_slow();"
        )
    swept = []

    def sweep_midway():
        time.sleep(1.0)
        try:
            swept.append(runs.runs_interrupt_stale())
        finally:
            connections.close_all()

    sweeper = threading.Thread(target=sweep_midway)
    try:
        sweeper.start()
        run = achievements_evaluate(full=True)
        sweeper.join(10)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER lease_slow ON {earned}; DROP FUNCTION lease_slow();")
    assert swept == [0]  # nothing stale while the statement ran
    assert (run.status, run.badges_issued) == (EvaluationRun.Status.FINISHED, 1)
    assert holders(course)
