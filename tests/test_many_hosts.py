"""Stateless web, many hosts (issue 16 item 3): several web processes behind a load balancer behave as one. Sessions
are database rows; the cache that counts the API's rate per key and the forgot-password limit is Redis when there is
one (CACHE_URL or REDIS_URL), else files one host's processes share; `check --deploy` warns of a cache kept per
process (portal.W001); while Redis is down the counts are skipped and requests answered. And the pooler setting:
DATABASE_POOLER=transaction turns server-side cursors off."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.checks import Warning
from django.test import Client
from django.urls import reverse

from apps.accounts.tests.factories import make_student
from apps.api.tests.conftest import api_client
from apps.core.checks import cache_shared_by_every_web_process
from apps.organizations.tests.factories import OrganizationFactory

from .personas import ROOT, redis_stopped

REDIS = settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
needs_redis = pytest.mark.skipif(not REDIS, reason="the shared cache is Redis (REDIS_URL)")

PROBE = """
import json
from django.conf import settings
print(json.dumps({"cache": settings.CACHES["default"], "sessions": settings.SESSION_ENGINE,
                  "server_side_cursors": not settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]}))
"""


def _settings(tmp_path, **env) -> dict:
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "badges_portal.settings", "DEBUG": "1",
                   "VAR_DIR": str(tmp_path), **env}  # fmt: skip
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", "import django; django.setup();" + PROBE],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_cache_and_the_pooler_setting_come_from_the_environment(tmp_path):
    redis_cache = "django.core.cache.backends.redis.RedisCache"
    timeouts = {"socket_connect_timeout": 2, "socket_timeout": 2}
    alone = _settings(tmp_path)  # no Redis: one host, whose processes share files
    assert alone["cache"] == {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                              "LOCATION": str(tmp_path / "cache"), "KEY_PREFIX": "portal"}  # fmt: skip
    assert alone["sessions"] == "django.contrib.sessions.backends.db"
    assert alone["server_side_cursors"] is True
    on_redis = _settings(tmp_path, REDIS_URL="redis://:pw@redis.internal:6379/0")
    assert on_redis["cache"] == {"BACKEND": redis_cache, "LOCATION": "redis://:pw@redis.internal:6379/0",
                                 "KEY_PREFIX": "portal", "OPTIONS": timeouts}  # fmt: skip
    broker_only = _settings(tmp_path, CELERY_BROKER_URL="redis://broker.internal:6379/2")
    assert broker_only["cache"]["LOCATION"] == "redis://broker.internal:6379/2"
    own = _settings(tmp_path, REDIS_URL="redis://redis.internal:6379/0", CACHE_URL="redis://cache.internal:6380/3")
    assert (own["cache"]["BACKEND"], own["cache"]["LOCATION"]) == (redis_cache, "redis://cache.internal:6380/3")
    assert own["cache"]["OPTIONS"] == timeouts
    assert _settings(tmp_path, CACHE_URL="locmemcache://")["cache"]["BACKEND"].endswith("LocMemCache")
    pooled = _settings(tmp_path, DATABASE_POOLER="transaction", DATABASE_URL="postgres://u@pgbouncer.internal:6432/db")
    assert pooled["server_side_cursors"] is False


def test_an_unknown_pooler_mode_refuses_to_start(tmp_path):
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "badges_portal.settings", "DEBUG": "1",
                   "VAR_DIR": str(tmp_path), "DATABASE_POOLER": "statement"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "DATABASE_POOLER is 'transaction'" in result.stderr


@pytest.mark.parametrize(
    ("debug", "backend", "broker", "warned"),
    [
        (False, "django.core.cache.backends.locmem.LocMemCache", "filesystem://localhost//", "process"),
        (False, "django.core.cache.backends.dummy.DummyCache", "redis://r:6379/0", "process"),
        (False, "django.core.cache.backends.filebased.FileBasedCache", "redis://r:6379/0", "host"),
        (False, "django.core.cache.backends.filebased.FileBasedCache", "filesystem://localhost//", None),  # one host
        (False, "django.core.cache.backends.redis.RedisCache", "redis://r:6379/0", None),
        (True, "django.core.cache.backends.locmem.LocMemCache", "filesystem://localhost//", None),  # development
    ],
)
def test_check_deploy_warns_of_a_cache_not_shared_by_every_web_process(settings, debug, backend, broker, warned):
    settings.DEBUG, settings.CELERY_BROKER_URL = debug, broker
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "var/unused" if "file" in backend else ""}}
    found = cache_shared_by_every_web_process()
    if warned is None:
        assert found == []
    else:
        [warning] = found
        assert isinstance(warning, Warning) and warning.id == "portal.W001"
        assert f"counted per {warned}" in warning.msg and "REDIS_URL" in warning.hint


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        "PATH": "/usr/bin:/bin", "DEBUG": "0", "VAR_DIR": str(tmp_path),
        "SECRET_KEY": "a-long-random-enough-secret-key-for-the-deploy-check-0123456789-abcdefghij",
        "CREDENTIALS_KEY": "l4CsKzmU-IeTfcal7G6QPLRCCw9YcEXjFG-2gGVHOus=", **env,
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_check_deploy_passes_with_ci_defaults_and_fails_with_a_cache_per_process(tmp_path):
    """.ci/run's check: only the secret and the credentials key (no Redis: one host, the file cache) passes; the
    same with a cache kept in each process fails on portal.W001."""
    default = _check_deploy(tmp_path)
    assert default.returncode == 0, default.stderr
    per_process = _check_deploy(tmp_path, CACHE_URL="locmemcache://")
    assert per_process.returncode != 0 and "portal.W001" in per_process.stderr
    assert _check_deploy(tmp_path, REDIS_URL="redis://redis.internal:6379/0").returncode == 0


def test_a_session_is_a_database_row_any_web_process_reads(db, client):
    person = make_student(OrganizationFactory(), username="roaming")
    person.set_password("roaming-pass-123")
    person.save()
    response = client.post(reverse("login"), {"username": "roaming", "password": "roaming-pass-123"})
    assert response.status_code == 302
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(session_key=key).get_decoded()["_auth_user_id"] == str(person.pk)
    elsewhere = Client()  # another web process: nothing in common with the first but the database
    elsewhere.cookies[settings.SESSION_COOKIE_NAME] = key
    assert elsewhere.get(reverse("people:my_badges")).status_code == 200


COUNT_ELSEWHERE = """
import json, sys
from types import SimpleNamespace
import django
django.setup()
from apps.accounts.throttling import rate_exceeded
from apps.api.throttling import PerKeyThrottle
request = SimpleNamespace(auth=SimpleNamespace(pk=int(sys.argv[1])))
print(json.dumps({"api": [PerKeyThrottle().allow_request(request, None) for _ in range(2)],
                  "reset": [rate_exceeded("reset-address", "198.51.100.4", 3) for _ in range(2)]}))
