// The official Unleash Node SDK (unleash-client) against the built binary:
// the SDK fetches /api/client/features with a client token and evaluates
// locally; for SB_CONTEXTS random contexts every flag's isEnabled and
// getVariant must equal what POST /v1/flags/evaluate answers. Then the SDK's
// metrics and registration must arrive, and a flag change must reach the
// SDK on its next poll. Exit 0 = all held; the output says what did not.
// Run by tests/e2e/flags_sdk_test.cpp (which starts the server and defines
// the flags from parity_flags.json).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startUnleash } = require('unleash-client');

const { SB_URL, SB_ADMIN_KEY, SB_CLIENT_TOKEN } = process.env;
const CONTEXTS = Number(process.env.SB_CONTEXTS || 10000);
const FLAGS = JSON.parse(process.env.SB_FLAGS);  // names
const deadline = setTimeout(() => { console.error('parity: over 100 s, giving up'); process.exit(2); }, 100_000);

const admin = { Authorization: `Bearer ${SB_ADMIN_KEY}`, 'Content-Type': 'application/json' };
async function call(method, path, body) {
  const r = await fetch(SB_URL + path, { method, headers: admin, body: body && JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
async function eventually(ok, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Deterministic contexts (mulberry32), so a failure can be replayed.
let seed = 20261203;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
function randomContext() {
  const ctx = { properties: {} };
  if (rand() < 0.95) ctx.userId = `user-${Math.floor(rand() * 5000)}`;
  if (rand() < 0.8) ctx.sessionId = `s-${Math.floor(rand() * 100000)}`;
  ctx.remoteAddress = pick(['10.1.2.3', '192.168.1.7', '192.168.1.8', '172.16.0.1', '2001:db8::1', '2001:db9::1']);
  ctx.currentTime = pick(['2026-05-01T00:00:00.000Z', '2026-07-01T12:00:00.000Z']);
  if (rand() < 0.9) ctx.properties.plan = pick(['free', 'pro', 'team', 'PRO']);
  if (rand() < 0.9) ctx.properties.version = pick(['1.0.0', '1.2.0', '1.2.1', '2.0.0-beta.1', '2.0.0']);
  if (rand() < 0.7) ctx.properties.country = pick(['NO', 'no', 'SE', 'se-1', 'DK', 'norway']);
  if (rand() < 0.7) ctx.properties.seats = String(Math.floor(rand() * 20));
  return ctx;
}

const unleash = await startUnleash({
  url: `${SB_URL}/api/`,
  appName: 'parity',
  instanceId: 'parity-1',
  customHeaders: { Authorization: SB_CLIENT_TOKEN },
  refreshInterval: 300,
  metricsInterval: 1000,
});
unleash.on('error', (e) => console.error('sdk error:', e.message));

// Unleash is random on purpose in two places: a flexibleRollout with
// stickiness "default" when the context has neither userId nor sessionId
// (or stickiness "random"), and a variant whose stickiness field is absent
// from the context (for "default": none of userId/sessionId/remoteAddress).
// A dependency on such a flag inherits it. Those are not compared (enabled
// still is when only the variant is random).
const byName = {};
for (const f of JSON.parse(readFileSync(new URL('./parity_flags.json', import.meta.url))).features) byName[f.name] = f;
function randomness(name, ctx) {
  const f = byName[name];
  if (!f) return { enabled: false, variant: false };
  let enabled = false;
  for (const st of f.strategies ?? []) {
    const sticky = st.parameters?.stickiness ?? 'default';
    if (st.name === 'flexibleRollout' && (sticky === 'random' || (sticky === 'default' && !ctx.userId && !ctx.sessionId)))
      enabled = true;
  }
  for (const d of f.dependencies ?? []) {
    const parent = randomness(d.feature, ctx);
    if (parent.enabled || (d.variants?.length && parent.variant)) enabled = true;
  }
  const v = f.variants?.[0] ?? f.strategies?.find((st) => st.variants?.length)?.variants[0];
  let variant = enabled;
  if (v) {
    const sticky = v.stickiness ?? 'default';
    if (sticky === 'default') variant ||= !ctx.userId && !ctx.sessionId && !ctx.remoteAddress;
    else variant ||= !(ctx[sticky] ?? ctx.properties?.[sticky]);
  }
  return { enabled, variant };
}
let skipped = 0;

const mismatches = [];
const enabledCalls = Object.fromEntries(FLAGS.map((f) => [f, 0]));
let next = 0;
async function worker() {
  while (next < CONTEXTS) {
    next++;
    const ctx = randomContext();
    // What the SDK evaluates against: its static context (appName,
    // environment "default") under the caller's.
    const full = { appName: 'parity', environment: 'default', ...ctx };
    const { results } = await call('POST', '/v1/flags/evaluate', { context: full });
    for (const name of FLAGS) {
      const sdkOn = unleash.isEnabled(name, ctx);
      enabledCalls[name]++;
      const sdkVariant = unleash.getVariant(name, ctx);
      const ours = results[name];
      const want = { enabled: sdkOn, name: sdkVariant.name, venabled: sdkVariant.enabled,
                     featureEnabled: sdkVariant.feature_enabled, payload: sdkVariant.payload ?? null };
      const random = randomness(name, full);
      if (random.enabled) {
        skipped++;
        continue;
      }
      if (ours && random.variant) {
        if (ours.enabled !== sdkOn) mismatches.push({ flag: name, context: full, sdk: sdkOn, switchboard: ours.enabled });
        continue;
      }
      const got = ours && { enabled: ours.enabled, name: ours.variant.name, venabled: ours.variant.enabled,
                            featureEnabled: ours.variant.feature_enabled, payload: ours.variant.payload ?? null };
      if (JSON.stringify(want) !== JSON.stringify(got)) mismatches.push({ flag: name, context: full, sdk: want, switchboard: got });
    }
  }
}
await Promise.all(Array.from({ length: 8 }, worker));
if (mismatches.length) {
  console.error(`parity: ${mismatches.length} mismatches, first ones:`);
  for (const m of mismatches.slice(0, 10)) console.error(JSON.stringify(m));
}

// Metrics: the SDK counted every isEnabled; they must all be stored.
await unleash.flushMetrics();
const probe = FLAGS[0];
const counted = await eventually(async () => {
  const m = await call('GET', `/v1/flags/${probe}/metrics?environment=production`);
  return m.yes + m.no >= enabledCalls[probe];
});
if (!counted) console.error(`parity: metrics for ${probe} did not reach ${enabledCalls[probe]}`);
const clients = await call('GET', '/v1/flags/clients');
const registered = clients.clients.some((c) => c.appName === 'parity' && c.environment === 'production');
if (!registered) console.error('parity: the SDK did not register:', JSON.stringify(clients));

// A change reaches the SDK on its next poll.
const off = 'kill-switch-off';
const before = unleash.isEnabled(off, {});
const t0 = Date.now();
await call('POST', `/v1/flags/${off}/environments/production/on`);
const propagated = await eventually(() => unleash.isEnabled(off, {}), 5000);
if (before || !propagated) console.error(`parity: ${off} was ${before}, after enabling propagated=${propagated}`);
else console.log(`parity: change seen by the SDK after ${Date.now() - t0} ms (refreshInterval 300 ms)`);

unleash.destroy();
clearTimeout(deadline);
const ok = !mismatches.length && counted && registered && !before && propagated;
console.log(`parity: ${CONTEXTS} contexts x ${FLAGS.length} flags (${skipped} random by design, not compared), ` +
            `${mismatches.length} mismatches; ${ok ? 'ok' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
