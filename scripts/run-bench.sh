#!/usr/bin/env bash
# Run benchmarks on PostgreSQL: ./scripts/run-bench.sh [bench/issue_batch.py [args…]] (no argument: all)
# Starts throw-away PostgreSQL and Redis servers like the tests do (or uses
# DATABASE_URL / REDIS_URL when set) and prints each benchmark's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt
SKIP_CHROMIUM=1 source scripts/_services.sh

if [ $# -gt 0 ]; then
  benches=("$1"); shift
else
  benches=(bench/[!_]*.py)
fi
for bench in "${benches[@]}"; do
  echo "== $bench"
  DJANGO_SETTINGS_MODULE=badges_portal.settings_test .venv/bin/python "$bench" "$@"
done
