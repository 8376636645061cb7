#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, running and
# benchmarking Switchboard needs. Idempotent: installs only what is missing.
#   scripts/install-deps.sh          build + run + test packages, and ui/node_modules
#                                    (the dashboard's bundler and its browser-test
#                                    driver, from ui/package-lock.json)
#   scripts/install-deps.sh --bench  also the benchmark peers (nginx, wrk, Redis)
#                                    and bench/jobs/node_modules
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
  libre2-dev  # feature flags' REGEX constraints (the regex engine the Unleash SDKs use)
)
test_pkgs=(
  postgresql-15 python3 python3-aiosmtpd prometheus curl oathtool
  json-schema-test-suite  # the official JSON Schema cases our app.* validator is checked against
  chromium  # the dashboard's browser test (tests/e2e/ui/, driven by playwright-core)
)
bench_pkgs=( nginx-light wrk redis-server sqlite3 )  # sqlite3: bench/notify.sh reads delivery timelines

bench=false
if [[ "${1:-}" == "--bench" ]]; then bench=true; fi
want=("${build_pkgs[@]}" "${test_pkgs[@]}")
# Node.js and npm (the dashboard's build, ui/) from Debian only where the
# machine has none (a Node.js from elsewhere ships its own npm, which Debian's
# npm package conflicts with).
command -v node >/dev/null || want+=(nodejs)
command -v npm >/dev/null || want+=(npm)
if $bench; then want+=("${bench_pkgs[@]}"); fi

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

# npm packages exactly as locked; skipped while node_modules was installed
# from the same lockfile. --ignore-scripts: nothing runs at install (esbuild
# finds its platform binary through its optional dependency; playwright-core
# downloads no browser, the tests use Debian's /usr/bin/chromium).
npm_ci() {
  local dir="$ROOT/$1"
  local stamp="$dir/node_modules/.installed-from-lock"
  local lock
  lock=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock" ]]; then
    echo "install-deps: npm ci in $1"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    echo "$lock" > "$stamp"
  fi
}
npm_ci ui                    # the dashboard (esbuild, Preact) and its browser test (playwright-core)
npm_ci tests/e2e/unleash     # Unleash's client specification (the flag evaluator's conformance cases) and Node SDK (e2e + bench peer)
if $bench; then npm_ci bench/jobs; fi  # the job-queue peer (bench/jobs/peer.sh)
