// Remote HTTP workers against a running Switchboard's job queue (/v1/queues/*).
// Node built-ins only (node:http with a keep-alive agent).
//
//   node http_worker_bench.mjs BASE_URL API_KEY QUEUE N W B [MAX_SECONDS]
//     BASE_URL     e.g. http://127.0.0.1:8080
//     API_KEY      sent as Authorization: Bearer API_KEY
//     QUEUE        queue name (use a fresh one per run)
//     N            no-op jobs to enqueue, then to claim and acknowledge
//     W            concurrent worker loops (one keep-alive connection each)
//     B            claim batch size ("max")
//     MAX_SECONDS  bound on the whole run (default 120): past it, exit 1
//
// 1. Enqueues N jobs, sequentially, as JSON arrays of 1000:
//      POST /v1/queues/{q}/jobs  [{"payload":{"i":0}}, …]
// 2. W loops, each until N jobs are acknowledged in all:
//      POST /v1/queues/{q}/claim {"max":B,"wait_ms":1000,"lease_ms":30000}
//        -> {"jobs":[{"id","payload","attempt","lease"}, …]}
//      POST /v1/queues/{q}/ack   {"acks":[{"id","lease"}, …]}
//        -> {"results":[{"id","status"}, …]}  (every status must be 2xx)
// Prints (grep ^switchboard):
//   switchboard http_enqueue batch=1000 jobs=N jobs_per_s=…
//   switchboard http_workers w=W batch=B jobs=N jobs_per_s=…   (first claim to last ack)
// Any non-2xx answer, a redelivered job or a timeout ends the run with exit 1.
import http from 'node:http';
import https from 'node:https';

function usage(msg) {
  if (msg) console.error(`http_worker_bench: ${msg}`);
  console.error('usage: node http_worker_bench.mjs BASE_URL API_KEY QUEUE N W B [MAX_SECONDS]');
  process.exit(2);
}

const [baseUrl, apiKey, queue, nArg, wArg, bArg, maxArg = '120'] = process.argv.slice(2);
if (!baseUrl || !apiKey || !queue || !nArg || !wArg || !bArg) usage();
const N = Number(nArg);
const W = Number(wArg);
const B = Number(bArg);
const MAX_S = Number(maxArg);
for (const [k, v] of Object.entries({ N, W, B, MAX_SECONDS: MAX_S })) {
  if (!Number.isInteger(v) || v <= 0) usage(`${k} must be a positive integer`);
}

const base = new URL(baseUrl);
const mod = base.protocol === 'https:' ? https : http;
const agent = new mod.Agent({ keepAlive: true, maxSockets: W + 1 });
const prefix = base.pathname.replace(/\/$/, '') + `/v1/queues/${encodeURIComponent(queue)}`;
const auth = `Bearer ${apiKey}`;

class HttpError extends Error {}

function post(path, body) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        agent,
        method: 'POST',
        hostname: base.hostname,
        port: base.port || (base.protocol === 'https:' ? 443 : 80),
        path: prefix + path,
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          'content-length': data.length,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode < 200 || res.statusCode > 299) {
            return reject(new HttpError(`POST ${prefix + path}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
          }
          if (text.length === 0) return resolve(null);
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new HttpError(`POST ${prefix + path}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(0) : 'nan');

async function main() {
  // 1. enqueue ---------------------------------------------------------------
  const batches = [];
  for (let i = 0; i < N; i += 1000) {
    batches.push(Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ payload: { i: i + k } })));
  }
  let t0 = performance.now();
  for (const b of batches) await post('/jobs', b);
  const enqS = (performance.now() - t0) / 1000;
  console.log(`switchboard http_enqueue batch=1000 jobs=${N} jobs_per_s=${fmt(N / enqS)}`);

  // 2. claim + ack loops -----------------------------------------------------
  const seen = new Set();
  let acked = 0;
  let tEnd = 0;
  let stop = false;
  let allAcked;
  const acknowledged = new Promise((r) => (allAcked = r));
  const claimBody = { max: B, wait_ms: 1000, lease_ms: 30000 };
  const loop = async () => {
    while (!stop && acked < N) {
      const r = await post('/claim', claimBody);
      const jobs = (r && r.jobs) || [];
      if (jobs.length === 0) continue; // long poll ran out; the deadline bounds this
      for (const j of jobs) {
        if (seen.has(j.id)) throw new HttpError(`job ${j.id} delivered twice (attempt ${j.attempt})`);
        seen.add(j.id);
      }
      const res = await post('/ack', { acks: jobs.map((j) => ({ id: j.id, lease: j.lease })) });
      const results = (res && res.results) || [];
      if (results.length !== jobs.length) {
        throw new HttpError(`ack: ${results.length} results for ${jobs.length} acks`);
      }
      for (const x of results) {
        if (!(x.status >= 200 && x.status <= 299)) throw new HttpError(`ack of job ${x.id}: status ${x.status}`);
      }
      acked += jobs.length;
      if (acked >= N && !tEnd) {
        tEnd = performance.now();
        allAcked();
      }
    }
  };
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(`not done after ${MAX_S} s: ${acked} of ${N} acknowledged`)), MAX_S * 1000);
  });
  t0 = performance.now();
  const loops = Array.from({ length: W }, loop);
  try {
    // Done at the last ack: loops still in a long poll are not waited for.
    await Promise.race([acknowledged, Promise.all(loops), deadline]);
  } finally {
    stop = true;
    clearTimeout(timer);
  }
  if (acked > N) throw new HttpError(`${acked} jobs acknowledged, ${N} enqueued (was the queue fresh?)`);
  const s = (tEnd - t0) / 1000;
  console.log(`switchboard http_workers w=${W} batch=${B} jobs=${N} jobs_per_s=${fmt(N / s)}`);
}

try {
  await main();
  agent.destroy();
  process.exit(0);
} catch (e) {
  console.error(`http_worker_bench: ${e && e.message ? e.message : e}`);
  process.exit(1);
}
