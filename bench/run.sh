#!/usr/bin/env bash
# make bench: figures side by side with a peer measured in the same run.
# Core placement (2 cores): servers (nginx, switchboard, PostgreSQL) on core 0,
# load generators (wrk, sse_latency) on core 1. Each comparison alternates
# the two servers over several rounds and reports medians.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/switchboard"
BENCH="$ROOT/$BUILD/bench"
DUR=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-3}
WORK=$(mktemp -d /tmp/sbbench.XXXXXX)
chmod 755 "$WORK"
KEY="sbk_bench_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
rps() { awk '/Requests\/sec/ {print $2}'; }
load() { taskset -c 1 wrk -t1 -c"$2" -d"${DUR}s" "${@:3}" "$1" 2>&1; }

echo "== switchboard bench  $(date -u +%FT%TZ)  $(nproc) cores; servers on core 0, load on core 1; ${ROUNDS}x${DUR}s rounds, medians"

# --- peer: nginx (1 worker) returning a static 200 -------------------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/access.log;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /health { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
CONF
taskset -c 0 nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)

start_sb() {  # $1 = database URL, $2 = data dir, $3 = log file
  SWITCHBOARD_ADMIN_KEY=$KEY SWITCHBOARD_SERVER__THREADS=1 SWITCHBOARD_LOG__LEVEL=warn \
    taskset -c 0 "$BIN" serve --listen "127.0.0.1:$SB_PORT" --data-dir "$2" --database "$1" > "$3" 2>&1 &
  SB_PID=$!
  PIDS+=($SB_PID)
  wait_http "http://127.0.0.1:$SB_PORT/health"
}
stop_sb() { kill "$SB_PID" 2>/dev/null || true; wait "$SB_PID" 2>/dev/null || true; }

SB_PORT=$(free_port)
start_sb "sqlite:$WORK/sqlite/switchboard.db" "$WORK/sqlite" "$WORK/sb-sqlite.log"
wait_http "http://127.0.0.1:$NGINX_PORT/health"

# A user whose role grants config:read, signed in with a password: their
# access token (JWT) is what the authenticated-GET rounds send.
SBCLI=(env SWITCHBOARD_LOG__LEVEL=error "$BIN")
"${SBCLI[@]}" role create bench-reader --permission config:read --data-dir "$WORK/sqlite" \
  --database "sqlite:$WORK/sqlite/switchboard.db" >/dev/null
"${SBCLI[@]}" user create --email bench@example.com --password "bench passphrase 2026" --role bench-reader \
  --data-dir "$WORK/sqlite" --database "sqlite:$WORK/sqlite/switchboard.db" >/dev/null
JWT=$(curl -fs -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"bench passphrase 2026"}' \
  "http://127.0.0.1:$SB_PORT/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# --- 1. /health vs nginx; authenticated GETs vs /health ------------------------
: > "$WORK/ng.txt"; : > "$WORK/sb.txt"; : > "$WORK/auth.txt"; : > "$WORK/jwt.txt"
for _ in $(seq "$ROUNDS"); do
  load "http://127.0.0.1:$NGINX_PORT/health" 64 | rps >> "$WORK/ng.txt"
  load "http://127.0.0.1:$SB_PORT/health" 64 | rps >> "$WORK/sb.txt"
  load "http://127.0.0.1:$SB_PORT/v1/config/log.level" 64 -H "Authorization: Bearer $KEY" | rps >> "$WORK/auth.txt"
  load "http://127.0.0.1:$SB_PORT/v1/config/log.level" 64 -H "Authorization: Bearer $JWT" | rps >> "$WORK/jwt.txt"
done
NG=$(median < "$WORK/ng.txt"); SB=$(median < "$WORK/sb.txt"); AU=$(median < "$WORK/auth.txt"); JW=$(median < "$WORK/jwt.txt")
printf "GET /health             nginx %10.0f req/s   switchboard %10.0f req/s   ratio %.2f  (target >= 0.80)\n" "$NG" "$SB" "$(echo "$SB / $NG" | bc -l)"
printf "GET /v1/config/{key}    (admin key auth + JSON) %10.0f req/s = %.2f of /health\n" "$AU" "$(echo "$AU / $SB" | bc -l)"
printf "GET /v1/config/{key}    (JWT verify + permission check + JSON) %10.0f req/s = %.2f of /health  (target >= 0.80)\n" "$JW" "$(echo "$JW / $SB" | bc -l)"

# --- 2. durable single-event publishes, SQLite (synchronous=FULL) ------------
# A fresh server on its own data dir, after `sync`: the rounds above wrote
# ~1 GB of access log, and on ext4 (data=ordered) every fsync of the WAL would
# also flush those unrelated dirty pages, measuring the page cache instead.
stop_sb
sync
start_sb "sqlite:$WORK/sqlite-pub/switchboard.db" "$WORK/sqlite-pub" "$WORK/sb-sqlite-pub.log"
: > "$WORK/pub.txt"
for r in $(seq "$ROUNDS"); do
  SB_KEY=$KEY SB_RUN="sq$r-$RANDOM" load "http://127.0.0.1:$SB_PORT" 64 -s "$ROOT/bench/publish.lua" | rps >> "$WORK/pub.txt"
done
printf "POST /v1/events SQLite  64 conns, durable (FULL) %10.0f events/s  (target >= 20000)\n" "$(median < "$WORK/pub.txt")"

# --- 3. publish -> SSE latency at 2,000 events/s ------------------------------
taskset -c 1 "$BENCH/sse_latency" "http://127.0.0.1:$SB_PORT" "$KEY" 2000 "$DUR" | sed 's/^/SSE (SQLite)            /'
stop_sb

# --- 4. batched appends (in-process, no HTTP) ---------------------------------
sync
for b in 100 1000; do
  taskset -c 0 "$BENCH/append_bench" "sqlite:$WORK/append-$b.db" "$b" 200000 | grep -v migration | sed "s/^/SQLite FULL             /"
done

# --- 5. the same on PostgreSQL 15 (synchronous_commit=on) ---------------------
pg_start
sync
start_sb "$PG_URL" "$WORK/pgdata" "$WORK/sb-pg.log"
: > "$WORK/pgpub.txt"
for r in $(seq "$ROUNDS"); do
  SB_KEY=$KEY SB_RUN="pg$r-$RANDOM" load "http://127.0.0.1:$SB_PORT" 64 -s "$ROOT/bench/publish.lua" | rps >> "$WORK/pgpub.txt"
done
printf "POST /v1/events Postgres 64 conns, durable       %10.0f events/s  (target >= 10000)\n" "$(median < "$WORK/pgpub.txt")"
stop_sb
taskset -c 0 "$BENCH/append_bench" "$PG_URL" 1000 200000 | grep -v migration | sed "s/^/PostgreSQL              /"
bash "$ROOT/bench/jobs.sh" "$BUILD"
bash "$ROOT/bench/notify.sh" "$BUILD"
bash "$ROOT/bench/flags.sh" "$BUILD"
bash "$ROOT/bench/reads_http.sh" "$BUILD"
