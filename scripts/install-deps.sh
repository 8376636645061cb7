#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, running and
# benchmarking Switchboard needs. Idempotent: installs only what is missing.
#   scripts/install-deps.sh          build + run + test packages
#   scripts/install-deps.sh --bench  also the benchmark peers (nginx, wrk, Redis,
#                                    Node.js + npm) and bench/jobs/node_modules
#                                    (BullMQ, from bench/jobs/package-lock.json)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(
  build-essential cmake ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libssl-dev libsodium-dev libcurl4-openssl-dev
  libtomlplusplus-dev libspdlog-dev libcli11-dev libgtest-dev libgmock-dev
  libbenchmark-dev
  libhowardhinnant-date-dev tzdata  # cron schedules' time zones (date/tz.h on the OS tzdb)
  libkainjow-mustache-dev  # notification templates
)
test_pkgs=(
  postgresql-15 python3 python3-aiosmtpd prometheus curl oathtool
  json-schema-test-suite  # the official JSON Schema cases our app.* validator is checked against
)
bench_pkgs=( nginx-light wrk redis-server sqlite3 )  # sqlite3: bench/notify.sh reads delivery timelines

bench=false
if [[ "${1:-}" == "--bench" ]]; then bench=true; fi
want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if $bench; then
  want+=("${bench_pkgs[@]}")
  # Node.js and npm from Debian only where the machine has none (a Node.js
  # from elsewhere ships its own npm, which Debian's npm package conflicts with).
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The prometheus package would start a server as a service; we only need promtool.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts nginx/prometheus/redis services on install; tests and benches start their own.
  for svc in prometheus nginx redis-server; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
      $SUDO systemctl stop "$svc" || true
    fi
  done
fi

# The job-queue peer's npm packages (bench/jobs/peer.sh), exactly as locked;
# skipped while node_modules was installed from the same lockfile.
if $bench; then
  jobs="$ROOT/bench/jobs"
  stamp="$jobs/node_modules/.installed-from-lock"
  lock=$(sha256sum "$jobs/package-lock.json" | cut -d' ' -f1)
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock" ]]; then
    echo "install-deps: npm ci in bench/jobs"
    (cd "$jobs" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock" > "$stamp"
  fi
fi
