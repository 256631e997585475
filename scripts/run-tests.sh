#!/usr/bin/env bash
# Install what the test suite needs and run it twice: on PostgreSQL and Redis (production's engines),
# then on SQLite (the demo's embedded default, the door's portable writer, the evaluator's split statements).
# Between the two, the evaluation, issuance and real-worker tests run once more through PgBouncer in transaction
# mode (production behind a connection pooler: DATABASE_POOLER=transaction).
#
# Installs PostgreSQL, Redis, PgBouncer, Chromium and Node.js from Debian's packages when missing (as root, with
# apt-get), installs the independent OB 3.0 verifier's npm packages (tools/ob3-verifier),
# starts PostgreSQL and Redis on loopback in a temporary folder, runs pytest (arguments are passed on to
# every run) and stops the servers. With DATABASE_URL and REDIS_URL already set, it uses those servers (and
# skips the PgBouncer run, which needs the local PostgreSQL).
# ONLY=postgresql, ONLY=pgbouncer or ONLY=sqlite runs one of the three. The PgBouncer run takes POOLER_TESTS, unless
# the arguments name test files or folders: then it runs only with ONLY=pgbouncer, on those.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

POOLER_TESTS=(apps/achievements apps/issued_badges apps/activity tests/test_one_door.py tests/test_pooler.py
              tests/test_awards_within_seconds.py tests/test_celery_beat.py tests/test_health.py tests/test_fan_out.py)
only=${ONLY:-}
names_tests=""
for arg in "$@"; do [[ "$arg" == -* || ! -e "${arg%%::*}" ]] || names_tests=1; done
pooler=""
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "$only" = pgbouncer ] || { [ -z "$names_tests" ] && { [ -z "$only" ] || [ "$only" = postgresql ]; }; }; then
    pooler=1
  fi
elif [ "$only" = pgbouncer ]; then
  echo "ONLY=pgbouncer runs PgBouncer in front of the PostgreSQL this script starts: unset DATABASE_URL." >&2
  exit 1
fi

NEED_NODE=1 NEED_PGBOUNCER=$pooler source scripts/_services.sh

# The independent Open Badges 3.0 verifier's packages (exact versions from its package-lock.json), installed
# when missing or older than the lock file.
verifier=tools/ob3-verifier
if [ ! -f "$verifier/node_modules/.package-lock.json" ] \
  || [ "$verifier/package-lock.json" -nt "$verifier/node_modules/.package-lock.json" ]; then
  echo "== npm ci --prefix $verifier"
  npm ci --prefix "$verifier" --no-audit --no-fund --loglevel=error
fi

if [ -z "$only" ] || [ "$only" = postgresql ]; then
  echo "== Tests on ${DATABASE_URL%%@*}@… and $REDIS_URL"
  .venv/bin/python -m pytest "$@"
fi
if [ -n "$pooler" ]; then
  start_pgbouncer
  tests=()
  [ -n "$names_tests" ] || tests=("${POOLER_TESTS[@]}")
  echo "== Tests through PgBouncer (transaction mode, port $PGBOUNCER_PORT): ${tests[*]:-$*}"
  # --reuse-db: the test database is left at the end (the cluster goes with the rest) — PgBouncer keeps server
  # connections to it in its pool, and DROP DATABASE refuses a database others are connected to.
  status=0
  DATABASE_URL="postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/badges_portal" DATABASE_POOLER=transaction \
    .venv/bin/python -m pytest --reuse-db "${tests[@]}" "$@" || status=$?
  [ "$status" = 0 ] || [ "$status" = 5 ] || exit "$status"  # 5: the arguments selected none of these tests
fi
if [ -z "$only" ] || [ "$only" = sqlite ]; then
  echo "== Tests on SQLite (the demo's default)"
  sqlite_var=$(mktemp -d)
  DATABASE_URL="" VAR_DIR="$sqlite_var" .venv/bin/python -m pytest "$@"
  rm -rf "$sqlite_var"
fi
