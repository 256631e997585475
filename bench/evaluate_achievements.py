"""The hourly evaluator over 100,000 students, 1,000,000 activity records and 200 achievements (issue 5).

Measures, each against hand-written set-based SQL doing the same work on the same data in the same run
(per achievement one statement: who meets it → EarnedAchievement → IssuedBadge → issuance log):
  1. the first full evaluation (everything is issued),
  2. a steady-state full evaluation (nothing new),
  3. an incremental run after 100 students did something (median of several rounds),
  4. a per-user loop (ORM queries per student and achievement, the door per pair) on 1,000 students,
     extrapolated to 100,000.
Budgets: full ≤ 1.5 × hand-written SQL; incremental < 0.2 s; ≥ 100 × faster than the per-user loop;
memory of the process running the evaluation (as a worker would) < 512 MB.

Run: ./scripts/run-bench.sh bench/evaluate_achievements.py [--students 100000 --sample 1000]
"""

import argparse
import resource
import time
from functools import partial

from _setup import drop_database, fresh_database, median, sql
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.accounts.models import User
from apps.achievements.models import Achievement, EarnedAchievement, EvaluationRun
from apps.achievements.services import achievements_evaluate
from apps.activity.models import ActivityRecord
from apps.badges.models import Badge
from apps.courses.models import Course, Lab, LearningPath, LearningPathCourse
from apps.issued_badges.models import IssuanceBatch, IssuanceLog, IssuedBadge, Source
from apps.issued_badges.services import IssueRequest, badges_issue
from apps.organizations.models import Organization

ACTIVITY = ActivityRecord._meta.db_table
EARNED = EarnedAchievement._meta.db_table
ISSUED = IssuedBadge._meta.db_table
LOG = IssuanceLog._meta.db_table
USERS = User._meta.db_table
Kind = Achievement.Kind


