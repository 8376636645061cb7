#!/usr/bin/env bash
# Notifications end to end over HTTP, durable defaults (SQLite FULL): POST
# /v1/notifications -> both deliveries (email + push, one user each) handed to
# the `discard` providers, which accept without a network call. Server on
# core 0, load on core 1, like bench/run.sh. In the same run, the job queue's
# raw rate on the same core (jobs_bench process): the issue's budget is at
# most 3 job-equivalents per notification. Called by bench/run.sh, or alone:
#   bench/notify.sh build        (after `make bench`)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/switchboard"
JB="$ROOT/$BUILD/bench/jobs_bench"
DUR=${BENCH_SECONDS:-8}
ROUNDS=${BENCH_ROUNDS:-3}
USERS=${NOTIFY_USERS:-20}
WORK=$(mktemp -d /tmp/sbnotify.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
KEY="sbk_notifybench_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PASS="bench passphrase 2026"

echo "== notify bench  $(date -u +%FT%TZ)  server on core 0, load on core 1; email + push per notification; ${ROUNDS} rounds, medians"

# One server per round (a fresh database), set up over its own API.
start_round() {  # $1 = round
  D="$WORK/r$1"
  DB="sqlite:$D/switchboard.db"
  mkdir -p "$D"
  U=""
  for i in $(seq "$USERS"); do
    id=$(SWITCHBOARD_LOG__LEVEL=error SWITCHBOARD_USER_PASSWORD="$PASS" "$BIN" user create --email "u$i@example.com" \
      --data-dir "$D" --database "$DB" | tail -1)
    U="$U${U:+,}$id"
  done
  SB_PORT=$(free_port)
  BASE="http://127.0.0.1:$SB_PORT"
  # Each user signs in once to register a device: more than the default 10/min per IP.
  SWITCHBOARD_ADMIN_KEY=$KEY SWITCHBOARD_SERVER__THREADS=1 SWITCHBOARD_LOG__LEVEL=warn SWITCHBOARD_HTTP__ACCESS_LOG=false \
    SWITCHBOARD_RATELIMIT__AUTH__LOGIN__IP=off \
    taskset -c 0 "$BIN" serve --listen "127.0.0.1:$SB_PORT" --data-dir "$D" --database "$DB" > "$D/sb.log" 2>&1 &
  SB_PID=$!
  PIDS+=($SB_PID)
  wait_http "$BASE/health"
  local A=(-fsS -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json')
  curl "${A[@]}" -X PUT -d '{"value":["discard"]}' "$BASE/v1/config/email.providers"
  curl "${A[@]}" -X PUT -d '{"value":["discard"]}' "$BASE/v1/config/push.providers"
  curl "${A[@]}" -X PUT -d '{"subject":"Payment of {{amount}}","body":"You paid {{amount}} (#{{n}})."}' \
    "$BASE/v1/notifications/templates/bench/email"
  curl "${A[@]}" -X PUT -d '{"subject":"Payment","body":"You paid {{amount}}"}' "$BASE/v1/notifications/templates/bench/push"
  for i in $(seq "$USERS"); do
    tok=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"u$i@example.com\",\"password\":\"$PASS\"}" \
      "$BASE/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    curl -fsS -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
      -d "{\"kind\":\"fcm\",\"token\":\"bench-token-$i\"}" "$BASE/v1/me/devices"
  done
}
stop_round() { kill "$SB_PID" 2>/dev/null || true; wait "$SB_PID" 2>/dev/null || true; }
# Until no delivery is queued or sending; prints the seconds since $1 (epoch ns).
drained_after() {
  for _ in $(seq 1 1200); do
    left=$(sqlite3 "$D/switchboard.db" "SELECT count(*) FROM notify_deliveries WHERE status IN ('queued','sending','retrying')")
    [ "$left" = 0 ] && break
    sleep 0.05
  done
  sqlite3 "$D/switchboard.db" "SELECT (max(updated_ms) - $(($1 / 1000000))) / 1000.0 FROM notify_deliveries"
}

: > "$WORK/rate.txt"; : > "$WORK/p50.txt"; : > "$WORK/p99.txt"; : > "$WORK/jobs.txt"
for r in $(seq "$ROUNDS"); do
  start_round "$r"
  T0=$(date +%s%N)
  OUT=$(SB_KEY=$KEY SB_USERS=$U taskset -c 1 wrk -t1 -c64 -d"${DUR}s" -s "$ROOT/bench/notify.lua" "$BASE" 2>&1)
  if echo "$OUT" | grep -q "Non-2xx"; then echo "$OUT" >&2; echo "notify bench: non-2xx answers" >&2; exit 1; fi
  S=$(drained_after "$T0")
  N=$(sqlite3 "$D/switchboard.db" "SELECT count(*) FROM notifications")
  BAD=$(sqlite3 "$D/switchboard.db" "SELECT count(*) FROM notify_deliveries WHERE status <> 'sent'")
  [ "$BAD" = 0 ] || { echo "notify bench: $BAD deliveries not sent" >&2; exit 1; }
  awk -v n="$N" -v s="$S" 'BEGIN{printf "%.0f\n", n/s}' >> "$WORK/rate.txt"
  stop_round
  sync

  # send -> provider call, at 1,000 notifications/s (2,000 deliveries/s)
  start_round "p$r"
  taskset -c 1 python3 "$ROOT/bench/notify_pace.py" "$BASE" "$KEY" "$U" 1000 "$DUR" > /dev/null
  drained_after "$(date +%s%N)" > /dev/null
  # "sending" is when the provider call began; created_ms when the send was accepted.
  sqlite3 "$D/switchboard.db" "SELECT (SELECT json_extract(j.value, '\$.at_ms') FROM json_each(d.timeline) j WHERE
      json_extract(j.value, '\$.status') = 'sending') - n.created_ms AS ms FROM notify_deliveries d JOIN notifications n
      ON n.id = d.notification_id ORDER BY ms" > "$WORK/lat.txt"
  awk '{a[NR]=$1} END {print a[int(NR*0.5)+1]}' "$WORK/lat.txt" >> "$WORK/p50.txt"
  awk '{a[NR]=$1} END {i=int(NR*0.99)+1; if (i>NR) i=NR; print a[i]}' "$WORK/lat.txt" >> "$WORK/p99.txt"
  stop_round
  sync

  taskset -c 0 "$JB" "sqlite:$WORK/j$r.db" process 50000 32 | sed -nE 's/.*= ([0-9]+) jobs\/s.*/\1/p' >> "$WORK/jobs.txt"
done
NR_=$(median < "$WORK/rate.txt"); JR=$(median < "$WORK/jobs.txt")
printf "notify e2e HTTP SQLite  64 conns, email+push     %9.0f notifications/s  (target >= 10000; rounds: %s)\n" "$NR_" "$(tr '\n' ' ' < "$WORK/rate.txt")"
printf "notify send->provider   at 1000/s                p50 %s ms  p99 %s ms  (target p99 <= 20 ms; p99s: %s)\n" \
  "$(median < "$WORK/p50.txt")" "$(median < "$WORK/p99.txt")" "$(tr '\n' ' ' < "$WORK/p99.txt")"
printf "notify vs jobs (core 0) jobs process %9.0f jobs/s = %.2f job-equivalents per notification  (target <= 3)\n" \
  "$JR" "$(awk -v j="$JR" -v n="$NR_" 'BEGIN{print j/n}')"
