#!/usr/bin/env bash
# Install into .venv, migrate, seed the demo world and serve the portal on
# http://127.0.0.1:8000 (PORT=8001 for another port) with a Celery worker and beat beside it.
# SQLite and Celery's filesystem transport: nothing else to install. VAR_DIR moves the data (default var/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-demo.txt

export DEBUG=${DEBUG:-1}
export DEMO=1  # the sign-in page lists the demo logins
export PORT=${PORT:-8000}  # honcho gives it to the web process
export PORTAL_URL=${PORTAL_URL:-http://127.0.0.1:$PORT}  # links in e-mails the worker sends
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo
echo "Badges Portal: http://127.0.0.1:$PORT (sign in as nw-admin / demo-pass-123). Ctrl-C stops it."
exec .venv/bin/honcho --procfile Procfile.dev start
