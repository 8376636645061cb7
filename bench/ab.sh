#!/usr/bin/env bash
# A/B of two switchboard binaries in one run, alternating them so the host's
# drift hits both alike: /health (req/s) and durable SQLite publishes
# (events/s), each on a fresh server and data dir. Placement as in run.sh:
# server on core 0, wrk on core 1.
#   bench/ab.sh OLD_BINARY NEW_BINARY [PAIRS]
set -euo pipefail
A=$1; B=$2; PAIRS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${BENCH_SECONDS:-8}
WORK=$(mktemp -d /tmp/sbab.XXXXXX)
KEY="sbk_ab_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SB_PID=""
cleanup() { [ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
rps() { awk '/Requests\/sec/ {print $2}'; }
start() {  # $1 binary, $2 dir
  PORT=$(free_port); mkdir -p "$2"
  SWITCHBOARD_ADMIN_KEY=$KEY SWITCHBOARD_SERVER__THREADS=1 SWITCHBOARD_LOG__LEVEL=warn \
    taskset -c 0 "$1" serve --listen "127.0.0.1:$PORT" --data-dir "$2" --database "sqlite:$2/sb.db" > "$2/log" 2>&1 &
  SB_PID=$!
  wait_http "http://127.0.0.1:$PORT/health"
}
stop() { kill "$SB_PID" 2>/dev/null || true; wait "$SB_PID" 2>/dev/null || true; SB_PID=""; }
echo "== A/B  A=$A  B=$B  $PAIRS pairs, ${DUR}s each  $(date -u +%FT%TZ)"
for p in $(seq "$PAIRS"); do
  for side in A B; do
    bin=$A; [ "$side" = B ] && bin=$B
    start "$bin" "$WORK/$side$p-h"
    h=$(taskset -c 1 wrk -t1 -c64 -d"${DUR}s" "http://127.0.0.1:$PORT/health" 2>&1 | rps)
    stop; sync
    start "$bin" "$WORK/$side$p-p"
    e=$(SB_KEY=$KEY SB_RUN="ab$side$p-$RANDOM" taskset -c 1 wrk -t1 -c64 -d"${DUR}s" -s "$ROOT/bench/publish.lua" \
        "http://127.0.0.1:$PORT" 2>&1 | rps)
    stop
    printf "pair %d  %s  /health %8.0f req/s   SQLite durable publish %7.0f events/s\n" "$p" "$side" "$h" "$e"
  done
done
