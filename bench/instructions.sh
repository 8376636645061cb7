#!/usr/bin/env bash
# Instructions per request, independent of the host's speed: runs
# `switchboard serve` under callgrind, sends N keep-alive requests from one
# connection (bench/instructions_load.py), and subtracts a run with none.
#   bench/instructions.sh BINARY [N]      -> per /health, per durable publish
set -euo pipefail
BIN=$1; N=${2:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
total() {  # $1 requests, $2 health|publish
  local d port key=sbk_instructions_0123456789
  d=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  SWITCHBOARD_ADMIN_KEY=$key SWITCHBOARD_SERVER__THREADS=1 SWITCHBOARD_LOG__LEVEL=warn \
    SWITCHBOARD_STORE__SQLITE_SYNCHRONOUS=NORMAL \
    valgrind --tool=callgrind --callgrind-out-file="$d/cg.out" "$BIN" serve --listen "127.0.0.1:$port" \
    --data-dir "$d" --database "sqlite:$d/sb.db" >/dev/null 2>&1 &
  local vp=$!
  python3 "$HERE/instructions_load.py" "$port" "$1" "$key" "$2"
  kill -TERM "$vp"; wait "$vp" 2>/dev/null || true
  callgrind_annotate "$d/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
  rm -rf "$d"
}
base=$(total 0 health)
h=$(total "$N" health)
p=$(total "$N" publish)
echo "$BIN: /health $(( (h - base) / N )) instructions/request; durable publish $(( (p - base) / N )) instructions/event"
