#!/usr/bin/env bash
# CI: install requirements.txt alone into a fresh environment and start what production runs — gunicorn,
# a Celery worker on Redis and beat — against a throw-away SQLite database, then check that the web server
# answers and that beat's schedule reaches the worker, which evaluates the demo's achievements and issues
# badges. A runtime package missing from requirements.txt fails here (not only in the test environment).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "run after ensure_venv (.venv is used to find free ports)" >&2; exit 1; }
export DATABASE_URL="sqlite:////dev/null"  # _services.sh then starts Redis only
SKIP_CHROMIUM=1 source scripts/_services.sh

runtime=$(mktemp -d)
pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$runtime"; cleanup; }
trap stop EXIT
"${PYTHON:-python3}" -m venv "$runtime/venv"
"$runtime/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt

export DEBUG=0 SECRET_KEY="runtime-check-$(date +%s%N)-not-a-real-secret-key-but-long-enough" \
  VAR_DIR="$runtime/var" DATABASE_URL="sqlite:///$runtime/db.sqlite3" SECURE_COOKIES=0 SECURE_SSL_REDIRECT=0 \
  EVALUATE_ACHIEVEMENTS_EVERY=2
mkdir -p "$VAR_DIR"
py="$runtime/venv/bin/python"
"$py" manage.py migrate --noinput >/dev/null
"$py" manage.py collectstatic --noinput >/dev/null
"$py" manage.py seed_demo >/dev/null

port=$(free_port)
"$runtime/venv/bin/gunicorn" badges_portal.wsgi --bind "127.0.0.1:$port" --workers 1 >"$runtime/web.log" 2>&1 &
pids+=($!)
"$runtime/venv/bin/celery" -A badges_portal worker --concurrency 1 --loglevel INFO >"$runtime/worker.log" 2>&1 &
pids+=($!)
"$runtime/venv/bin/celery" -A badges_portal beat --loglevel INFO >"$runtime/beat.log" 2>&1 &
pids+=($!)

check() {
  "$py" - "$port" <<'PY'
import json, os, sys, urllib.request

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_portal.settings")
django.setup()
from apps.achievements.models import EvaluationRun  # noqa: E402
from apps.issued_badges.models import IssuedBadge, Source  # noqa: E402

page = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/accounts/login/", timeout=5).read().decode()
# Readiness (django-health-check): the database, its migrations, the Redis cache and broker.
ready = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=10))
runs = EvaluationRun.objects.filter(status=EvaluationRun.Status.FINISHED).count()
issued = IssuedBadge.objects.filter(source=Source.ACHIEVEMENT).count()
print(f"web: {'Sign in' in page}, /readyz: {ready}, finished evaluation runs: {runs}, badges issued by them: {issued}")
sys.exit(0 if "Sign in" in page and ready["status"] == "ok" and runs and issued else 1)
PY
}
for _ in $(seq 60); do
  if check 2>/dev/null; then echo "Runtime check passed: gunicorn (ready), worker on Redis and beat run from requirements.txt alone."; exit 0; fi
  sleep 2
done
check || true
echo "Runtime check failed. Web, worker and beat logs:" >&2
tail -n 30 "$runtime/web.log" "$runtime/worker.log" "$runtime/beat.log" >&2
exit 1
