"""Load (issue 15 item 6): 50 signed-in users over the Roster, the Choose Badge dialog, Issue Badges and Find Issued
Badges, against gunicorn as the README runs it, on PostgreSQL and Redis, with a Celery worker running full
evaluations meanwhile — all on 127.0.0.1. Per worker model: a run with 1–3 s think time (budget: 0 errors,
p95 < 500 ms) and a run without think time (the saturation throughput), each at most --seconds (≤ 60), with the
CPU seconds gunicorn, PostgreSQL, the worker and locust used (what limits the throughput), and the Roster page's
size raw and gzipped.

Run: ./scripts/run-bench.sh bench/load.py [--models sync3,gthread3x4,sync5 --seconds 60 --users 50]

This file is also the locustfile: locust imports it (not as __main__) and finds the user class below.
"""

from __future__ import annotations

import os
import sys

if __name__ != "__main__":  # imported by locust: the simulated users, nothing else
    import re

    from locust import HttpUser, between, constant, task

    CLASS_ID = os.environ.get("LOAD_CLASS_ID", "1")
    SEARCH = os.environ.get("LOAD_SEARCH", "student")
    USERNAMES = os.environ.get("LOAD_USERNAMES", "nw-admin,nw-instructor").split(",")
    PASSWORD = os.environ.get("LOAD_PASSWORD", "demo-pass-123")
    # Signed-in sessions made by the benchmark: users start signed in, as people already at work are (a sign-in's
    # password hashing is measured on its own; 50 at once would fill the measured minute with hashing).
    SESSIONS = [key for key in os.environ.get("LOAD_SESSIONS", "").split(",") if key]
    _counter = iter(range(10**9))

    class Issuer(HttpUser):
        wait_time = between(1, 3) if os.environ.get("LOAD_THINK", "1") == "1" else constant(0)

        def on_start(self):
            self.students = []
            if SESSIONS:
                self.client.cookies.set("sessionid", SESSIONS[next(_counter) % len(SESSIONS)])
                return
            self.client.get("/accounts/login/", name="sign in (form)")
            token = self.client.cookies.get("csrftoken")
            self.client.post(
                "/accounts/login/",
                {"username": USERNAMES[next(_counter) % len(USERNAMES)], "password": PASSWORD,
                 "csrfmiddlewaretoken": token},
                headers={"Referer": self.host + "/accounts/login/"}, name="sign in (post)",
            )  # fmt: skip

        @task(3)
        def roster(self):
            with self.client.get(f"/classes/{CLASS_ID}/roster/", name="roster", catch_response=True) as response:
                # The students this user may issue to: the rows with an Issue a Badge button (an instructor's scope
                # leaves out another organization's students).
                self.students = re.findall(r'choose-badge/\?student=(\d+)"', response.text)
                if response.status_code != 200 or not self.students:
                    response.failure(f"roster: {response.status_code}, {len(self.students)} rows")

        @task(3)
        def choose_badge(self):
            if not self.students:
                return self.roster()
            student = self.students[next(_counter) % len(self.students)]
            with self.client.get(
                f"/classes/{CLASS_ID}/roster/choose-badge/?student={student}",
                headers={"HX-Request": "true"}, name="choose badge dialog", catch_response=True,
            ) as response:  # fmt: skip
                if response.status_code != 200 or "cannot receive" in response.text:
                    response.failure(f"choose badge: {response.status_code}")

        @task(2)
        def issue_badges(self):
            self.client.get(f"/classes/{CLASS_ID}/issue-badges/", name="issue badges")

        @task(2)
        def find_issued_badges(self):
            self.client.get("/issued-badges/", name="find issued badges")

        @task(1)
        def find_issued_badges_search(self):
            self.client.get(f"/issued-badges/?q={SEARCH}", name="find issued badges, search")

