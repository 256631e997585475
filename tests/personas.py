"""Personas and a two-organization world shared by every test (loaded by the root conftest), Playwright set-up."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.tests.factories import UserFactory, make_administrator, make_instructor, make_student
from apps.achievements.services.evaluation import achievements_evaluate
from apps.achievements.tests.factories import AchievementFactory
from apps.activity.models import ActivityRecord
from apps.activity.tests.factories import ActivityRecordFactory
from apps.assignments.models import CourseAssignment
from apps.assignments.tests.factories import CourseAssignmentFactory
from apps.badges.models import Badge
from apps.badges.tests.factories import BadgeFactory
from apps.classes.models import Classroom, Enrollment
from apps.classes.tests.factories import ClassInstructorFactory, ClassroomFactory, EnrollmentFactory
from apps.courses.models import Lab
from apps.courses.tests.factories import CourseFactory, LabFactory, LearningPathFactory
from apps.issued_badges.models import Source
from apps.issued_badges.services import IssueRequest, badges_issue, issued_badges_revoke
from apps.issued_badges.tests.factories import IssuedBadgeFactory
from apps.organizations.tests.factories import OrganizationFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM is used beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def _org_world(name: str, slug: str):
    org = OrganizationFactory(name=name, slug=slug)
    child = OrganizationFactory(name=f"{name} Labs", slug=f"{slug}-labs", parent=org)
    course = CourseFactory(organization=org)
    child_course = CourseFactory(organization=child)
    lab = LabFactory(course=course)
    badge = BadgeFactory(organization=org, name=f"{name} Star")
    child_badge = BadgeFactory(organization=child, name=f"{name} Labs Star")
    student = make_student(org, username=f"{slug}-student")
    child_student = make_student(child, username=f"{slug}-labs-student")
    instructor = make_instructor(org, username=f"{slug}-instructor")
    classroom = ClassroomFactory(organization=org, course=course, title=f"{name} class")
    child_classroom = ClassroomFactory(organization=child, course=child_course, title=f"{name} Labs class")
    ClassInstructorFactory(classroom=classroom, instructor=instructor)
    EnrollmentFactory(classroom=classroom, student=student)
    EnrollmentFactory(classroom=child_classroom, student=child_student)
    return SimpleNamespace(
        org=org,
        child=child,
        course=course,
        child_course=child_course,
        lab=lab,
        path=LearningPathFactory(organization=org),
        badge=badge,
        child_badge=child_badge,
        student=student,
        child_student=child_student,
        instructor=instructor,
        classroom=classroom,
        child_classroom=child_classroom,
        assignment=CourseAssignmentFactory(organization=org, course=course, student=student),
        achievement=AchievementFactory(organization=org, course=course, badge=badge),
        activity=ActivityRecordFactory(user=student, course=course),
        issued=IssuedBadgeFactory(badge=badge, recipient=student),
        child_issued=IssuedBadgeFactory(badge=child_badge, recipient=child_student),
        admin=make_administrator(org, username=f"{slug}-admin"),
    )


@pytest.fixture
def world(db):
    """Two organizations (each with a child) holding one of everything, plus the personas.

    Alpha's class is taught by ``alpha.instructor`` (organization instructor) and
    ``contractor`` (contract instructor, home Beta) and enrolls ``alpha.student``
    and ``beta.student``.
    """
    alpha = _org_world("Alpha Academy", "alpha")
    beta = _org_world("Beta Learning", "beta")
    # As in the demo: a contract instructor from Beta teaches Alpha's class, which a Beta student attends.
    contractor = UserFactory(username="contractor", organization=beta.org, is_contract_instructor=True)
    ClassInstructorFactory(classroom=alpha.classroom, instructor=contractor)
    EnrollmentFactory(classroom=alpha.classroom, student=beta.student)
    return SimpleNamespace(
        alpha=alpha,
        beta=beta,
        contractor=contractor,
        platform_admin=UserFactory(username="root", is_superuser=True, is_staff=True, organization=None),
        outsider=UserFactory(username="outsider", organization=None),
    )


@pytest.fixture
def demo_world(transactional_db):
    """The seed_demo world, for browser tests that click through it as its users."""
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, username): sign in through the login form with the demo password."""

    def _sign_in(page, username: str, password: str = "demo-pass-123"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("navigation", name="Main navigation").wait_for()
        return page

    return _sign_in


@pytest.fixture
def eager_celery():
    """Run enqueued tasks in the test's process (and thread: the test's transaction sees them)."""
    from badges_portal.celery import app

    saved = {name: app.conf[name] for name in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield app
    app.conf.update(saved)


# --- The demo world with a badge issued from every source -----------------------------------------------------

DEMO_PERSONAS = ["admin", "nw-admin", "nw-instructor", "contractor", "cl-admin", "nw-student01", "cl-student01"]


@pytest.fixture
def demo_issued(db):
    """seed_demo's world, and badges issued from every source: the Roster by the class's instructor and by the
    contract instructor (to a Contoso student), the Issue Badges page, a course assignment, username lists of
    both organizations, a person's User profile, a class its instructors do not teach, the hourly evaluation and an
    administrator's Evaluate now, one revoked. Returns the users by username."""
    call_command("seed_demo", verbosity=0)
    users = {user.username: user for user in User.objects.all()}
    cloud = Classroom.objects.get(title="Cloud Fundamentals")
    bootcamp = Classroom.objects.get(title="Data Analytics Bootcamp")
    explorer, pioneer, star = (Badge.objects.get(name=n) for n in ("Cloud Explorer", "Lab Pioneer", "Contoso Star"))
    northwind, contoso = explorer.organization, star.organization

    def issue(badge, username, actor, source, **context):
        return badges_issue(
            IssueRequest(
                badge_ids=[badge.pk], recipient_ids=[users[username].pk], actor=users[actor], source=source, **context
            )
        )

    # A second Northwind class its instructors do not teach, and the assigned student in their class: rows of
    # their students from pages they may not open.
    evening = Classroom.objects.create(
        organization=northwind, course=cloud.course, title="Cloud Fundamentals (evening)", starts_at=cloud.starts_at,
        ends_at=cloud.ends_at,
    )  # fmt: skip
    for username in ("nw-student01", "nw-student21"):
        Enrollment.objects.get_or_create(classroom=evening, student=users[username])
        Enrollment.objects.get_or_create(classroom=cloud, student=users[username])
    issue(pioneer, "nw-student01", "nw-admin", Source.ROSTER, classroom=evening)
    issue(explorer, "nw-student01", "nw-instructor", Source.ROSTER, classroom=cloud)
    issue(explorer, "cl-student01", "contractor", Source.ROSTER, classroom=cloud)
    issue(explorer, "nw-student02", "nw-admin", Source.BATCH, classroom=cloud)
    assignment = CourseAssignment.objects.get(student=users["nw-student21"])
    issue(explorer, "nw-student21", "nw-admin", Source.ASSIGNMENT, course_assignment=assignment)
    issue(explorer, "nw-student03", "nw-admin", Source.USERNAMES, organization=northwind)
    issue(star, "cl-student01", "cl-admin", Source.ROSTER, classroom=bootcamp)
    issue(star, "cl-student02", "cl-admin", Source.USERNAMES, organization=contoso)
    revoked = issue(explorer, "nw-student04", "nw-admin", Source.USERNAMES, organization=northwind)
    issue(explorer, "nw-student06", "nw-admin", Source.PROFILE, organization=northwind)  # Assign a badge on a profile
    issued_badges_revoke(ids=[revoked.outcomes[0].issued_badge_id], actor=users["nw-admin"], reason="Issued by mistake")
    achievements_evaluate()  # the hourly run: Lab Pioneer and Cloud Architect from the demo's activity
    ActivityRecord.objects.create(
        user=users["nw-student05"],
        kind=ActivityRecord.Kind.LAB_LAUNCHED,
        lab=Lab.objects.get(code="CF-101-L1"),
        points=10,
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    achievements_evaluate(trigger="manual", requested_by=users["nw-admin"])  # Evaluate now
    assert pioneer.issued_badges.count() == 4  # nw-student01 held it by hand before the evaluation
    return users


# --- A real Celery worker --------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def celery_worker(
    tmp_path, *, beat: bool = False, env: dict | None = None, log: Path | None = None, purge: bool = True
) -> subprocess.Popen:
    """Start a real Celery worker (with beat, if asked) on the test Redis, sharing the PostgreSQL test database;
    the caller terminates it. Its queue is purged first — nothing of an earlier test is run — unless ``purge`` is
    off (a worker joining others, or taking over from one). Its output is read
    from ``stdout``, or appended to the file ``log`` (a long-running worker never blocks on a full pipe)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "VAR_DIR": str(tmp_path),
        **(env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "badges_portal", "worker", "--pool=solo", "--loglevel=INFO",
               "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
    if purge:
        command.append("--purge")
    if beat:
        command += ["--beat", "--schedule", str(tmp_path / "beat-schedule")]
    output = open(log, "a") if log else subprocess.PIPE  # noqa: SIM115 - the worker's, closed with it
    try:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT, text=True
        )
    finally:
        if log:
            output.close()  # the worker holds its own copy


# --- Stopping the test's servers (fault tests) ---------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str, processes=()):
    """``condition()``'s first truthy value, polled every 0.1 s; the test fails after ``timeout`` seconds, or at once
    when one of ``processes`` (workers, servers) has stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        for process in processes:
            assert process.poll() is None, f"a process stopped while waiting for {what}"
        time.sleep(0.1)
    pytest.fail(f"not within {timeout} s: {what}")


def stop_process(process: subprocess.Popen) -> None:
    """Stop a worker or server the test started: terminate, then kill if it has not stopped within 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def worker_ready(log, process, timeout: float = 60) -> None:
    """Wait until the worker writing ``log`` consumes (its --purge done: a message sent earlier would be erased)."""
    wait_for(lambda: log.exists() and " ready." in log.read_text(), timeout, "the worker ready", [process])


def sent_emails(mail_dir) -> list[str]:
    """The recipients of the e-mails a worker wrote with the file backend (EMAIL_FILE_PATH), sorted."""
    return sorted(
        line.removeprefix("To: ")
        for path in mail_dir.glob("*.log")
        for line in path.read_text().splitlines()
        if line.startswith("To: ")
    )


def local_redis():
    """How to restart the test Redis (the one scripts/_services.sh started on loopback): its port, folder, pid and
    log files, read from the server itself; None when it cannot be restarted from here."""
    import shutil
    from urllib.parse import urlsplit

    import redis

    url = urlsplit(settings.REDIS_URL or "")
    if url.hostname not in ("127.0.0.1", "localhost") or not shutil.which("redis-server"):
        return None
    try:
        config = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5).config_get("*")
    except redis.RedisError:
        return None
    return SimpleNamespace(port=str(url.port or 6379), dir=config["dir"], pidfile=config["pidfile"],
                           logfile=config["logfile"], url=settings.REDIS_URL)  # fmt: skip


@pytest.fixture
def postgresql_server():
    """The test PostgreSQL, which the test may stop or restart; skipped when it is not a local cluster, or when
    other pytest-xdist workers share it."""
    server = local_postgresql()
    if server is None:
        pytest.skip("the test PostgreSQL is not a local cluster this test can stop and restart")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("would cut the other workers' tests")
    return server


@pytest.fixture
def redis_server():
    """The test Redis, which the test may stop (``redis_stopped``); skipped when Redis is not the cache or not a
    local server; checked running again afterwards."""
    server = local_redis() if settings.CACHES["default"]["BACKEND"].endswith("RedisCache") else None
    if server is None:
        pytest.skip("the test Redis is not a local server this test can stop and start")
    yield server
    assert redis_up(server), "Redis is running again for the tests after this one"


def redis_up(server) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_stopped(server):
    """Stop the test Redis (nothing saved: it starts empty, as after a crash) for the block; start it again after,
    on the same port with the same files, as scripts/_services.sh started it (it stops it by the same pid file)."""
    import redis

    with suppress(redis.ConnectionError):  # the server may close the connection as it stops
        redis.Redis.from_url(server.url, socket_timeout=5).shutdown(nosave=True)
    wait_for(lambda: not redis_up(server), 10, "Redis stopped")
    try:
        yield
    finally:
        if not redis_up(server):
            subprocess.run(  # noqa: S603 - our arguments
                ["redis-server", "--port", server.port, "--bind", "127.0.0.1", "--daemonize", "yes",  # noqa: S607
                 "--dir", server.dir, "--pidfile", server.pidfile, "--save", "", "--appendonly", "no",
                 "--logfile", server.logfile],
                check=True, timeout=15, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        wait_for(lambda: redis_up(server), 15, "Redis started again")


def local_postgresql():
    """How to restart the test PostgreSQL (the cluster scripts/_services.sh started on loopback): its data folder
    and pg_ctl, read from the server; None when it cannot be restarted from here."""
    import glob

    db = connection.settings_dict
    if connection.vendor != "postgresql" or db["HOST"] not in ("127.0.0.1", "localhost"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory'), current_setting('is_superuser')")
        data, superuser = cursor.fetchone()
    pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if superuser != "on" or not pg_ctl or not Path(data, "postmaster.opts").exists():
        return None
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return SimpleNamespace(data=data, command=[*as_postgres, pg_ctl[-1], "-D", data])


def postgresql_restart(server, *, mode: str = "fast") -> None:
    """Restart the test PostgreSQL (every connection is cut), with the options it was started with; wait until it
    accepts connections. This process's connections are closed: the next query opens a new one."""
    from django.db import connections

    log = str(Path(server.data, "server.log"))
    try:
        subprocess.run(  # noqa: S603 - our arguments
            [*server.command, "-m", mode, "-w", "-t", "60", "-l", log, "restart"],
            check=True, timeout=90, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
    finally:
        status = subprocess.run([*server.command, "status"], timeout=30, capture_output=True)  # noqa: S603
        if status.returncode != 0:  # stopped and not started again: start it, for the tests after this one
            subprocess.run([*server.command, "-w", "-t", "60", "-l", log, "start"], timeout=90,  # noqa: S603
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
        for alias in connections:
            connections[alias].close()
