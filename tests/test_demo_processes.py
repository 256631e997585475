"""The demo's processes (Procfile.dev) start with one line each and stop cleanly when honcho stops them.

Each command runs as honcho runs it: through ``sh -c`` in a session of its own, with PORT set, and is stopped as
honcho stops it on Ctrl-C: SIGTERM to its whole process group. On loopback, SQLite and the filesystem broker in a
throw-away VAR_DIR.
"""

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HONCHO_KILL_WAIT = 5  # seconds honcho waits after SIGTERM before it sends SIGKILL


def _procfile() -> dict[str, str]:
    """name: command, read as honcho reads a Procfile (other lines are comments)."""
    return dict(re.findall(r"^([A-Za-z0-9_-]+):\s*(.+)$", (ROOT / "Procfile.dev").read_text(), re.MULTILINE))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path_factory.mktemp("demo-var")),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    # Migrated, so that nothing the processes do at start (or beat at the top of an hour) meets a missing table.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    return env


def _start_and_stop(command: str, env: dict, ready: str) -> tuple[str, int, float]:
    """Run ``command`` until it prints ``ready``, stop it as honcho does; its output, exit status, seconds to stop."""
    process = subprocess.Popen(  # noqa: S603 - the project's own Procfile
        ["/bin/sh", "-c", command],
        cwd=ROOT,
        env={**env, "PORT": str(_free_port())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = b""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 60
            while ready.encode() not in output and time.monotonic() < deadline and process.poll() is None:
                if selector.select(timeout=1):
                    output += os.read(process.stdout.fileno(), 65536)
        time.sleep(1)  # anything printed just after ready
        os.killpg(process.pid, signal.SIGTERM)
        stopping = time.monotonic()
        rest, _ = process.communicate(timeout=30)
        took = time.monotonic() - stopping
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = (output + rest).decode(errors="replace")
    assert ready in text, text
    return text, process.returncode, took


def test_the_web_process_says_once_that_it_watches_for_changes_and_stops_cleanly(demo_env):
    output, status, took = _start_and_stop(_procfile()["web"], demo_env, "Quit the server with CONTROL-C.")
    assert output.count("Watching for file changes") == 1, output
    assert status == 0, output
    assert took < HONCHO_KILL_WAIT


def test_the_worker_with_beat_stops_without_an_error(demo_env):
    output, status, took = _start_and_stop(_procfile()["worker"], demo_env, " ready.")
    assert "beat: Starting" in output
    assert "ERROR" not in output and "WARNING/" not in output, output
    assert status == 0, output
    assert took < HONCHO_KILL_WAIT, output
