#!/usr/bin/env bash
# Install what the test suite needs and run it twice: on PostgreSQL and Redis (production's engines),
# then on SQLite (the demo's embedded default, the door's portable writer, the evaluator's split statements).
#
# Installs PostgreSQL, Redis, Chromium and Node.js from Debian's packages when missing (as root, with apt-get),
# installs the independent OB 3.0 verifier's npm packages (tools/ob3-verifier),
# starts PostgreSQL and Redis on loopback in a temporary folder, runs pytest (arguments are passed on to
# both runs) and stops both servers. With DATABASE_URL and REDIS_URL already set, it uses those servers.
# ONLY=postgresql or ONLY=sqlite runs one of the two.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

NEED_NODE=1 source scripts/_services.sh

# The independent Open Badges 3.0 verifier's packages (exact versions from its package-lock.json), installed
# when missing or older than the lock file.
verifier=tools/ob3-verifier
if [ ! -f "$verifier/node_modules/.package-lock.json" ] \
  || [ "$verifier/package-lock.json" -nt "$verifier/node_modules/.package-lock.json" ]; then
  echo "== npm ci --prefix $verifier"
  npm ci --prefix "$verifier" --no-audit --no-fund --loglevel=error
fi

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
