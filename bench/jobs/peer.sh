# The job-queue peer for bench/run.sh: BullMQ on a local Redis. Source it, do
# not run it. Needs `scripts/install-deps.sh --bench` (redis-server, Node.js,
# bench/jobs/node_modules).
#
#   source "$ROOT/bench/jobs/peer.sh"
#   redis_start "$WORK"               # redis-server on core 0, a free loopback port,
#                                     # no persistence; sets REDIS_PORT, REDIS_PID
#   bullmq_bench --seconds "$DUR" --concurrency 16,32,64   # load on core 1; prints `bullmq …` lines
#   redis_stop
#
# Arguments after bullmq_bench go to bench/jobs/bullmq_bench.mjs (see its
# header); --redis is filled in. If the caller keeps a PIDS array for its
# cleanup trap (bench/run.sh does), the Redis pid is added to it.

PEER_JOBS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! declare -F free_port >/dev/null; then
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
fi

redis_start() {  # $1 = a scratch directory (Redis gets $1/redis)
  local dir="$1/redis"
  mkdir -p "$dir"
  REDIS_PORT=$(free_port)
  taskset -c 0 redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
    --save '' --appendonly no --daemonize no --logfile "$dir/redis.log" \
    --maxmemory-policy noeviction >/dev/null 2>&1 &
  REDIS_PID=$!
  if declare -p PIDS >/dev/null 2>&1; then PIDS+=("$REDIS_PID"); fi
  local _
  for _ in $(seq 1 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then return 0; fi
    if ! kill -0 "$REDIS_PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  echo "redis-server did not start on port $REDIS_PORT:" >&2
  tail -5 "$dir/redis.log" >&2 2>/dev/null || true
  return 1
}

bullmq_bench() {  # extra arguments go to bullmq_bench.mjs
  if [ ! -d "$PEER_JOBS_DIR/node_modules/bullmq" ]; then
    echo "bench/jobs/node_modules is missing: run scripts/install-deps.sh --bench" >&2
    return 1
  fi
  taskset -c 1 node "$PEER_JOBS_DIR/bullmq_bench.mjs" --redis "redis://127.0.0.1:$REDIS_PORT" "$@"
}

redis_stop() {
  [ -n "${REDIS_PID:-}" ] || return 0
  kill "$REDIS_PID" 2>/dev/null || true
  wait "$REDIS_PID" 2>/dev/null || true
  REDIS_PID=
}
