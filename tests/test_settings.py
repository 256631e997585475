"""Settings come from the environment; with nothing set the portal needs no server."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "broker": settings.CELERY_BROKER_URL, "email": settings.EMAIL_BACKEND, "debug": settings.DEBUG,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def _settings(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings",
        "VAR_DIR": str(tmp_path),
    }
    environment.update(env)
    code = "import django; django.setup();" + PROBE
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_with_nothing_but_debug_it_runs_on_sqlite_console_mail_and_the_filesystem_broker(tmp_path):
    result = _settings(tmp_path, DEBUG="1")
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["broker"] == "filesystem://localhost//"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert (tmp_path / "celery-broker").is_dir()


def test_empty_database_url_counts_as_unset(tmp_path):
    values = json.loads(_settings(tmp_path, DEBUG="1", DATABASE_URL="", REDIS_URL="").stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["broker"] == "filesystem://localhost//"


def test_production_reads_postgres_redis_and_smtp_from_the_environment(tmp_path):
    result = _settings(
        tmp_path,
        DEBUG="0",
        SECRET_KEY="s3cret-from-the-environment",
        DATABASE_URL="postgres://portal:pw@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp://mailer:pw@smtp.internal:587",
    )
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db.internal" and values["name"] == "portal"
    assert values["broker"] == "redis://cache.internal:6379/1"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["debug"] is False
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _settings(tmp_path, DEBUG="0")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_the_filesystem_broker_keeps_everything_in_its_folder(tmp_path):
    """Sending a task (its queue's exchange table included) writes under VAR_DIR/celery-broker, not into whatever
    folder the process runs in."""
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import django; django.setup();"
        "from badges_portal.celery import app; app.send_task('achievements.evaluate_achievements')"
    )
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "badges_portal.settings", "DEBUG": "1",
                   "VAR_DIR": str(tmp_path / "var")}  # fmt: skip
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=elsewhere, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "var" / "celery-broker" / "control").is_dir()


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "badges_portal.settings",
        "VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
        "CREDENTIALS_KEY": "Wm9vb0ZlcnNldEtleUZvclRlc3RzT25seTAxMjM0NTY=",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_defaults_pass_check_deploy_at_warning_level(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout


def test_https_settings_come_from_the_environment(tmp_path):
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_PROXY_SSL_HEADER]))"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "badges_portal.settings", "VAR_DIR": str(tmp_path),
            "DEBUG": "0", "SECRET_KEY": "x" * 60}  # fmt: skip

    def values(**env):
        run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**base, **env}, capture_output=True,  # noqa: S603
                             text=True, timeout=60)  # fmt: skip
        return json.loads(run.stdout)

    assert values() == [True, 31536000, True, False, None]  # the safe defaults
    assert values(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="1",
                  SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto") == [False, 600, True, True,
                                                                   ["HTTP_X_FORWARDED_PROTO", "https"]]  # fmt: skip
    # Turning them off is visible to check --deploy: it fails at WARNING level.
    assert _check_deploy(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0").returncode != 0
