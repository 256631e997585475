#!/usr/bin/env bash
# Install what the test suite needs and run it twice: on PostgreSQL and Redis (production's engines),
# then on SQLite (the demo's embedded default, the door's portable writer, the evaluator's split statements).
#
# Installs PostgreSQL, Redis and Chromium from Debian's packages when missing (as root, with apt-get),
# starts PostgreSQL and Redis on loopback in a temporary folder, runs pytest (arguments are passed on to
# both runs) and stops both servers. With DATABASE_URL and REDIS_URL already set, it uses those servers.
# ONLY=postgresql or ONLY=sqlite runs one of the two.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

source scripts/_services.sh

if [ "${ONLY:-postgresql}" != sqlite ]; then
  echo "== Tests on ${DATABASE_URL%%@*}@… and $REDIS_URL"
  .venv/bin/python -m pytest "$@"
fi
if [ "${ONLY:-sqlite}" != postgresql ]; then
  echo "== Tests on SQLite (the demo's default)"
  sqlite_var=$(mktemp -d)
  DATABASE_URL="" VAR_DIR="$sqlite_var" .venv/bin/python -m pytest "$@"
  rm -rf "$sqlite_var"
fi
