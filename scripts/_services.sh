# Sourced by run-tests.sh and run-bench.sh: install PostgreSQL, Redis and Chromium (with NEED_NODE=1 also
# Node.js and npm, with NEED_PGBOUNCER=1 also PgBouncer) when missing (as root, with apt-get), start PostgreSQL and
# Redis on loopback in a temporary folder and export DATABASE_URL and REDIS_URL; both are stopped when the script
# exits, and so is PgBouncer once start_pgbouncer has started it in front of that PostgreSQL.
# With DATABASE_URL / REDIS_URL already set, those servers are used instead.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
pgbouncer_bin() { command -v pgbouncer || echo /usr/sbin/pgbouncer; }  # /usr/sbin: not on every user's PATH
missing=()
[ -n "${DATABASE_URL:-}" ] || [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
[ -n "${REDIS_URL:-}" ] || command -v redis-server >/dev/null || missing+=(redis-server)
[ -n "${SKIP_CHROMIUM:-}" ] || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
# Node and npm run the independent Open Badges 3.0 verifier (tools/ob3-verifier): only where the caller asks.
[ -z "${NEED_NODE:-}" ] || { command -v node >/dev/null && command -v npm >/dev/null; } || missing+=(nodejs npm)
# PgBouncer (Debian's package) runs tests through a connection pooler in transaction mode: only where asked.
[ -z "${NEED_PGBOUNCER:-}" ] || [ -x "$(pgbouncer_bin)" ] || missing+=(pgbouncer)
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
pg_started="" redis_started="" pgbouncer_started=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -z "$pgbouncer_started" ] || kill "$(cat "$workdir/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
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
  pg_started=1 pg_port=$port
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

# PgBouncer in transaction mode in front of the PostgreSQL started above, on a free loopback port, as the postgres
# user (it refuses to run as root): any database by the client's name (pytest-django's test_… one included), trust
# authentication (the throw-away cluster's own); after a failed login to the server (the fault tests stop it) it
# tries again within a second, not 15. Exports PGBOUNCER_PORT; stopped at exit with the rest.
start_pgbouncer() {
  [ -n "$pg_started" ] || { echo "PgBouncer goes in front of the PostgreSQL started here: unset DATABASE_URL" >&2; return 1; }
  local dir="$workdir/pgbouncer" port
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
server_login_retry = 1
max_client_conn = 500
default_pool_size = 40
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
  echo '"postgres" ""' >"$dir/userlist.txt"
  [ "$(id -u)" != 0 ] || chown -R postgres "$dir"
  as_postgres "$(pgbouncer_bin)" -d -q "$dir/pgbouncer.ini"
  pgbouncer_started=1
  for _ in $(seq 50); do "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres && break; sleep 0.1; done
  "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres || { cat "$dir/pgbouncer.log" >&2; return 1; }
  export PGBOUNCER_PORT=$port
}