"""


@needs_redis
def test_the_api_rate_and_the_forgot_password_limit_are_counted_across_processes(world, settings, mailoutbox):
    """Two requests here, then another process (its own connection to the test Redis) counts two more: the third
    is allowed there, the fourth refused, and this process refuses the next — one count, whichever process."""
    from django.core.cache import cache

    cache.clear()
    settings.API_RATE = "3/min"
    settings.PASSWORD_RESET_RATE = (3, 100)
    caller = api_client(world.alpha.org)
    assert [caller.get(reverse("api:badges")).status_code for _ in range(2)] == [200, 200]
    web = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(2):
        assert web.post(reverse("password_reset"), {"email": world.alpha.student.email}).status_code == 302
    assert len(mailoutbox) == 2

    elsewhere = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", COUNT_ELSEWHERE, str(caller.api_key.pk)], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, "DJANGO_SETTINGS_MODULE": "badges_portal.settings_test", "API_RATE": "3/min"},
    )  # fmt: skip
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert json.loads(elsewhere.stdout) == {"api": [True, False], "reset": [False, True]}

    refused = caller.get(reverse("api:badges"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    again = web.post(reverse("password_reset"), {"email": world.alpha.student.email})
    assert again.status_code == 200 and "Too many password reset requests" in again.content.decode()
    assert len(mailoutbox) == 2


def test_with_redis_stopped_the_api_and_forgot_password_answer_uncounted(world, settings, redis_server, caplog):
    settings.API_RATE = "1/min"
    caller = api_client(world.alpha.org)
    with redis_stopped(redis_server):
        answers = [caller.get(reverse("api:badges")) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]  # over the rate: not counted
        assert {badge["name"] for badge in answers[0].json()["results"]} >= {world.alpha.badge.name}
        reset = Client().post(reverse("password_reset"), {"email": world.alpha.student.email})
        assert reset.status_code == 302 and reset["Location"] == reverse("password_reset_done")
    skipped = [record.getMessage() for record in caplog.records if "not counted" in record.getMessage()]
    assert skipped.count("API rate not counted: the cache is unreachable") == 3
    assert "reset-address not counted: the cache is unreachable" in skipped
