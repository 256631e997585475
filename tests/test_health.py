"""Probes for load balancers (issue 16 item 3; apps/core/health.py): /healthz (liveness) answers 200 whatever the
database and Redis do; /readyz (readiness) answers 200 when the database answers, every migration is applied and the
configured Redis answers, else 503 naming what failed — in JSON (or text), never a 500 or an HTML page, with no sign-in
and nothing secret, to any Host over plain http. With the real servers: the test Redis stopped, the test PostgreSQL
stopped under a real gunicorn."""

import os
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper

from apps.core import health

from .personas import (
    ROOT,
    free_port,
    postgresql_restart,
    redis_stopped,
    stop_process,
    wait_for,
)

REDIS = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
READY = {"database": "ok", "migrations": "ok"} | ({"cache": "ok", "broker": "ok"} if REDIS else {})


def test_ready_with_every_server_up_and_alive_in_any_case(db, client):
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready["Content-Type"] == "application/json"
    assert ready.json() == {"status": "ok", "checks": READY}
    assert "no-cache" in ready["Cache-Control"]  # a cache in front must not answer for the host
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok", "checks": {}}


def test_answers_json_to_a_browser_and_text_when_asked(db, client):
    browser = client.get("/readyz", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert browser["Content-Type"] == "application/json" and browser.json()["status"] == "ok"
    text = client.get("/readyz", HTTP_ACCEPT="text/plain")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text.content.decode().splitlines() == ["status: ok", *(f"{name}: ok" for name in READY)]
    assert client.get("/healthz?format=text").content.decode() == "status: ok\n"
    assert client.get("/readyz", HTTP_ACCEPT="not a media type").json()["status"] == "ok"


def test_probes_answer_any_host_over_http_where_pages_redirect_or_refuse(db, client, settings):
    """A load balancer probes each host by its address, over http: the probes answer; pages keep the https redirect
    and the Host check."""
    settings.SECURE_SSL_REDIRECT = True
    by_address = {"HTTP_HOST": "10.0.3.7:8000"}
    assert client.get("/healthz", **by_address).status_code == 200
    assert client.get("/readyz", **by_address).json() == {"status": "ok", "checks": READY}
    assert client.get("/accounts/login/", **by_address).status_code == 400  # DisallowedHost
    assert client.get("/accounts/login/").status_code == 301  # to https


def test_database_unreachable_readiness_503_liveness_200_and_no_host_named(db, client, monkeypatch):
    """The checks open connections of their own (in the library's threads): every new connection refused."""

    def refuse(self):
        raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed: refused')

    monkeypatch.setattr(BaseDatabaseWrapper, "connect", refuse)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["database"] == checks["migrations"] == "Unavailable: the database cannot be reached"
    assert "db.internal" not in ready.content.decode() and "10.0.0.5" not in ready.content.decode()
    assert client.get("/healthz").status_code == 200


def test_a_migration_not_applied_is_not_ready(db, client, settings):
    """A host whose code has a migration its database lacks (migrate not run yet): an app without migrations is
    given one on disk (tests/pending_migrations) — the database is not touched, nothing leaks into other tests."""
    settings.MIGRATION_MODULES = {"home": "tests.pending_migrations"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": READY | {"migrations": "Unavailable: 1 migration not applied: home.0001_pending"},
    }
    settings.MIGRATION_MODULES = {}
    assert client.get("/readyz").status_code == 200


def test_a_check_that_crashes_is_a_503_not_a_500(db, client, monkeypatch):
    def crash(self):
        raise RuntimeError("s3cret detail")

    monkeypatch.setattr(health.Migrations, "run", crash)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["migrations"] == "Unknown Error: unknown error"
    assert "s3cret" not in ready.content.decode()


def test_redis_with_a_password_unreachable_names_neither(db, client, settings):
    settings.CELERY_BROKER_URL = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.content.decode()
    assert ready.json()["checks"]["broker"] == "Unavailable: Unable to connect to Redis: Connection Error"
    assert "s3cret" not in body and "127.0.0.1" not in body


def test_with_redis_stopped_not_ready_but_alive(db, client, redis_server):
    with redis_stopped(redis_server):
        started = time.monotonic()
        ready = client.get("/readyz")
        assert time.monotonic() - started < 10
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"] == checks["migrations"] == "ok"
        assert checks["broker"].startswith("Unavailable: Unable to connect to Redis")
        assert checks["cache"] == "Unexpected Result: Connection Error"
        assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    assert client.get("/readyz").json() == {"status": "ok", "checks": READY}  # Redis back: ready, nothing restarted


# --- PostgreSQL stopped under a real gunicorn ------------------------------------------------------------------


UNREACHABLE = {"Unavailable: the database cannot be reached", "Unavailable: Timed out after 3 seconds"}


@pytest.mark.django_db(transaction=True)
def test_with_postgresql_stopped_gunicorn_is_alive_but_not_ready(tmp_path, postgresql_server):
    """As production runs it (DEBUG off, the https redirect on), probed over http by address."""
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "60",
        "SECURE_SSL_REDIRECT": "1",
        "VAR_DIR": str(tmp_path),
    }
    with open(tmp_path / "gunicorn.log", "w") as log:
        portal = subprocess.Popen(  # noqa: S603 - our interpreter and arguments
            [sys.executable, "-m", "gunicorn", "badges_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def probe(path):
        answer = requests.get(base + path, timeout=15, allow_redirects=False)
        return answer.status_code, answer.headers["Content-Type"], answer.json()

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet
            assert portal.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        assert requests.get(f"{base}/accounts/login/", timeout=5, allow_redirects=False).status_code == 301
        for _ in range(4):  # both workers
            assert probe("/readyz") == (200, "application/json", {"status": "ok", "checks": READY})

        subprocess.run([*postgresql_server.command, "-m", "fast", "-w", "stop"], check=True, timeout=60,  # noqa: S603
                       stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            for _ in range(4):
                started = time.monotonic()
                status, kind, body = probe("/readyz")
                assert (status, kind, body["status"]) == (503, "application/json", "unavailable"), body
                assert time.monotonic() - started < 8
                # Refused (PostgreSQL itself), or queued until the check's time is up (through PgBouncer).
                assert body["checks"]["database"] in UNREACHABLE, body
                assert {name: body["checks"][name] for name in READY if name not in ("database", "migrations")} == {
                    name: "ok" for name in READY if name not in ("database", "migrations")
                }
                assert probe("/healthz") == (200, "application/json", {"status": "ok", "checks": {}})
        finally:
            postgresql_restart(postgresql_server)  # starts it again, as the tests after this need
        # Ready again by itself (through PgBouncer, once it logs in to the server again: server_login_retry).
        wait_for(lambda: probe("/readyz")[0] == 200, 30, "/readyz 200 again", [portal])
        assert portal.poll() is None
        assert "Internal Server Error" not in (tmp_path / "gunicorn.log").read_text()
    finally:
        stop_process(portal)
    connection.close()
