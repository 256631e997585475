#!/usr/bin/env bash
# Install what the test suite needs and run it on PostgreSQL and Redis.
#
# Installs PostgreSQL, Redis and Chromium from Debian's packages when missing
# (as root, with apt-get), starts PostgreSQL and Redis on loopback in a
# temporary folder, runs pytest (arguments are passed on) and stops both.
# With DATABASE_URL and REDIS_URL already set, it uses those servers instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

source scripts/_services.sh

echo "Tests on ${DATABASE_URL%%@*}@… and $REDIS_URL"
.venv/bin/python -m pytest "$@"
