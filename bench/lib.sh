# Shared by bench/run.sh and bench/jobs.sh; source it after setting WORK (a
# scratch directory the caller's cleanup trap removes) and PIDS.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() { for _ in $(seq 1 200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "not up: $1" >&2; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# PostgreSQL 15 in $WORK/pg on core 0, durable commits; sets PG_URL.
pg_start() {
  PG_PORT=$(free_port)
  mkdir -p "$WORK/pg" && chown postgres "$WORK/pg"
  runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$WORK/pg" -A trust -U sb >/dev/null
  runuser -u postgres -- taskset -c 0 /usr/lib/postgresql/15/bin/pg_ctl -D "$WORK/pg" -w -l "$WORK/pg/log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$WORK/pg -c synchronous_commit=on" start >/dev/null
  PG_URL="postgresql://sb@127.0.0.1:$PG_PORT/postgres"
}
# For the cleanup trap.
pg_stop() {
  if [ -f "$WORK/pg/postmaster.pid" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
}
