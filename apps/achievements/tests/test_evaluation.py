"""The evaluator: each kind, retroactive, exactly once, revoked stays revoked, incremental = full, the lock,
a failing achievement, nothing to do, how students are told."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.tests.factories import make_student
from apps.achievements.models import (
    Achievement,
    AchievementEvaluation,
    EarnedAchievement,
    EvaluationRun,
)
from apps.achievements.services import achievements_evaluate, evaluation, runs, shards
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.badges.tests.factories import BadgeFactory
from apps.courses.tests.factories import LabFactory
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Outcome, Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke
from apps.notifications.sending import emails_send_due
from apps.organizations.tests.factories import OrganizationFactory

Kind = Achievement.Kind
Activity = ActivityRecord.Kind
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL feature")


def days_ago(n: float):
    return timezone.now() - timedelta(days=n)


def record(user, kind, when=1, points=0, **target):
    return ActivityRecord.objects.create(user=user, kind=kind, occurred_at=days_ago(when), points=points, **target)


def achievement(catalog, kind, **fields):
    badge = BadgeFactory(organization=catalog.org, name=f"{kind} badge {Achievement.objects.count()}")
    courses = fields.pop("courses", ())
    fields.setdefault("notification", Achievement.Notification.SILENT)
    made = AchievementFactory(organization=catalog.org, kind=kind, badge=badge, course=fields.pop("course", None),
                              **fields)  # fmt: skip
    made.courses.set(courses)
    return made


def holders(achievement) -> dict:
    """Who holds its badge, and when they earned it."""
    return dict(IssuedBadge.objects.filter(badge=achievement.badge).values_list("recipient__username", "earned_at"))


# --- Each kind: met, not met, partly met -----------------------------------------------------------


def test_lab_launched_and_completed(catalog):
    a, b, c, _ = catalog.students
    launched = achievement(catalog, Kind.LAB_LAUNCHED, lab=catalog.lab)
    completed = achievement(catalog, Kind.LAB_COMPLETED, lab=catalog.lab)
    record(a, Activity.LAB_LAUNCHED, 5, lab=catalog.lab)
    record(b, Activity.LAB_COMPLETED, 3, lab=catalog.lab)  # completing a lab means it was launched
    record(c, Activity.LAB_LAUNCHED, 2, lab=LabFactory(course=catalog.courses[1]))  # another lab
    achievements_evaluate()
    assert set(holders(launched)) == {a.username, b.username}
    assert set(holders(completed)) == {b.username}


def test_course_completed(catalog):
    a, b, _, _ = catalog.students
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(a, Activity.COURSE_COMPLETED, 4, course=catalog.courses[0])
    record(b, Activity.COURSE_COMPLETED, 4, course=catalog.courses[1])
    achievements_evaluate()
    assert set(holders(wanted)) == {a.username}


def test_a_set_of_courses_needs_every_one_and_is_dated_by_the_last(catalog):
    a, b, _, _ = catalog.students
    wanted = achievement(catalog, Kind.COURSES_COMPLETED, courses=catalog.courses)
    for n, course in enumerate(catalog.courses):
        record(a, Activity.COURSE_COMPLETED, 10 - n, course=course)
        record(a, Activity.COURSE_COMPLETED, 1, course=course)  # done again later: the first time counts
    for course in catalog.courses[:2]:  # partly met
        record(b, Activity.COURSE_COMPLETED, 5, course=course)
    achievements_evaluate()
    issued = holders(wanted)
    assert set(issued) == {a.username}
    assert abs(issued[a.username] - days_ago(8)) < timedelta(minutes=1)


def test_a_learning_path_needs_its_courses_and_its_exam(catalog):
    a, b, c, _ = catalog.students
    wanted = achievement(catalog, Kind.LEARNING_PATH_COMPLETED, learning_path=catalog.path)
    for student in (a, b):
        for course in catalog.courses[:2]:
            record(student, Activity.COURSE_COMPLETED, 6, course=course)
    record(a, Activity.EXAM_PASSED, 2, learning_path=catalog.path)
    record(c, Activity.EXAM_PASSED, 2, learning_path=catalog.path)  # the exam without the courses
    achievements_evaluate()
    assert set(holders(wanted)) == {a.username}


def test_points_are_dated_when_the_running_total_reached_the_threshold(catalog):
    a, b, _, _ = catalog.students
    wanted = achievement(catalog, Kind.POINTS_REACHED, points_threshold=100)
    record(a, Activity.POINTS, 9, points=60)
    record(a, Activity.COURSE_COMPLETED, 7, points=50, course=catalog.courses[0])  # 110: met here
    record(a, Activity.POINTS, 1, points=500)
    record(b, Activity.POINTS, 3, points=99)
    outsider = make_student(OrganizationFactory(), username="outsider")
    record(outsider, Activity.POINTS, 3, points=1000)  # another organization's student: not theirs to count
    achievements_evaluate()
    issued = holders(wanted)
    assert set(issued) == {a.username}
    assert abs(issued[a.username] - days_ago(7)) < timedelta(minutes=1)


# --- Retroactive, exactly once, revoked ------------------------------------------------------------


def test_a_new_achievement_is_met_by_what_was_done_long_ago(catalog):
    a = catalog.students[0]
    record(a, Activity.COURSE_COMPLETED, 400, course=catalog.courses[2])
    achievements_evaluate()  # a first run, before the achievement exists
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[2])
    run = achievements_evaluate()  # incremental: the new achievement gets a full pass
    assert run.mode == EvaluationRun.Mode.INCREMENTAL
    issued = holders(wanted)
    assert set(issued) == {a.username}
    assert abs(issued[a.username] - days_ago(400)) < timedelta(minutes=1)
    row = IssuedBadge.objects.get(badge=wanted.badge)
    assert (row.source, row.achievement, row.issued_by) == (Source.ACHIEVEMENT, wanted, None)
    assert EarnedAchievement.objects.get(achievement=wanted).earned_at == row.earned_at
    # Issued now, by the run: not backdated to the day it was earned, before the badge existed.
    assert run.started_at <= row.issued_at <= run.finished_at


def test_repeated_runs_issue_once_and_a_manual_holder_is_not_issued_again(catalog):
    a, b, _, _ = catalog.students
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    wanted.badge.manual_issuance_enabled = True
    wanted.badge.save()
    badges_issue(IssueRequest(badge_ids=[wanted.badge.pk], recipient_ids=[b.pk], actor=catalog.admin,
                              source=Source.USERNAMES, organization=catalog.org))  # fmt: skip
    for student in (a, b):
        record(student, Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    for full in (True, False, True, False):
        achievements_evaluate(full=full)
    rows = IssuedBadge.objects.filter(badge=wanted.badge)
    assert sorted(rows.values_list("recipient__username", "source")) == [
        (a.username, "achievement"),
        (b.username, "usernames"),
    ]
    assert EarnedAchievement.objects.filter(achievement=wanted).count() == 2
    # The manual holder was reported once (already earned), not on every run.
    assert IssuanceLog.objects.filter(badge=wanted.badge, reason_code=Outcome.ALREADY_EARNED).count() == 1


def test_a_revoked_badge_is_never_issued_again(catalog):
    a = catalog.students[0]
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(a, Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    achievements_evaluate()
    issued = IssuedBadge.objects.get(badge=wanted.badge, recipient=a)
    issued_badges_revoke(ids=[issued.pk], actor=catalog.admin, reason="Cheated")
    record(a, Activity.COURSE_COMPLETED, 0, course=catalog.courses[0])  # does it again
    EarnedAchievement.objects.filter(achievement=wanted).delete()  # even were it to be earned anew
    for full in (False, True):
        achievements_evaluate(full=full)
    issued.refresh_from_db()
    assert issued.is_revoked and IssuedBadge.objects.filter(badge=wanted.badge).count() == 1


def test_nothing_to_do_writes_nothing(catalog):
    achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    achievements_evaluate()
    counts = lambda: [m.objects.count() for m in (IssuedBadge, IssuanceLog, IssuanceBatch, EarnedAchievement)]  # noqa: E731
    before = counts()
    for full in (False, True, False):
        run = achievements_evaluate(full=full)
        assert run.badges_issued == 0 and run.errors == 0
    assert counts() == before
    assert achievements_evaluate().achievements_evaluated == 0  # incremental, no new activity: nothing evaluated


def test_an_inactive_achievement_or_badge_issues_nothing(catalog):
    a = catalog.students[0]
    off = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0], is_active=False)
    badge_off = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    badge_off.badge.is_active = False
    badge_off.badge.save()
    record(a, Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    run = achievements_evaluate()
    assert not holders(off) and not holders(badge_off)
    assert "inactive" in run.evaluations.get(achievement=badge_off).error
    badge_off.badge.is_active = True  # reactivated: the nightly full pass issues it
    badge_off.badge.save()
    achievements_evaluate(full=True)
    assert set(holders(badge_off)) == {a.username}


# --- Incremental = full ------------------------------------------------------------------------------

ACTIVITY = st.tuples(
    st.integers(0, 3),  # student
    st.sampled_from(["lab_launched", "lab_completed", "course0", "course1", "course2", "exam", "points"]),
    st.integers(0, 60),  # points
    st.integers(0, 9),  # days ago, within its batch's ten days: batches arrive in chronological order
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(ACTIVITY, max_size=6), min_size=1, max_size=4), late=st.integers(0, 3))
def test_incremental_runs_give_what_a_full_evaluation_from_scratch_gives(catalog, batches, late):
    """Random activity arrives in batches with an incremental run after each (and two achievements created
    after batch ``late``); the badges issued, and their dates, are exactly those a single full evaluation
    gives. (Activity reported late, dated before a badge already issued, does not move the badge's date:
    see test_a_badge_keeps_the_date_it_was_issued_with.)"""
    with transaction.atomic():
        kinds = [
            {"kind": Kind.LAB_LAUNCHED, "lab": catalog.lab},
            {"kind": Kind.LAB_COMPLETED, "lab": catalog.lab},
            {"kind": Kind.COURSE_COMPLETED, "course": catalog.courses[1]},
            {"kind": Kind.COURSES_COMPLETED, "courses": catalog.courses[:2]},
            {"kind": Kind.LEARNING_PATH_COMPLETED, "learning_path": catalog.path},
            {"kind": Kind.POINTS_REACHED, "points_threshold": 80},
        ]
        made = [achievement(catalog, **fields) for fields in kinds[:4]]
        for n, batch in enumerate(batches):
            if n == late:
                made += [achievement(catalog, **fields) for fields in kinds[4:]]
            for student, what, points, ago in batch:
                user = catalog.students[student]
                kind, target = {
                    "lab_launched": (Activity.LAB_LAUNCHED, {"lab": catalog.lab}),
                    "lab_completed": (Activity.LAB_COMPLETED, {"lab": catalog.lab}),
                    "exam": (Activity.EXAM_PASSED, {"learning_path": catalog.path}),
                    "points": (Activity.POINTS, {}),
                }.get(what) or (Activity.COURSE_COMPLETED, {"course": catalog.courses[int(what[-1])]})
                record(user, kind, ago + 10 * (len(batches) - 1 - n), points=points, **target)
            achievements_evaluate()
        if late >= len(batches):
            made += [achievement(catalog, **fields) for fields in kinds[4:]]
            achievements_evaluate()
        incremental = set(IssuedBadge.objects.values_list("badge_id", "recipient_id", "earned_at"))

        # From scratch: forget every result, then one full evaluation.
        from apps.issued_badges.models import issued_badge_writes

        with issued_badge_writes():
            IssuedBadge.objects.all().delete()
        EarnedAchievement.objects.all().delete()
        EvaluationRun.objects.all().delete()
        achievements_evaluate(full=True)
        assert set(IssuedBadge.objects.values_list("badge_id", "recipient_id", "earned_at")) == incremental
        transaction.set_rollback(True)


def test_a_badge_keeps_the_date_it_was_issued_with(catalog):
    a = catalog.students[0]
    wanted = achievement(catalog, Kind.LAB_LAUNCHED, lab=catalog.lab)
    record(a, Activity.LAB_LAUNCHED, 1, lab=catalog.lab)
    achievements_evaluate()
    record(a, Activity.LAB_LAUNCHED, 30, lab=catalog.lab)  # an older launch, imported late
    achievements_evaluate(full=True)
    assert abs(holders(wanted)[a.username] - days_ago(1)) < timedelta(minutes=1)  # history is not rewritten


# --- The lock, a failing achievement --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_the_second_skips(catalog, caplog, monkeypatch):
    achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    holding, release = threading.Event(), threading.Event()
    plan = evaluation.full_run  # the first run is a full one

    def first_run_pauses(*args, **kwargs):
        holding.set()
        release.wait(10)
        return plan(*args, **kwargs)

    monkeypatch.setattr(evaluation, "full_run", first_run_pauses)
    first = {}

    def first_run():
        try:
            first["run"] = achievements_evaluate()
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert holding.wait(10)
        monkeypatch.setattr(evaluation, "full_run", plan)
        skipped = achievements_evaluate()  # the first holds the lock: its row is the one running
    finally:
        release.set()
        thread.join(20)
    assert skipped.status == EvaluationRun.Status.SKIPPED
    assert "skipped" in caplog.text
    assert (first["run"].status, first["run"].badges_issued) == (EvaluationRun.Status.FINISHED, 1)
    assert IssuedBadge.objects.count() == 1
    assert achievements_evaluate().status == EvaluationRun.Status.FINISHED  # once the lock is free


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_the_same_instant_one_runs_one_skips(catalog):
    achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    barrier, results = threading.Barrier(4), []

    def start():
        try:
            barrier.wait(10)
            results.append(achievements_evaluate().status)
        finally:
            connections.close_all()

    for _ in range(3):  # three rounds of four at once
        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    # However they interleave, no two overlapped: nobody ran while a run was running.
    assert results.count(EvaluationRun.Status.FINISHED) >= 3 and len(results) == 12
    assert set(results) <= {EvaluationRun.Status.FINISHED, EvaluationRun.Status.SKIPPED}
    assert IssuedBadge.objects.count() == 1 and not EvaluationRun.objects.filter(status="running").exists()


# --- A run whose worker was killed: its lease runs out, it is marked interrupted, the next run redoes its work ----


def _killed_run(minutes_ago: float, **fields) -> EvaluationRun:
    """A run left "running" by a worker killed ``minutes_ago`` (its last heartbeat)."""
    seen = timezone.now() - timedelta(minutes=minutes_ago)
    return EvaluationRun.objects.create(mode="full", status="running", started_at=seen - timedelta(minutes=1),
                                        heartbeat_at=seen, **fields)  # fmt: skip


def test_a_run_whose_lease_ran_out_is_marked_interrupted_and_the_next_run_redoes_its_work(catalog, client):
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    achievements_evaluate()
    record(catalog.students[1], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    alive = _killed_run(minutes_ago=0.5)  # a heartbeat 30 s ago: within the lease, it holds the lock
    assert achievements_evaluate().status == EvaluationRun.Status.SKIPPED
    EvaluationRun.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=3))

    rerun = achievements_evaluate()
    alive.refresh_from_db()
    assert alive.status == EvaluationRun.Status.INTERRUPTED and alive.finished_at == alive.heartbeat_at
    assert "no heartbeat for 120 s" in alive.error
    assert (rerun.status, rerun.mode, rerun.badges_issued) == ("finished", "incremental", 1)
    assert len(holders(wanted)) == 2
    client.force_login(catalog.admin)
    page = client.get("/achievements/").content.decode()
    assert "Interrupted</span> — the worker stopped; the next run redoes its work" in page  # in the history


def test_the_last_run_interrupted_is_said_so_on_the_page(catalog, client):
    _killed_run(minutes_ago=10)
    assert runs.runs_interrupt_stale() == 1 and runs.runs_interrupt_stale() == 0
    client.force_login(catalog.admin)
    page = client.get("/achievements/").content.decode()
    assert "Interrupted</span> — the worker stopped (last seen working at" in page
    assert "the next run redoes its work." in page


def test_a_run_without_a_heartbeat_is_judged_by_its_start(catalog):
    old = EvaluationRun.objects.create(mode="full", status="running", started_at=timezone.now() - timedelta(hours=2))
    assert achievements_evaluate().status == EvaluationRun.Status.FINISHED
    old.refresh_from_db()
    assert old.status == EvaluationRun.Status.INTERRUPTED and old.finished_at == old.started_at


def test_a_run_taken_for_dead_stops_at_its_next_heartbeat(catalog, monkeypatch, caplog):
    achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[1])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[1])
    monkeypatch.setattr(runs, "heartbeat_seconds", lambda: 0)  # a heartbeat before each achievement
    issue = shards.earn_and_issue

    def paused_past_its_lease(items, requested_by):
        outcomes = issue(items, requested_by)  # the first achievement is issued, then the run is taken for dead
        EvaluationRun.objects.filter(status="running").update(status="interrupted")
        return outcomes

    monkeypatch.setattr(shards, "earn_and_issue", paused_past_its_lease)
    run = achievements_evaluate(full=True)
    assert run.status == EvaluationRun.Status.INTERRUPTED and "lost its lease" in caplog.text
    assert IssuedBadge.objects.count() == 1  # it stopped at the next heartbeat
    monkeypatch.setattr(shards, "earn_and_issue", issue)
    assert achievements_evaluate(full=True).badges_issued == 1 and IssuedBadge.objects.count() == 2


@postgres_only
def test_a_failing_achievement_is_recorded_and_the_others_go_on(catalog):
    poison = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    fine = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    with connection.cursor() as cursor:  # the database refuses this one achievement's rows
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;"
            f"CREATE TRIGGER poison BEFORE INSERT ON {EarnedAchievement._meta.db_table} FOR EACH ROW "
            f"WHEN (NEW.achievement_id = {poison.pk}) EXECUTE FUNCTION refuse();"
        )
    run = achievements_evaluate()  # the first run: full, in shards
    assert run.status == EvaluationRun.Status.PARTIAL and run.errors == 1
    assert "disk full" in run.evaluations.get(achievement=poison).error
    assert not holders(poison) and len(holders(fine)) == 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER poison ON {EarnedAchievement._meta.db_table}")
    achievements_evaluate()  # the failed one gets a full pass at the next run
    assert len(holders(poison)) == 1


@postgres_only
def test_an_incremental_run_with_a_failing_achievement_evaluates_each_on_its_own(catalog, caplog):
    """An incremental run evaluates its achievements together; when that fails, each is evaluated on its own, so
    the failing one is recorded and the others are issued — and their students told once."""
    poison = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0], notification="each")
    course, lab = (
        achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0], notification="each"),
        achievement(catalog, Kind.LAB_LAUNCHED, lab=catalog.lab, notification="each"),
    )
    achievements_evaluate()  # the first run: nothing done yet
    a = catalog.students[0]
    record(a, Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    record(a, Activity.LAB_LAUNCHED, 1, lab=catalog.lab)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;"
            f"CREATE TRIGGER poison BEFORE INSERT ON {EarnedAchievement._meta.db_table} FOR EACH ROW "
            f"WHEN (NEW.achievement_id = {poison.pk}) EXECUTE FUNCTION refuse();"
        )
    mail.outbox.clear()
    run = achievements_evaluate()
    emails_send_due()  # the outbox, as the worker sends it after the commit
    assert "evaluating 3 achievements together failed: each on its own" in caplog.text
    assert (run.mode, run.errors, run.badges_issued, run.achievements_evaluated) == ("incremental", 1, 2, 3)
    assert "disk full" in run.evaluations.get(achievement=poison).error
    assert not holders(poison) and set(holders(course)) == set(holders(lab)) == {a.username}
    assert abs(holders(lab)[a.username] - days_ago(1)) < timedelta(minutes=1)
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"You earned the badge “{made.badge.name}”" for made in (course, lab)
    )


@postgres_only
def test_an_incremental_run_takes_the_same_queries_however_many_achievements_it_issues(catalog):
    told = {"notification": Achievement.Notification.EACH}  # as by default: each student gets an e-mail
    for course in catalog.courses:
        achievement(catalog, Kind.COURSE_COMPLETED, course=course, **told)
    achievement(catalog, Kind.LAB_LAUNCHED, lab=catalog.lab, **told)
    achievement(catalog, Kind.LAB_COMPLETED, lab=catalog.lab, **told)
    achievement(catalog, Kind.POINTS_REACHED, points_threshold=10, **told)
    achievements_evaluate()  # the first run: nothing done yet
    a, b, _, _ = catalog.students

    def run_after(records) -> tuple[int, int]:
        for student, kind, target, points in records:
            record(student, kind, 1, points=points, **target)
        with CaptureQueriesContext(connection) as ctx:
            run = achievements_evaluate()
        assert run.mode == EvaluationRun.Mode.INCREMENTAL and run.errors == 0
        return run.badges_issued, len(ctx.captured_queries)

    few = run_after([
        (a, Activity.COURSE_COMPLETED, {"course": catalog.courses[0]}, 0),
        (a, Activity.LAB_LAUNCHED, {"lab": catalog.lab}, 0),
        (a, Activity.POINTS, {}, 5),  # not yet 10
    ])  # fmt: skip
    many = run_after(
        [(b, Activity.COURSE_COMPLETED, {"course": course}, 0) for course in catalog.courses]
        + [(b, Activity.LAB_COMPLETED, {"lab": catalog.lab}, 0), (b, Activity.POINTS, {}, 20)]
    )
    # stale runs (the lock), savepoint, new run, release (the test's transaction: none in production), last run,
    # watermark, the run's mode and watermark, achievements, organizations (whose points count), failed last time,
    # new activity, point totals; savepoint, earn (one statement); the door: savepoint, badges, batches,
    # issue + log, batch counts, facets, the active webhooks (the outbox), release; release, run log, whom to
    # e-mail, run finished (frees the lock)
    assert few == (2, 26) and many == (6, 26)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_run_that_stops_is_recorded_as_failed_and_the_next_one_starts_again(catalog, client):
    wanted = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0])
    record(catalog.students[0], Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    table = AchievementEvaluation._meta.db_table
    with connection.cursor() as cursor:  # the run log cannot be written: the run itself stops
        cursor.execute(
            "CREATE FUNCTION refuse_log() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'log full'; END $$ "
            f"LANGUAGE plpgsql; CREATE TRIGGER refuse_log BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_log();"
        )
    try:
        with pytest.raises(Exception, match="log full"):
            achievements_evaluate()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER refuse_log ON {table}; DROP FUNCTION refuse_log();")
    failed = EvaluationRun.objects.get()
    assert failed.status == EvaluationRun.Status.FAILED and "log full" in failed.error and failed.finished_at
    client.force_login(catalog.admin)
    assert "Failed</span> — InternalError: log full" in client.get("/achievements/").content.decode()
    rerun = achievements_evaluate()  # not incremental from the failed run: from scratch, as no run finished
    assert rerun.mode == EvaluationRun.Mode.FULL and rerun.status == EvaluationRun.Status.FINISHED
    assert len(holders(wanted)) == 1


# --- How students are told ------------------------------------------------------------------------


def test_each_digest_or_silent(catalog):
    a, b, _, _ = catalog.students
    each = achievement(catalog, Kind.COURSE_COMPLETED, course=catalog.courses[0], notification="each")
    digests = [
        achievement(catalog, Kind.COURSE_COMPLETED, course=c, notification="digest") for c in catalog.courses[1:]
    ]
    achievement(catalog, Kind.LAB_LAUNCHED, lab=catalog.lab)  # silent
    for course in catalog.courses:
        record(a, Activity.COURSE_COMPLETED, 2, course=course)
    record(a, Activity.LAB_LAUNCHED, 2, lab=catalog.lab)
    record(b, Activity.COURSE_COMPLETED, 2, course=catalog.courses[0])
    mail.outbox.clear()
    achievements_evaluate()
    emails_send_due()
    assert sorted(m.subject for m in mail.outbox) == [f"You earned the badge “{each.badge.name}”"] * 2  # at once
    emails_send_due(now=timezone.now() + timedelta(minutes=5))  # the digest waited for the run's other badges
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == sorted([
        (a.email, f"You earned the badge “{each.badge.name}”"),
        (b.email, f"You earned the badge “{each.badge.name}”"),
        (a.email, "You earned 2 new badges"),
    ])  # fmt: skip
    digest = next(m for m in mail.outbox if m.subject == "You earned 2 new badges")
    assert all(d.badge.name in digest.body for d in digests) and "/me/badges/" in digest.body
