#!/usr/bin/env bash
# Feature flags evaluated in-process, side by side with Unleash's Node SDK
# (unleash-client, tests/e2e/unleash/node_modules) on the same flags
# (bench/flags_set.json) and contexts, both pinned to core 1: (a) isEnabled
# of a flexibleRollout flag with two constraints, (b) getVariant of a flag
# with three weighted variants. Rounds alternate the two; medians. Each side
# prints a checksum of its decisions over the shared contexts, which must
# agree. Called by bench/run.sh, or alone:
#   bench/flags.sh build        (after `make bench` built build/bench/flags_bench)
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FB="$ROOT/$BUILD/bench/flags_bench"
SET="$ROOT/bench/flags_set.json"
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${FLAGS_SECONDS:-3}
WORK=$(mktemp -d /tmp/sbflags.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
field() { sed -nE "s/.*$1=([0-9.]+).*/\1/p" | head -1; }
SDK_VERSION=$(node -p "require('$ROOT/tests/e2e/unleash/node_modules/unleash-client/package.json').version")

echo "== flags bench  $(date -u +%FT%TZ)  both sides on core 1; ${ROUNDS} rounds, medians; unleash-client $SDK_VERSION on Node $(node --version); cpu pressure: $(head -1 /proc/pressure/cpu)"
: > "$WORK/ne.txt"; : > "$WORK/nv.txt"; : > "$WORK/ce.txt"; : > "$WORK/cv.txt"
for _ in $(seq "$ROUNDS"); do
  taskset -c 1 node "$ROOT/bench/flags_peer.mjs" "$SET" "$SECS" > "$WORK/node.out"
  field 'isEnabled calls_per_s' < "$WORK/node.out" >> "$WORK/ne.txt"
  field 'getVariant calls_per_s' < "$WORK/node.out" >> "$WORK/nv.txt"
  taskset -c 1 "$FB" "$SET" --benchmark_min_time="$SECS" --benchmark_format=json > "$WORK/cpp.out" 2>/dev/null
  python3 - "$WORK/cpp.out" "$WORK/ce.txt" "$WORK/cv.txt" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
doc = json.loads(text[text.index('{'):])
rate = {b["name"]: b["items_per_second"] for b in doc["benchmarks"]}
open(sys.argv[2], "a").write("%d\n" % rate["BM_IsEnabled_FlexibleRolloutTwoConstraints"])
open(sys.argv[3], "a").write("%d\n" % rate["BM_GetVariant_ThreeVariants"])
PY
  NODE_SUM=$(grep '^checksum' "$WORK/node.out"); CPP_SUM=$(grep '^checksum' "$WORK/cpp.out")
  if [ "$NODE_SUM" != "$CPP_SUM" ]; then
    echo "flags: decisions differ from the Node SDK's: node '$NODE_SUM' vs switchboard '$CPP_SUM'" >&2
    exit 1
  fi
done
echo "flags decisions agree with the Node SDK on every context ($CPP_SUM)"
NE=$(median < "$WORK/ne.txt"); NV=$(median < "$WORK/nv.txt"); CE=$(median < "$WORK/ce.txt"); CV=$(median < "$WORK/cv.txt")
printf "flags isEnabled (flexibleRollout, 2 constraints)  Node SDK %10.0f calls/s   switchboard %11.0f calls/s   ratio %5.1f  (target >= 20)\n" "$NE" "$CE" "$(awk -v a="$CE" -v b="$NE" 'BEGIN{print a/b}')"
printf "flags getVariant (3 weighted variants)           Node SDK %10.0f calls/s   switchboard %11.0f calls/s   ratio %5.1f  (target >= 20)\n" "$NV" "$CV" "$(awk -v a="$CV" -v b="$NV" 'BEGIN{print a/b}')"
echo "  rounds: node isEnabled $(tr '\n' ' ' < "$WORK/ne.txt")| switchboard $(tr '\n' ' ' < "$WORK/ce.txt")| node getVariant $(tr '\n' ' ' < "$WORK/nv.txt")| switchboard $(tr '\n' ' ' < "$WORK/cv.txt")"
