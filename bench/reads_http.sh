#!/usr/bin/env bash
# Reads served from memory, side by side with the same server's /health in
# the same run (server on core 0, wrk on core 1, rounds alternate, medians):
#   POST /v1/flags/evaluate  one context, one flag, admin-key auth   (target >= 0.7 of /health)
#   GET /api/client/features with a matching ETag -> 304, SDK token  (target >= 0.8 of /health)
#   GET /v1/services/{name}?healthy=true, 5 instances, admin key     (target >= 0.8 of /health)
# Then two instances on one PostgreSQL: how long a flag change made on one
# takes to be evaluated by the other (target: within 100 ms). Called by
# bench/run.sh, or alone: bench/reads_http.sh build
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/switchboard"
DUR=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-3}
CHANGES=${FLAGS_CHANGES:-200}
WORK=$(mktemp -d /tmp/sbreads.XXXXXX)
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
start() {  # $1 = database URL, $2 = data dir, $3 = port
  SWITCHBOARD_ADMIN_KEY=$KEY SWITCHBOARD_SERVER__THREADS=1 SWITCHBOARD_LOG__LEVEL=warn \
    SWITCHBOARD_IDENTITY__MASTER_KEY=ZmxhZ3MtYmVuY2gtbWFzdGVyLWtleS0zMi1ieXRlcyE= \
    taskset -c 0 "$BIN" serve --listen "127.0.0.1:$3" --data-dir "$2" --database "$1" > "$2.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$3/health"
}
api() { curl -fsS -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }

echo "== reads over HTTP bench  $(date -u +%FT%TZ)  server on core 0, wrk on core 1; ${ROUNDS}x${DUR}s rounds, medians; cpu pressure: $(head -1 /proc/pressure/cpu)"
PORT=$(free_port)
start "sqlite:$WORK/sqlite/switchboard.db" "$WORK/sqlite" "$PORT"
SB="http://127.0.0.1:$PORT"
api -X POST "$SB/v1/flags/import" --data-binary @"$ROOT/bench/flags_set.json" > /dev/null
TOKEN=$(api -X POST "$SB/v1/flags/tokens" -d '{"type":"client","environment":"production"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
ETAG=$(curl -fsS -D - -o /dev/null -H "Authorization: $TOKEN" "$SB/api/client/features" | tr -d '\r' |
  awk 'tolower($1) == "etag:" {print $2}')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $TOKEN" -H "If-None-Match: $ETAG" "$SB/api/client/features")" = 304 ]
for i in 1 2 3 4 5; do
  api -X PUT "$SB/v1/services/orders/instances/o$i" \
    -d "{\"address\":\"10.0.0.$i\",\"port\":9001,\"tags\":[\"v2\"],\"check\":{\"ttl_ms\":3600000}}" > /dev/null
done

: > "$WORK/h.txt"; : > "$WORK/e.txt"; : > "$WORK/f.txt"; : > "$WORK/d.txt"
for _ in $(seq "$ROUNDS"); do
  load "$SB/health" 64 | rps >> "$WORK/h.txt"
  SB_KEY=$KEY load "$SB" 64 -s "$ROOT/bench/flags_evaluate.lua" | rps >> "$WORK/e.txt"
  load "$SB/api/client/features" 64 -H "Authorization: $TOKEN" -H "If-None-Match: $ETAG" | rps >> "$WORK/f.txt"
  load "$SB/v1/services/orders?healthy=true" 64 -H "Authorization: Bearer $KEY" | rps >> "$WORK/d.txt"
done
H=$(median < "$WORK/h.txt"); E=$(median < "$WORK/e.txt"); F=$(median < "$WORK/f.txt"); D=$(median < "$WORK/d.txt")
printf "GET /health                                   %10.0f req/s\n" "$H"
printf "POST /v1/flags/evaluate (1 context, 1 flag)   %10.0f req/s = %.2f of /health  (target >= 0.70)\n" "$E" "$(echo "$E / $H" | bc -l)"
printf "GET /api/client/features, ETag match -> 304   %10.0f req/s = %.2f of /health  (target >= 0.80)\n" "$F" "$(echo "$F / $H" | bc -l)"
printf "GET /v1/services/{name}?healthy=true (5)   %10.0f req/s = %.2f of /health  (target >= 0.80)\n" "$D" "$(echo "$D / $H" | bc -l)"
echo "  rounds: health $(tr '\n' ' ' < "$WORK/h.txt")| evaluate $(tr '\n' ' ' < "$WORK/e.txt")| features 304 $(tr '\n' ' ' < "$WORK/f.txt")| services $(tr '\n' ' ' < "$WORK/d.txt")"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
PIDS=()

pg_start
PA=$(free_port); PB=$(free_port)
mkdir -p "$WORK/a" "$WORK/b"
start "$PG_URL" "$WORK/a" "$PA"
start "$PG_URL" "$WORK/b" "$PB"
api -X PUT "http://127.0.0.1:$PA/v1/flags/propagation" -d '{"enabled":false}' > /dev/null
printf "flag change on instance A evaluated on B (PostgreSQL, events.poll_ms %s): " \
  "$(api "http://127.0.0.1:$PA/v1/config/events.poll_ms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')"
taskset -c 1 python3 "$ROOT/bench/flags_propagation.py" "http://127.0.0.1:$PA" "http://127.0.0.1:$PB" "$KEY" propagation "$CHANGES"
