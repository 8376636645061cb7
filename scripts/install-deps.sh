#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, running and
# benchmarking Switchboard needs. Idempotent: installs only what is missing.
#   scripts/install-deps.sh          build + run + test packages
#   scripts/install-deps.sh --bench  also the benchmark peers (nginx, wrk)
set -euo pipefail

build_pkgs=(
  build-essential cmake ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libssl-dev libsodium-dev libcurl4-openssl-dev
  libtomlplusplus-dev libspdlog-dev libcli11-dev libgtest-dev libgmock-dev
  libbenchmark-dev
  libhowardhinnant-date-dev tzdata  # cron schedules' time zones (date/tz.h on the OS tzdb)
)
test_pkgs=(
  postgresql-15 python3 python3-aiosmtpd prometheus curl oathtool
  json-schema-test-suite  # the official JSON Schema cases our app.* validator is checked against
)
bench_pkgs=( nginx-light wrk )

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The prometheus package would start a server as a service; we only need promtool.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx/prometheus services on install; tests and benches start their own.
for svc in prometheus nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done
