# Sourced by run-tests.sh and run-bench.sh: install PostgreSQL, Redis and Chromium (with NEED_NODE=1 also
# Node.js and npm) when missing (as root, with apt-get), start PostgreSQL and Redis on loopback in a temporary
# folder and export DATABASE_URL and REDIS_URL; both are stopped when the script exits.
# With DATABASE_URL / REDIS_URL already set, those servers are used instead.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "${DATABASE_URL:-}" ] || [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || missing+=(redis-server)
[ -n "${SKIP_CHROMIUM:-}" ] || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
# Node and npm run the independent Open Badges 3.0 verifier (tools/ob3-verifier): only where the caller asks.
[ -z "${NEED_NODE:-}" ] || { command -v node >/dev/null && command -v npm >/dev/null; } || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} from Debian's packages…"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need ${missing[*]}: install them (e.g. apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

workdir=$(mktemp -d)
chmod 755 "$workdir"
pg_started="" redis_started=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -z "$pg_started" ] || as_postgres "$(pg_bin)/pg_ctl" -D "$workdir/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -z "$redis_started" ] || kill "$(cat "$workdir/redis/redis.pid")" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ -z "${DATABASE_URL:-}" ]; then
  port=$(free_port)
  mkdir -p "$workdir/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$workdir/pg"
  chmod 700 "$workdir/pg"
  as_postgres "$(pg_bin)/initdb" -D "$workdir/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  as_postgres "$(pg_bin)/pg_ctl" -D "$workdir/pg" -l "$workdir/pg/server.log" -w -o \
    "-k $workdir/pg -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  pg_started=1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/badges_portal"
fi
if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  mkdir -p "$workdir/redis"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$workdir/redis" \
    --pidfile "$workdir/redis/redis.pid" --save '' --appendonly no --logfile "$workdir/redis/redis.log"
  redis_started=1
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/0"
fi

