#!/usr/bin/env bash
# Job queues side by side with BullMQ on a local Redis 7, in one run:
# no-op jobs, durable defaults (SQLite synchronous=FULL, PostgreSQL
# synchronous_commit=on; Redis without persistence, which favours BullMQ).
# Both sides get both cores (BullMQ: Redis + Node; Switchboard: one process).
# Rounds alternate the two; medians. Called by bench/run.sh, or alone:
#   bench/jobs.sh build        (after `make bench` built build/bench/jobs_bench)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/switchboard"
JB="$ROOT/$BUILD/bench/jobs_bench"
ROUNDS=${BENCH_ROUNDS:-3}
N=${JOBS_N:-50000}
WORK=$(mktemp -d /tmp/sbjobs.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
field() { sed -nE "s/.*$1=([0-9.]+).*/\1/p" | head -1; }
# shellcheck source=bench/jobs/peer.sh
source "$ROOT/bench/jobs/peer.sh"
bullmq() { (cd "$ROOT/bench/jobs" && taskset -c 0,1 node bullmq_bench.mjs --redis "redis://127.0.0.1:$REDIS_PORT" "$@"); }

echo "== jobs bench  $(date -u +%FT%TZ)  $(nproc) cores; no-op jobs; ${ROUNDS} rounds, medians; BullMQ $(node -p "require('$ROOT/bench/jobs/node_modules/bullmq/package.json').version") on Redis $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/')"
redis_start "$WORK"

# --- enqueue + process, in-process workers (concurrency 32) vs BullMQ --------
: > "$WORK/bq.txt"; : > "$WORK/sq.txt"; : > "$WORK/bqadd.txt"; : > "$WORK/sqadd.txt"
for r in $(seq "$ROUNDS"); do
  bullmq --scenarios process --process-jobs "$N" --concurrency 32 | grep '^bullmq process c=' | field jobs_per_s >> "$WORK/bq.txt"
  sync
  taskset -c 0,1 "$JB" "sqlite:$WORK/q$r.db" process "$N" 32 | sed -nE 's/.*= ([0-9]+) jobs\/s.*/\1/p' >> "$WORK/sq.txt"
  bullmq --scenarios add_bulk --bulk-jobs 100000 | grep '^bullmq add_bulk' | field jobs_per_s >> "$WORK/bqadd.txt"
  taskset -c 0,1 "$JB" "sqlite:$WORK/a$r.db" add 100000 | sed -nE 's/.*= ([0-9]+) jobs\/s.*/\1/p' >> "$WORK/sqadd.txt"
done
BQ=$(median < "$WORK/bq.txt"); SQ=$(median < "$WORK/sq.txt")
printf "jobs process (c=32)     BullMQ %9.0f jobs/s   switchboard SQLite %9.0f jobs/s   ratio %.2f  (target >= 3)\n" "$BQ" "$SQ" "$(awk -v a="$SQ" -v b="$BQ" 'BEGIN{print a/b}')"
BQA=$(median < "$WORK/bqadd.txt"); SQA=$(median < "$WORK/sqadd.txt")
printf "jobs add bulk (1000)    BullMQ %9.0f jobs/s   switchboard SQLite %9.0f jobs/s   ratio %.2f\n" "$BQA" "$SQA" "$(awk -v a="$SQA" -v b="$BQA" 'BEGIN{print a/b}')"

# --- enqueue -> start latency at 2,000 jobs/s, idle workers ------------------
: > "$WORK/bl50.txt"; : > "$WORK/bl99.txt"; : > "$WORK/sl50.txt"; : > "$WORK/sl99.txt"
for r in $(seq "$ROUNDS"); do
  BL=$(bullmq --scenarios latency --rate 2000 --seconds 8 | grep '^bullmq latency')
  echo "$BL" | field p50_ms >> "$WORK/bl50.txt"; echo "$BL" | field p99_ms >> "$WORK/bl99.txt"
  SL=$(taskset -c 0,1 "$JB" "sqlite:$WORK/l$r.db" latency 2000 8 | grep -v migration)
  echo "$SL" | sed -nE 's/.*p50 ([0-9.]+) ms.*/\1/p' >> "$WORK/sl50.txt"
  echo "$SL" | sed -nE 's/.*p99 ([0-9.]+) ms.*/\1/p' >> "$WORK/sl99.txt"
done
echo "jobs latency at 2000/s   BullMQ p50 $(median < "$WORK/bl50.txt") ms p99 $(median < "$WORK/bl99.txt") ms   switchboard SQLite p50 $(median < "$WORK/sl50.txt") ms p99 $(median < "$WORK/sl99.txt") ms  (target p99 <= 5 ms; p99s: $(tr '\n' ' ' < "$WORK/sl99.txt"))"

# --- remote workers over HTTP (claim batches of 100, batch acks) -------------
SB_PORT=$(free_port)
KEY="sbk_jobsbench_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SWITCHBOARD_ADMIN_KEY=$KEY SWITCHBOARD_LOG__LEVEL=warn SWITCHBOARD_HTTP__ACCESS_LOG=false \
  taskset -c 0 "$BIN" serve --listen "127.0.0.1:$SB_PORT" --data-dir "$WORK/sb" > "$WORK/sb.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SB_PORT/health"
: > "$WORK/http.txt"
for r in $(seq "$ROUNDS"); do
  taskset -c 1 node "$ROOT/bench/jobs/http_worker_bench.mjs" "http://127.0.0.1:$SB_PORT" "$KEY" "http$r" "$N" 8 100 \
    | grep '^switchboard http_workers' | field jobs_per_s >> "$WORK/http.txt"
done
SH=$(median < "$WORK/http.txt")
printf "jobs HTTP workers       BullMQ %9.0f jobs/s   switchboard SQLite %9.0f jobs/s   ratio %.2f  (8 workers, claim 100, batch ack; target >= 1)\n" "$BQ" "$SH" "$(awk -v a="$SH" -v b="$BQ" 'BEGIN{print a/b}')"
kill "${PIDS[-1]}" 2>/dev/null || true

# --- PostgreSQL 15 ---------------------------------------------------------
pg_start
: > "$WORK/pgq.txt"
for r in $(seq "$ROUNDS"); do
  taskset -c 0,1 "$JB" "$PG_URL" process "$N" 32 | sed -nE 's/.*= ([0-9]+) jobs\/s.*/\1/p' >> "$WORK/pgq.txt"
done
PQ=$(median < "$WORK/pgq.txt")
printf "jobs process (c=32)     BullMQ %9.0f jobs/s   switchboard Postgres %7.0f jobs/s   ratio %.2f  (target >= 1.5)\n" "$BQ" "$PQ" "$(awk -v a="$PQ" -v b="$BQ" 'BEGIN{print a/b}')"
redis_stop
