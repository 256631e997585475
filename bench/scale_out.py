"""Ten times the size (issue 16): 1,000,000 students, 10,000,000 activity records, 500 achievements on PostgreSQL.

Measures, in one run on one machine:
  0. generating the data set-based (how long it takes);
  1. the hand-written baseline: one set-based statement per achievement (earned → issued → log), one process;
  2. a full evaluation fanned out over 1 Celery worker, then over 2 (real `celery worker` processes on Redis, each
     one process, --pool=solo), from the same empty state: wall time from enqueueing to the run's end, speed-up,
     ratio to the baseline, and each worker's peak memory (VmHWM);
  3. an incremental run after 100 students did something (median of rounds; budget < 0.2 s);
  4. Find Issued Badges at this size: the first page and a name search (median; budget < 50 ms).

Run: ./scripts/run-bench.sh bench/scale_out.py [--students 1000000 --achievements 500]
(the figures of a smaller run scale: --students 100000 takes a few minutes).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _setup import drop_database, fresh_database, median, sql, timed
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from evaluate_achievements import (
    ACTIVITY,
    Kind,
    build_achievements,
    build_activity,
    did_something,
    hand_written,
    reset,
)

from apps.accounts.tests.factories import make_administrator
from apps.achievements.models import Achievement, EvaluationRun
from apps.achievements.services import achievements_evaluate
from apps.achievements.tasks import evaluate_achievements
from apps.activity.models import ActivityRecord
from apps.issued_badges.models import IssuedBadge

ROOT = Path(__file__).resolve().parent.parent


def specs(count: int, courses, labs, paths) -> list[dict]:
    """``count`` achievements in the proportions of a large provider's catalogue (five times the 1× bench's: 1,000
    labs, 500 courses, 100 learning paths): mostly labs and courses, some sets of courses and learning paths, a few
    points thresholds (each reads every record with points). About two badges per student in the end."""
    mix = (
        [{"kind": Kind.LAB_LAUNCHED, "lab": lab} for lab in labs[:200]]
        + [{"kind": Kind.LAB_COMPLETED, "lab": lab} for lab in labs[200:400]]
        + [{"kind": Kind.COURSE_COMPLETED, "course": course} for course in courses[:60]]
        + [{"kind": Kind.COURSES_COMPLETED, "courses": courses[5 * n : 5 * n + 3]} for n in range(20)]
        + [{"kind": Kind.LEARNING_PATH_COMPLETED, "learning_path": path} for path in paths[:10]]
        + [{"kind": Kind.POINTS_REACHED, "points_threshold": 300 + 10 * n} for n in range(10)]
    )
    assert len(mix) >= count, len(mix)
    return mix[:count]


def worker(env: dict, log: Path) -> subprocess.Popen:
    output = open(log, "a")  # noqa: SIM115 - the worker's, closed with it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "badges_portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    finally:
        output.close()


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def fanned_out(workers: int, folder: Path) -> tuple[float, EvaluationRun, list[float]]:
    """A full evaluation from the empty state over ``workers`` worker processes: seconds from enqueueing to the
    run's end, the run, each worker's peak memory."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "VAR_DIR": str(folder),
        "EVALUATION_LEASE": "600",  # a bench on two cores: no shard is taken for dead while the others run
    }
    processes = [worker(env, folder / f"worker{n}.log") for n in range(workers)]
    try:
        time.sleep(8)  # the workers connect (each imports Django, then consumes)
        start = time.perf_counter()
        evaluate_achievements.apply_async(kwargs={"full": True, "trigger": "bench"})
        while True:
            run = EvaluationRun.objects.filter(trigger="bench").exclude(status="running").first()
            if run is not None:
                break
            if any(process.poll() is not None for process in processes):
                sys.exit(f"a worker stopped: see {folder}")
            time.sleep(0.2)
        seconds = time.perf_counter() - start
        peaks = [peak_mb(process.pid) for process in processes]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    return seconds, run, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--achievements", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7, help="incremental runs (median)")
    parser.add_argument("--repeat", type=int, default=15, help="page loads (median)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"scale-out-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    old_name = fresh_database()
    try:
        start = time.perf_counter()
        org, courses, labs, paths = build_activity(args.students, catalogue=5)
        build_achievements(org, specs(args.achievements, courses, labs, paths))
        generation = time.perf_counter() - start
        achievements = list(
            Achievement.objects.select_related("learning_path").prefetch_related("courses").order_by("pk")
        )
        records = ActivityRecord.objects.count()
        size = sql(f"SELECT pg_size_pretty(pg_total_relation_size('{ACTIVITY}'))")[0][0]
        print(f"0. generated {args.students:,} students, {records:,} activity records ({size} with indexes), "
              f"{len(achievements)} achievements in {generation:.0f} s (set-based INSERT … SELECT)")  # fmt: skip

        # 1. The baseline, from the empty state.
        reset()
        base_seconds, base_issued = timed(lambda: hand_written(achievements))
        print(f"1. hand-written SQL, one statement per achievement, one process: {base_seconds:.1f} s, "
              f"{base_issued:,} badges issued")  # fmt: skip

        # 2. The full evaluation in shards over 1, then 2 workers, each from the empty state.
        results = {}
        for workers in (1, 2):
            reset()
            seconds, run, peaks = fanned_out(workers, folder)
            assert run.status == EvaluationRun.Status.FINISHED and run.errors == 0, (run.status, run.errors)
            assert run.badges_issued == base_issued, (run.badges_issued, base_issued)
            results[workers] = seconds
            first = run.shards.order_by("started_at").values_list("started_at", flat=True).first()
            planning = (first - run.started_at).total_seconds()
            print(f"2. full evaluation over {workers} worker{'s' if workers > 1 else ''}: {seconds:.1f} s "
                  f"({run.shards_total} shards planned in {planning:.1f} s, {run.badges_issued:,} badges issued) → "
                  f"{seconds / base_seconds:.2f} × the baseline; peak memory per worker "
                  f"{', '.join(f'{peak:.0f}' for peak in peaks)} MB (budget < 512 MB)")  # fmt: skip
        print(f"   speed-up with 2 workers: {results[1] / results[2]:.2f} × (2 cores, shared with PostgreSQL)")

        # 3. Incremental runs: 100 students each did one thing.
        sql(f"ANALYZE {ACTIVITY}")
        door, base = [], []
        for _ in range(args.rounds):
            active = [student.pk for student in did_something(100)]
            with transaction.atomic():
                seconds, base_issued = timed(lambda: hand_written(achievements, users=active))  # noqa: B023
                transaction.set_rollback(True)
            base.append(seconds)
            seconds, run = timed(achievements_evaluate)
            assert run.mode == EvaluationRun.Mode.INCREMENTAL and run.badges_issued == base_issued
            door.append(seconds)
        print(f"3. incremental run after 100 students did something ({args.rounds} rounds): median "
              f"{median(door) * 1000:.0f} ms (worst {max(door) * 1000:.0f} ms), hand-written SQL "
              f"{median(base) * 1000:.0f} ms (budget < 200 ms)")  # fmt: skip

        # 4. Find Issued Badges, as the organization's administrator.
        sql("VACUUM ANALYZE")
        client = Client()
        client.force_login(make_administrator(org, username="bench-admin"))
        total = IssuedBadge.objects.count()
        for label, url in (("first page", "/issued-badges/"), ("name search", "/issued-badges/?student=student12345")):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            rows = len(re.findall(rb'href="/issued-badges/\d+/"', response.content))
            times = [timed(lambda: client.get(url))[0] for _ in range(args.repeat)]  # noqa: B023
            print(f"4. Find Issued Badges, {label} ({total:,} issued badges): median {median(times) * 1000:.1f} ms, "
                  f"{rows} rows (budget < 50 ms)")  # fmt: skip
    finally:
        drop_database(old_name)


if __name__ == "__main__":
    main()