def build(n_students: int) -> Organization:
    org, courses, labs, paths = build_activity(n_students)
    specs = (
        [{"kind": Kind.LAB_LAUNCHED, "lab": labs[n * 5]} for n in range(40)]
        + [{"kind": Kind.LAB_COMPLETED, "lab": labs[n * 5 + 1]} for n in range(40)]
        + [{"kind": Kind.COURSE_COMPLETED, "course": courses[n * 2]} for n in range(40)]
        + [{"kind": Kind.COURSES_COMPLETED, "courses": courses[5 * (n % 20) + n // 20 * 2 :][:3]} for n in range(30)]
        + [{"kind": Kind.LEARNING_PATH_COMPLETED, "learning_path": paths[n % 20]} for n in range(30)]
        + [{"kind": Kind.POINTS_REACHED, "points_threshold": 20 * (n + 1)} for n in range(20)]
    )
    build_achievements(org, specs)
    return org


def build_activity(n_students: int, catalogue: int = 1):
    """The organization, its 100 courses, 200 labs and 20 learning paths (``catalogue`` times as many),
    ``n_students`` students and ten activity records each — set-based (two INSERT … SELECT statements)."""
    org = Organization.objects.create(name="Bench Academy", slug="bench-academy")
    courses = Course.objects.bulk_create(
        [Course(organization=org, code=f"C{n:03}", title=f"Course {n}") for n in range(100 * catalogue)]
    )
    labs = Lab.objects.bulk_create(
        [Lab(course=courses[n // 2], code=f"L{n:03}", title=f"Lab {n}", position=n % 2) for n in range(200 * catalogue)]
    )
    paths = LearningPath.objects.bulk_create(
        [
            LearningPath(organization=org, code=f"P{n:02}", title=f"Path {n}", exam_title=f"Exam {n}")
            for n in range(20 * catalogue)
        ]
    )
    steps = [LearningPathCourse(learning_path=p, course=courses[5 * n + k], position=k) for n, p in enumerate(paths)
             for k in range(5)]  # fmt: skip
    LearningPathCourse.objects.bulk_create(steps)
    sql(
        f"INSERT INTO {USERS} (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined, organization_id, is_contract_instructor) "
        "SELECT '!', false, 'student' || g, 'First' || g, 'Last' || g, 'student' || g || '@example.com', false, "
        "true, now(), %s, false FROM generate_series(1, %s) g",
        [org.pk, n_students],
    )
    # Ten records per student: two labs, course completions within a window of five courses (the courses
    # of one learning path), the path's exam for a third of them, points. Pseudo-random but reproducible.
    sql(
        f"""
        INSERT INTO {ACTIVITY} (user_id, kind, course_id, lab_id, learning_path_id, points, occurred_at, recorded_at)
        SELECT s.id,
               CASE WHEN r < 2 THEN (ARRAY['lab_launched', 'lab_completed'])[r + 1]
                    WHEN r < 7 AND h < 80 THEN 'course_completed'
                    WHEN r < 7 THEN 'lab_launched'
                    WHEN r = 7 AND s.n %% 3 = 0 THEN 'exam_passed'
                    ELSE 'points' END,
               CASE WHEN r BETWEEN 2 AND 6 AND h < 80
                    THEN (%(courses)s::bigint[])[1 + (s.n %% %(paths_n)s) * 5 + (r - 2)] END,
               CASE WHEN r < 2 THEN (%(labs)s::bigint[])[1 + (s.n %% %(pairs_n)s) * 2 + r]
                    WHEN r BETWEEN 2 AND 6 AND h >= 80 THEN (%(labs)s::bigint[])[1 + (s.n * 7 + r) %% %(labs_n)s] END,
               CASE WHEN r = 7 AND s.n %% 3 = 0 THEN (%(paths)s::bigint[])[1 + s.n %% %(paths_n)s] END,
               CASE WHEN r >= 7 THEN (s.n * 7 + r * 13) %% 120 ELSE 10 END,
               now() - ((s.n * 13 + r * 29) %% 700) * interval '1 day' - r * interval '1 hour',
               now()
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {USERS} WHERE username LIKE 'student%%') s
        CROSS JOIN generate_series(0, 9) r
        CROSS JOIN LATERAL (SELECT (s.n * 2654435761 + r * 97) %% 100 AS h) x
        """,
        {
            "courses": [c.pk for c in courses],
            "labs": [lab.pk for lab in labs],
            "paths": [p.pk for p in paths],
            "paths_n": len(paths),
            "pairs_n": len(labs) // 2,
            "labs_n": len(labs),
        },
    )
    return org, courses, labs, paths


def build_achievements(org: Organization, specs) -> None:
    """One achievement (and its badge) per spec, silent; then the tables are analyzed."""
    for n, spec in enumerate(specs):
        courses_set = spec.pop("courses", ())
        badge = Badge.objects.create(organization=org, name=f"Badge {n:03}")
        achievement = Achievement.objects.create(
            organization=org, name=f"Achievement {n:03}", badge=badge, notification="silent", **spec
        )
        achievement.courses.set(courses_set)

    sql("VACUUM ANALYZE")
    sql("CHECKPOINT")


# --- The baseline: hand-written set-based SQL, one statement per achievement --------------------------


def _met_sql(a: Achievement) -> tuple[str, list]:
    if a.kind in (Kind.LAB_LAUNCHED, Kind.LAB_COMPLETED):
        kinds = ["lab_completed"] + (["lab_launched"] if a.kind == Kind.LAB_LAUNCHED else [])
        return (f"SELECT user_id, min(occurred_at) AS first_met FROM {ACTIVITY} "
                "WHERE kind = ANY(%s) AND lab_id = %s GROUP BY user_id", [kinds, a.lab_id])  # fmt: skip
    if a.kind == Kind.COURSE_COMPLETED:
        return (f"SELECT user_id, min(occurred_at) AS first_met FROM {ACTIVITY} "
                "WHERE kind = 'course_completed' AND course_id = %s GROUP BY user_id", [a.course_id])  # fmt: skip
    if a.kind == Kind.POINTS_REACHED:
        return (
            "SELECT user_id, min(occurred_at) AS first_met FROM ("
            " SELECT user_id, occurred_at, sum(points) OVER (PARTITION BY user_id ORDER BY occurred_at, id) AS total"
            f" FROM {ACTIVITY} WHERE points > 0) t WHERE total >= %s GROUP BY user_id",
            [a.points_threshold],
        )
    if a.kind == Kind.COURSES_COMPLETED:
        courses, exam, path = [c.pk for c in a.courses.all()], False, None
    else:
        courses = list(a.learning_path.steps.values_list("course_id", flat=True))
        exam, path = a.learning_path.has_exam, a.learning_path_id
    return (
        "SELECT user_id, max(done) AS first_met FROM ("
        f" SELECT user_id, course_id AS step, min(occurred_at) AS done FROM {ACTIVITY}"
        " WHERE kind = 'course_completed' AND course_id = ANY(%s) GROUP BY user_id, course_id"
        f" UNION ALL SELECT user_id, 0, min(occurred_at) FROM {ACTIVITY}"
        " WHERE %s AND kind = 'exam_passed' AND learning_path_id = %s GROUP BY user_id"
        ") steps GROUP BY user_id HAVING count(*) = %s",
        [courses, exam, path, len(courses) + int(exam)],
    )


def hand_written(achievements, users: list[int] | None = None) -> int:
    issued = 0
    for a in achievements:
        met, params = _met_sql(a)
        if users is not None:
            met = f"SELECT * FROM ({met}) m WHERE user_id = ANY(%s)"
            params = [*params, users]
        rows = sql(
            f"""
            WITH met AS ({met}),
            earned AS (
                INSERT INTO {EARNED} (user_id, achievement_id, earned_at)
                SELECT user_id, %s, first_met FROM met
                WHERE NOT EXISTS (SELECT 1 FROM {EARNED} e WHERE e.achievement_id = %s AND e.user_id = met.user_id)
                ON CONFLICT DO NOTHING RETURNING user_id, earned_at
            ), issued AS (
                INSERT INTO {ISSUED}
                    (uuid, badge_id, recipient_id, issued_at, source, achievement_id, revocation_reason)
                SELECT gen_random_uuid(), %s, user_id, earned_at, 'achievement', %s, '' FROM earned
                ON CONFLICT (badge_id, recipient_id) DO NOTHING RETURNING id, recipient_id
            ), logged AS (
                INSERT INTO {LOG}
                    (created_at, action, issued_badge_id, badge_id, recipient_id, source, reason_code, reason)
                SELECT now(), 'issued', id, %s, recipient_id, 'achievement', 'issued', '' FROM issued
            )
            SELECT count(*) FROM issued
            """,
            [*params, a.pk, a.pk, a.badge_id, a.pk, a.badge_id],
        )
        issued += rows[0][0]
    return issued


# --- A per-user loop, as a naive implementation would do it --------------------------------------------


def per_user_loop(achievements, students) -> int:
    issued = 0
    for student in students:
        mine = ActivityRecord.objects.filter(user=student)
        for a in achievements:
            if EarnedAchievement.objects.filter(user=student, achievement=a).exists():
                continue
            if a.kind in (Kind.LAB_LAUNCHED, Kind.LAB_COMPLETED):
                kinds = ["lab_completed"] + (["lab_launched"] if a.kind == Kind.LAB_LAUNCHED else [])
                met = mine.filter(kind__in=kinds, lab_id=a.lab_id).exists()
            elif a.kind == Kind.COURSE_COMPLETED:
                met = mine.filter(kind="course_completed", course_id=a.course_id).exists()
            elif a.kind == Kind.POINTS_REACHED:
                met = (mine.aggregate(total=Sum("points"))["total"] or 0) >= a.points_threshold
            else:
                courses = (
                    [c.pk for c in a.courses.all()]
                    if a.kind == Kind.COURSES_COMPLETED
                    else list(a.learning_path.steps.values_list("course_id", flat=True))
                )
                done = set(
                    mine.filter(kind="course_completed", course_id__in=courses).values_list("course_id", flat=True)
                )
                met = done == set(courses) and (
                    a.kind == Kind.COURSES_COMPLETED
                    or not a.learning_path.has_exam
                    or mine.filter(kind="exam_passed", learning_path_id=a.learning_path_id).exists()
                )
            if met:
                EarnedAchievement.objects.create(user=student, achievement=a, earned_at=timezone.now())
                report = badges_issue(IssueRequest(badge_ids=[a.badge_id], recipient_ids=[student.pk], actor=None,
                                                   source=Source.ACHIEVEMENT, achievement=a))  # fmt: skip
                issued += report.issued_count
    return issued


def did_something(n: int) -> list[User]:
    """``n`` random students each do one thing: complete a lab or a course, pass an exam, or score points."""
    active = list(User.objects.filter(username__startswith="student").order_by("?")[:n])
    labs, courses, paths = list(Lab.objects.all()), list(Course.objects.all()), list(LearningPath.objects.all())
    now = timezone.now()
    records = []
    for k, student in enumerate(active):
        target = [{"kind": "lab_completed", "lab": labs[k % len(labs)]},
                  {"kind": "course_completed", "course": courses[k % len(courses)]},
                  {"kind": "exam_passed", "learning_path": paths[k % len(paths)]},
                  {"kind": "points"}][k % 4]  # fmt: skip
        records.append(ActivityRecord(user=student, points=60 if k % 4 == 3 else 10, occurred_at=now, **target))
    ActivityRecord.objects.bulk_create(records)
    return active


def reset() -> None:
    tables = ", ".join(
        m._meta.db_table for m in (IssuedBadge, IssuanceLog, IssuanceBatch, EarnedAchievement, EvaluationRun)
    )
    sql(f"TRUNCATE {tables} CASCADE")
    sql(f"VACUUM ANALYZE {ISSUED}")
    sql("CHECKPOINT")


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=2, help="full evaluations of each kind (median)")
    parser.add_argument("--rounds", type=int, default=7, help="incremental runs (median)")
    args = parser.parse_args()
    old_name = fresh_database()
    try:
        start = time.perf_counter()
        build(args.students)
        achievements = list(
            Achievement.objects.select_related("learning_path").prefetch_related("courses").order_by("pk")
        )
        print(f"generated {args.students:,} students, {ActivityRecord.objects.count():,} activity records, "
              f"{len(achievements)} achievements in {time.perf_counter() - start:.0f} s")  # fmt: skip

        # 1. First full evaluation, alternating with the baseline from the same empty state.
        door_first, base_first = [], []
        for _ in range(args.repeat):
            reset()
            seconds, issued_base = timed(lambda: hand_written(achievements))
            base_first.append(seconds)
            reset()
            rss_before = rss_mb()
            seconds, run = timed(lambda: achievements_evaluate(full=True))
            door_first.append(seconds)
            assert run.errors == 0, list(run.evaluations.exclude(error="").values_list("error", flat=True))
            assert run.badges_issued == issued_base, (run.badges_issued, issued_base)
        rss_after = rss_mb()
        print(f"1. first full evaluation: {run.badges_issued:,} badges issued; door {median(door_first):.2f} s, "
              f"hand-written SQL {median(base_first):.2f} s → ratio {median(door_first) / median(base_first):.2f} "
              f"(budget ≤ 1.5)")  # fmt: skip
        print(f"   process memory (max RSS): {rss_before:.0f} MB before, {rss_after:.0f} MB after (budget < 512 MB)")

        # 2. Steady state: nothing new.
        door_steady, base_steady = [], []
        for _ in range(args.repeat):
            seconds, steady = timed(lambda: achievements_evaluate(full=True))
            door_steady.append(seconds)
            assert steady.badges_issued == 0
            seconds, none = timed(lambda: hand_written(achievements))
            base_steady.append(seconds)
            assert none == 0
        ratio = median(door_steady) / median(base_steady)
        print(f"2. steady-state full evaluation (nothing new): door {median(door_steady):.2f} s, "
              f"hand-written SQL {median(base_steady):.2f} s → ratio {ratio:.2f} (budget ≤ 1.5)")  # fmt: skip

        # 3. Incremental: 100 students each did one thing (several rounds, each with new students and activity).
        door_incremental, base_incremental, runs = [], [], []
        for _ in range(args.rounds):
            active = [student.pk for student in did_something(100)]
            sql(f"ANALYZE {ACTIVITY}")
            with transaction.atomic():
                seconds, base_issued = timed(partial(hand_written, achievements, users=active))
                transaction.set_rollback(True)
            base_incremental.append(seconds)
            seconds, incremental = timed(achievements_evaluate)
            door_incremental.append(seconds)
            assert incremental.mode == EvaluationRun.Mode.INCREMENTAL and incremental.badges_issued == base_issued
            runs.append(incremental)
        print(f"3. incremental run after 100 students did something ({args.rounds} rounds): "
              f"{median([r.badges_issued for r in runs]):.0f} badges issued, "
              f"{median([r.achievements_evaluated for r in runs]):.0f} achievements evaluated (medians); "
              f"door {median(door_incremental) * 1000:.0f} ms (worst {max(door_incremental) * 1000:.0f} ms), "
              f"hand-written SQL {median(base_incremental) * 1000:.0f} ms (budget < 200 ms)")  # fmt: skip

        # 4. The per-user loop on a sample, from the empty state, extrapolated.
        reset()
        sample = list(User.objects.filter(username__startswith="student").order_by("?")[: args.sample])
        with transaction.atomic():
            loop_seconds, loop_issued = timed(lambda: per_user_loop(achievements, sample))
            transaction.set_rollback(True)
        extrapolated = loop_seconds * args.students / args.sample
        print(f"4. per-user loop: {args.sample:,} students in {loop_seconds:.1f} s ({loop_issued:,} badges) → "
              f"{extrapolated:,.0f} s for {args.students:,}; the door's full evaluation is "
              f"{extrapolated / median(door_first):,.0f} × faster (budget ≥ 100 ×)")  # fmt: skip
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()