else:
    import argparse
    import csv
    import gzip
    import shutil
    import signal
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.parse
    import urllib.request
    from http.cookiejar import CookieJar
    from pathlib import Path

    import psutil

    ROOT = Path(__file__).resolve().parent.parent
    MODELS = {  # name: gunicorn arguments after the README's "gunicorn badges_portal.wsgi --bind …"
        "sync3": ["--workers", "3"],  # the README's before this benchmark
        "sync5": ["--workers", str(2 * (os.cpu_count() or 1) + 1)],  # gunicorn's rule of thumb, 2 × cores + 1
        "gthread3x4": ["--workers", "3", "--worker-class", "gthread", "--threads", "4"],
        "gthread2x8": ["--workers", "2", "--worker-class", "gthread", "--threads", "8"],
        "gthread5x4": ["--workers", str(2 * (os.cpu_count() or 1) + 1), "--worker-class", "gthread", "--threads", "4"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(extra_students: int) -> dict:
    """The demo world (Cloud Fundamentals: 25 enrolled), badges held on the roster, and many more Northwind
    students who launched the first lab and hold Lab Pioneer, so a full evaluation has real work and Find Issued
    Badges a real table."""
    from _setup import sql
    from django.test import override_settings

    from apps.accounts.models import User
    from apps.badges.models import Badge
    from apps.classes.models import Classroom
    from apps.courses.models import Lab
    from apps.demo.world import seed_demo_world
    from apps.organizations.models import Organization

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        seed_demo_world()  # hashed as production hashes (the test settings' MD5 would not sign in under gunicorn)
    northwind = Organization.objects.get(slug="northwind-academy")
    classroom = Classroom.objects.get(title="Cloud Fundamentals")
    badges = list(
        Badge.objects.filter(organization=northwind, manual_issuance_enabled=True).values_list("pk", flat=True)
    )
    enrolled = list(classroom.enrollments.filter(student__organization=northwind).values_list("student_id", flat=True))
    table = "issued_badges_issuedbadge"
    sql(
        f"INSERT INTO {table} (uuid, badge_id, recipient_id, issued_at, source, revocation_reason, updated_at) "
        "SELECT gen_random_uuid(), b, s, now(), 'roster', '', now() FROM unnest(%s::bigint[]) b "
        "CROSS JOIN unnest(%s::bigint[]) s ON CONFLICT DO NOTHING",
        [badges, enrolled],
    )
    sql(
        f"INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined, organization_id, is_contract_instructor) "
        "SELECT '!', false, 'load-' || g, 'Learner' || g, 'Load' || g, 'load-' || g || '@example.com', false, true, "
        "now(), %s, false FROM generate_series(1, %s) g",
        [northwind.pk, extra_students],
    )
    lab = Lab.objects.get(code="CF-101-L1")
    pioneer = Badge.objects.get(organization=northwind, name="Lab Pioneer")
    sql(
        "INSERT INTO achievements_activityrecord (user_id, kind, lab_id, points, occurred_at, recorded_at) "
        f"SELECT id, 'lab_launched', %s, 10, now() - interval '1 day', now() FROM {User._meta.db_table} "
        "WHERE username LIKE 'load-%%'",
        [lab.pk],
    )
    sql(
        f"INSERT INTO {table} (uuid, badge_id, recipient_id, issued_at, source, revocation_reason, updated_at) "
        f"SELECT gen_random_uuid(), %s, id, now(), 'achievement', '', now() FROM {User._meta.db_table} "
        "WHERE username LIKE 'load-%%'",
        [pioneer.pk],
    )
    sql("VACUUM ANALYZE")
    return {"class_id": classroom.pk, "enrolled": classroom.enrollments.count()}


def cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def tree(pid: int) -> list[int]:
    try:
        p = psutil.Process(pid)
        return [pid] + [c.pid for c in p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def postgres_pids(port: int) -> list[int]:
    """The throw-away server's processes: the postmaster listening on our port and its children."""
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return tree(conn.pid)
    return []


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def roster_size(base: str, class_id: int) -> tuple[int, int, bool]:
    """The Roster page as a browser gets it: raw bytes, gzipped bytes, and whether the server compressed it."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(base + "/accounts/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode({"username": "nw-admin", "password": "demo-pass-123", "csrfmiddlewaretoken": token})
    opener.open(
        urllib.request.Request(base + "/accounts/login/", data.encode(), {"Referer": base + "/accounts/login/"})
    )
    response = opener.open(
        urllib.request.Request(base + f"/classes/{class_id}/roster/", headers={"Accept-Encoding": "gzip"})
    )
    body = response.read()
    if not response.geturl().endswith(f"/classes/{class_id}/roster/") or "sessionid" not in {c.name for c in jar}:
        raise SystemExit(f"the Roster answered {response.geturl()}: not signed in?")
    compressed = response.headers.get("Content-Encoding") == "gzip"
    raw = gzip.decompress(body) if compressed else body
    return len(raw), len(gzip.compress(raw)) if not compressed else len(body), compressed


def run_locust(base: str, env: dict, think: bool, users: int, seconds: int, folder: Path, watched: dict) -> dict:
    prefix = folder / ("think" if think else "nothink")
    before = {name: cpu_seconds(pids()) for name, pids in watched.items()}
    started = time.monotonic()
    locust = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve()), "--headless", "-u", str(users),
         "-r", str(users), "-t", f"{seconds}s", "--host", base, "--csv", str(prefix), "--only-summary",
         "--stop-timeout", "5", "--loglevel", "WARNING"],
        env={**env, "LOAD_THINK": "1" if think else "0"}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=open(folder / "locust.log", "a"),  # noqa: SIM115 - the process's log
    )  # fmt: skip
    try:
        locust_cpu = 0.0
        while locust.poll() is None:
            locust_cpu = max(locust_cpu, cpu_seconds(tree(locust.pid)))
            time.sleep(0.5)
            if time.monotonic() - started > seconds + 30:
                locust.kill()
    finally:
        if locust.poll() is None:
            locust.kill()
            locust.wait()
    elapsed = time.monotonic() - started
    cpu = {name: cpu_seconds(pids()) - before[name] for name, pids in watched.items()}
    cpu["locust"] = locust_cpu
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    return {"rows": rows, "cpu": cpu, "elapsed": elapsed}


def signed_in_sessions(count: int) -> tuple[list[str], float]:
    """``count`` sessions signed in as the demo's administrator and instructor, and a password check's time."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.models import User

    people = list(User.objects.filter(username__in=["nw-admin", "nw-instructor"]).order_by("username"))
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    started = time.perf_counter()
    PBKDF2PasswordHasher().encode("demo-pass-123", "a-salt-of-16-chars")  # what production checks at a sign-in
    hashing_ms = (time.perf_counter() - started) * 1000
    keys = []
    for n in range(count):
        person, session = people[n % len(people)], SessionStore()
        session.update({SESSION_KEY: str(person.pk), BACKEND_SESSION_KEY: "apps.accounts.backends.PortalBackend",
                        HASH_SESSION_KEY: person.get_session_auth_hash()})  # fmt: skip
        session.create()
        keys.append(session.session_key)
    return keys, hashing_ms


def pages_summary(rows: dict) -> dict:
    """The pages (sign-in excluded: it happens once per user, before the loop)."""
    pages = {k: v for k, v in rows.items() if k != "Aggregated" and not k.startswith("sign in")}
    requests = sum(int(v["Request Count"]) for v in pages.values())
    failures = sum(int(v["Failure Count"]) for v in pages.values())
    rps = sum(float(v["Requests/s"]) for v in pages.values())
    # Percentiles of the pages together: weighted by the request count is not exact; take the worst page's and the
    # aggregate's (which includes the sign-in) — the aggregate is printed too.
    worst95 = max((float(v["95%"]) for v in pages.values()), default=0)
    return {"requests": requests, "failures": failures, "rps": rps, "worst_p95": worst95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="sync3,gthread3x4,sync5")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--students", type=int, default=20000, help="extra students for the evaluation's work")
    parser.add_argument("--sizes-only", action="store_true", help="only the Roster page's size")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60)

    from _setup import drop_database, fresh_database
    from django.conf import settings
    from django.db import connection

    old_name = fresh_database()
    folder = Path(tempfile.mkdtemp(prefix="load-"))
    processes: list[subprocess.Popen] = []
    try:
        world = seed(args.students)
        sessions, hashing_ms = signed_in_sessions(args.users)
        db = connection.settings_dict
        connection.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "badges_portal.settings",  # production settings, as the README runs it
            "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0", "ALLOWED_HOSTS": "127.0.0.1",
            "CREDENTIALS_KEY": "l4CsKzmU-IeTfcal7G6QPLRCCw9YcEXjFG-2gGVHOus=",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": os.environ.get("REDIS_URL", ""), "VAR_DIR": str(folder / "var"),
            "EMAIL_URL": "consolemail://", "LOAD_CLASS_ID": str(world["class_id"]), "LOAD_SEARCH": "learner12",
            "LOAD_SESSIONS": ",".join(sessions), "SECRET_KEY": settings.SECRET_KEY,  # the sessions are signed with it
            "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        print(f"sign-in: the password check alone takes {hashing_ms:.0f} ms of CPU (PBKDF2); the users start signed in")
        print(f"Cloud Fundamentals: {world['enrolled']} enrolled; {args.students:,} more students holding a badge; "
              f"{args.users} users, {args.seconds} s a run; {os.cpu_count()} CPUs")  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "badges_portal", "worker", "--concurrency=1", "--loglevel=WARNING",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "--purge"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "worker.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        processes.append(worker)
        # Full evaluations meanwhile: one enqueued every few seconds (the lock skips one that would overlap).
        feeder = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c",
             "import time\nfrom apps.achievements.tasks import evaluate_achievements\n"
             "while True:\n    evaluate_achievements.delay(full=True, trigger='manual')\n    time.sleep(3)\n"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "feeder.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        processes.append(feeder)
        pg_port = int(db["PORT"])
        results = []
        for model in args.models.split(","):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            gunicorn = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "badges_portal.wsgi", "--bind", f"127.0.0.1:{port}", *MODELS[model]],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / f"gunicorn-{model}.log", "w"),  # noqa: SIM115
            )  # fmt: skip
            try:
                wait_http(base + "/accounts/login/")
                raw, zipped, compressed = roster_size(base, world["class_id"])
                served = "gzipped" if compressed else "uncompressed"
                print(f"[{model}] Roster page ({world['enrolled']} students): {raw / 1024:.1f} KB of HTML, "
                      f"{zipped / 1024:.1f} KB gzipped; served {served}")  # fmt: skip
                if args.sizes_only:
                    break
                watched = {
                    "gunicorn": lambda web=gunicorn: tree(web.pid),
                    "postgresql": lambda: postgres_pids(pg_port),
                    "celery worker": lambda: tree(worker.pid),
                }
                for think in (True, False):
                    r = run_locust(base, env, think, args.users, args.seconds, folder, watched)
                    s = pages_summary(r["rows"])
                    agg = r["rows"]["Aggregated"]
                    label = "1–3 s think" if think else "no think   "
                    cpu = ", ".join(f"{k} {v / r['elapsed'] * 100:.0f}%" for k, v in r["cpu"].items())
                    print(f"[{model}] {label}: {s['requests']} page requests, {s['failures']} failures, "
                          f"{s['rps']:.1f} requests/s; all requests p50 {agg['50%']} ms, p95 {agg['95%']} ms, "
                          f"p99 {agg['99%']} ms (sign-in included: {int(agg['Request Count'])} requests, "
                          f"{agg['Failure Count']} failures); worst page p95 {s['worst_p95']:.0f} ms")  # fmt: skip
                    for name, row in sorted(r["rows"].items()):
                        if name != "Aggregated":
                            print(f"    {name:<30} {int(row['Request Count']):>6} req {int(row['Failure Count']):>3} "
                                  f"fail p50 {row['50%']:>5} p95 {row['95%']:>5} p99 {row['99%']:>5} ms, "
                                  f"{float(row['Average Content Size']) / 1024:.1f} KB")  # fmt: skip
                    print(f"    CPU (of one core, {os.cpu_count()} cores): {cpu}")
                    results.append((model, think, s, agg))
            finally:
                gunicorn.send_signal(signal.SIGTERM)
                try:
                    gunicorn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    gunicorn.kill()
                    gunicorn.wait()
        if results:
            print(
                "\nmodel        run          requests failures  p50   p95   p99 ms  requests/s  "
                "budget (p95 < 500 ms, 0 errors)"
            )
            for model, think, s, agg in results:
                ok = (
                    (s["failures"] == 0 and int(agg["Failure Count"]) == 0 and float(agg["95%"]) < 500)
                    if think
                    else None
                )
                print(f"{model:<12} {'think 1–3 s' if think else 'no think':<12} {s['requests']:>8} {s['failures']:>8} "
                      f"{agg['50%']:>5} {agg['95%']:>5} {agg['99%']:>5}  {s['rps']:>10.1f}  "
                      f"{'' if ok is None else 'OK' if ok else 'OVER'}")  # fmt: skip
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        from django.db import connections

        connections.close_all()
        drop_database(old_name)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
