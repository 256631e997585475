"""Faults (issue 15 item 5): the test PostgreSQL restarted, and then stopped for a moment, under a real gunicorn
serving the portal on loopback. The pages recover by themselves, without restarting the portal: every request after
the restart answers 200 — with persistent connections too (CONN_MAX_AGE), which the health check at each request's
start (CONN_HEALTH_CHECKS) replaces when the server dropped them — and while the database is down a page answers a
clean 500 at once rather than hanging."""

import os
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from apps.accounts.tests.factories import make_administrator
from apps.organizations.tests.factories import OrganizationFactory

from .personas import ROOT, free_port, postgresql_restart, stop_process

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="restarts the PostgreSQL test server"),
    pytest.mark.skipif(bool(os.environ.get("PYTEST_XDIST_WORKER")), reason="would cut the other workers' tests"),
]
TIMEOUT = 10  # seconds: no request may take longer (a hang fails the test)


def _gunicorn(tmp_path, conn_max_age: str) -> tuple[subprocess.Popen, str]:
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": conn_max_age,
        "VAR_DIR": str(tmp_path),
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed with the server, below
    try:
        server = subprocess.Popen(  # noqa: S603 - our interpreter and arguments
            [sys.executable, "-m", "gunicorn", "badges_portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    finally:
        log.close()
    return server, f"http://127.0.0.1:{port}"


def _get(session: requests.Session, url: str) -> tuple[int, float, str]:
    started = time.monotonic()
    answer = session.get(url, timeout=TIMEOUT, allow_redirects=False)
    return answer.status_code, time.monotonic() - started, answer.text


@pytest.mark.parametrize("conn_max_age", ["0", "60"], ids=["new-connection-per-request", "persistent-connections"])
def test_pages_recover_after_postgresql_restarts_without_restarting_the_portal(
    tmp_path, postgresql_server, conn_max_age
):
    admin = make_administrator(OrganizationFactory(), username="restart-admin")
    signed_in = Client()
    signed_in.force_login(admin)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, signed_in.cookies[settings.SESSION_COOKIE_NAME].value)
    portal, base = _gunicorn(tmp_path, conn_max_age)
    pages = [f"{base}/", f"{base}/achievements/", f"{base}/issued-badges/"]
    try:
        deadline = time.monotonic() + 30
        while True:  # gunicorn up
            try:
                if requests.get(f"{base}/accounts/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or loading the portal
            assert portal.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        for _ in range(4):  # both gunicorn workers hold a database connection (kept, with CONN_MAX_AGE)
            for page in pages:
                status, _, text = _get(session, page)
                assert status == 200, (page, status)

        postgresql_restart(postgresql_server)  # every connection is cut; back when it accepts connections
        after = [_get(session, page)[:2] for _ in range(4) for page in pages]
        assert [status for status, _ in after] == [200] * len(after), after

        # Stopped: a page answers a clean 500 at once (no hang); started again: 200, the portal untouched.
        subprocess.run([*postgresql_server.command, "-m", "fast", "-w", "stop"], check=True, timeout=60,  # noqa: S603
                       stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            status, took, text = _get(session, pages[0])
            assert status == 500 and took < 5, (status, took)
            assert "Server Error" in text or "error" in text.lower()
        finally:
            postgresql_restart(postgresql_server)  # starts it (it was stopped), as the tests after this need
        status, _, _ = _get(session, pages[0])
        assert status == 200
        assert portal.poll() is None  # the same processes throughout
    finally:
        stop_process(portal)
    connection.close()
