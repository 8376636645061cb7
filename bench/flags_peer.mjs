// The Unleash Node SDK (unleash-client, from tests/e2e/unleash/node_modules)
// evaluating bench/flags_set.json in-process: bench/flags.sh's peer for
// bench/flags_bench.cpp. No network: the flags come from `bootstrap`, the
// server URL is an unreachable loopback port, refresh and metrics are off.
//   node bench/flags_peer.mjs bench/flags_set.json [seconds]
// Prints a checksum over the shared contexts (must equal flags_bench's) and
// calls/s for isEnabled and getVariant.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { once } from 'node:events';

const require = createRequire(new URL('../tests/e2e/unleash/package.json', import.meta.url));
const { Unleash, InMemStorageProvider } = require('unleash-client');

const [file, secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg || 3);
const doc = JSON.parse(readFileSync(file, 'utf8'));

const unleash = new Unleash({
  url: 'http://127.0.0.1:9/api/',
  appName: 'switchboard-bench',
  refreshInterval: 0,
  disableMetrics: true,
  storageProvider: new InMemStorageProvider(),
  bootstrap: { data: doc.features, segments: doc.segments },
  bootstrapOverride: true,
});
unleash.on('error', () => {});  // the unreachable URL's fetch failure
unleash.on('warn', () => {});
await once(unleash, 'ready');

// The same contexts as flags_bench.cpp's make_contexts().
const N = 4096;
const contexts = [];
for (let i = 0; i < N; i++) {
  contexts.push({
    userId: `user-${i}`,
    environment: i % 4 === 3 ? 'development' : 'production',
    properties: { appVersion: i % 5 === 0 ? '2.0.9' : `2.1.${i % 7}` },
  });
}

let enabled = 0;
const variants = {};
for (const c of contexts) {
  enabled += unleash.isEnabled('rollout-two-constraints', c) ? 1 : 0;
  const v = unleash.getVariant('checkout-variant', c);
  variants[v.name] = (variants[v.name] || 0) + 1;
}
const names = Object.keys(variants).sort().map((n) => `${n}:${variants[n]}`).join(',');
console.log(`checksum enabled=${enabled}/${N} variants=${names}`);

function rate(label, call) {
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  let sink = 0;
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 10000; i++) sink += call(contexts[(calls + i) & (N - 1)]) ? 1 : 0;
    calls += 10000;
  }
  const perS = calls / ((performance.now() - start) / 1000);
  console.log(`node ${label} calls_per_s=${Math.round(perS)} (sink ${sink})`);
}
// Warm-up, so the JIT has compiled the paths before they are timed.
rate('warmup', (c) => unleash.isEnabled('rollout-two-constraints', c));
rate('isEnabled', (c) => unleash.isEnabled('rollout-two-constraints', c));
rate('getVariant', (c) => unleash.getVariant('checkout-variant', c).enabled);
unleash.destroy();
