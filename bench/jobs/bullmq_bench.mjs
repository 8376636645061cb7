// The job-queue peer: BullMQ on a Redis that the caller started (bench/jobs/peer.sh).
// Starts nothing itself; every scenario uses a fresh queue name, is bounded in
// jobs and seconds, and removes its queue afterwards (obliterate).
//
//   node bullmq_bench.mjs --redis redis://127.0.0.1:PORT [options]
//     --scenarios add_bulk,process,latency   which to run (default: all three)
//     --bulk-jobs N            a. jobs added with addBulk, chunks of 1000 (default 100000)
//     --process-jobs N         b. jobs added and processed per concurrency (default 50000)
//     --concurrency 16,32,64   b. worker concurrency, one run each (default 32)
//     --remove-on-complete X   b/c. job option: a count to keep, true or false (default 1000)
//     --rate R --seconds D     c. single adds at R jobs/s for D s (default 2000, 8)
//     --warmup-seconds S       c. first S s at the same rate, not counted (default 1)
//     --latency-concurrency C  c. the idle worker's concurrency (default 16; at 1 a
//                              worker sharing core 1 with the producer fell behind 2,000/s)
//     --max-seconds S          cap on each scenario (default 120): past it, exit 1
//
// Output, one line per figure (grep ^bullmq):
//   bullmq add_bulk chunk=1000 jobs=N jobs_per_s=…
//   bullmq process c=32 jobs=N remove_on_complete=count:1000 jobs_per_s=…
//   bullmq process best c=… jobs_per_s=…          (when several concurrencies ran)
//   bullmq latency rate=2000 c=16 n=… warmup_s=1 sent_per_s=… remove_on_complete=… p50_ms=… p99_ms=… max_ms=…
//
// No-op jobs: name "noop", small data, a processor that returns at once.
// Process throughput (b) runs from the first addBulk to the last 'completed'
// event, with the producer adding in chunks of 1000 while the worker runs.
// Latency (c) is the processor's start minus the time put into the job's data
// just before queue.add(), both from the monotonic clock (process.hrtime),
// with the worker in its own thread so the producer's loop doesn't delay it.
// The first --warmup-seconds of adds are not counted: without them the first
// second's JIT compilation and script loading build a backlog whose draining
// sets p99 (seen: p50 of hundreds of ms at concurrency 1).
import { parseArgs } from 'node:util';
import { Worker as Thread, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Queue, Worker } from 'bullmq';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function connectionFrom(url) {
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw new Error(`--redis: only redis:// URLs, got ${url}`);
  const c = { host: u.hostname || '127.0.0.1', port: Number(u.port || 6379), maxRetriesPerRequest: null };
  if (u.password) c.password = decodeURIComponent(u.password);
  if (u.username) c.username = decodeURIComponent(u.username);
  if (u.pathname && u.pathname.length > 1) c.db = Number(u.pathname.slice(1));
  return c;
}

function keepJobs(arg) {
  if (arg === 'true') return { opt: true, label: 'true' };
  if (arg === 'false') return { opt: false, label: 'false' };
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--remove-on-complete: a count, true or false, got ${arg}`);
  return { opt: { count: n }, label: `count:${n}` };
}

function withDeadline(promise, seconds, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not finished after ${seconds} s (--max-seconds)`)), seconds * 1000);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'nan');

// ---- the latency scenario's worker, in its own thread ----------------------
if (!isMainThread) {
  const { connection, queueName, concurrency, warmup, expect } = workerData;
  const lat = new Float64Array(expect - warmup);
  let n = 0;
  let counted = 0;
  const worker = new Worker(
    queueName,
    async (job) => {
      const d = nowUs() - job.data.t;
      if (job.data.i >= warmup && counted < lat.length) lat[counted++] = d;
      if (++n === expect) parentPort.postMessage({ all: true });
    },
    { connection, concurrency },
  );
  worker.on('error', (e) => parentPort.postMessage({ error: String(e && e.stack ? e.stack : e) }));
  parentPort.on('message', async (m) => {
    if (m === 'finish') {
      await worker.close();
      parentPort.postMessage({ latencies: lat.subarray(0, counted), count: n });
    }
  });
  await worker.waitUntilReady();
  parentPort.postMessage({ ready: true });
} else {
  try {
    await main();
    process.exit(0);
  } catch (e) {
    console.error(`bullmq_bench: ${e && e.message ? e.message : e}`);
    process.exit(1);
  }
}

async function main() {
  const { values: a } = parseArgs({
    options: {
      redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
      scenarios: { type: 'string', default: 'add_bulk,process,latency' },
      'bulk-jobs': { type: 'string', default: '100000' },
      'process-jobs': { type: 'string', default: '50000' },
      concurrency: { type: 'string', default: '32' },
      'remove-on-complete': { type: 'string', default: '1000' },
      rate: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '8' },
      'latency-concurrency': { type: 'string', default: '16' },
      'warmup-seconds': { type: 'string', default: '1' },
      'max-seconds': { type: 'string', default: '120' },
    },
  });
  const connection = connectionFrom(a.redis);
  const scenarios = a.scenarios.split(',');
  const maxS = Number(a['max-seconds']);
  const keep = keepJobs(a['remove-on-complete']);
  const run = `${process.pid}-${Date.now().toString(36)}`;
  let seq = 0;
  const freshQueue = (tag) =>
    new Queue(`bench-${tag}-${run}-${seq++}`, {
      connection,
      defaultJobOptions: { removeOnComplete: keep.opt, removeOnFail: { count: 1000 } },
    });
  const drop = async (q) => {
    await q.obliterate({ force: true });
    await q.close();
  };
  const chunks = function* (n, size = 1000) {
    for (let i = 0; i < n; i += size) {
      const len = Math.min(size, n - i);
      yield Array.from({ length: len }, (_, k) => ({ name: 'noop', data: { i: i + k } }));
    }
  };

  // a. bulk add ------------------------------------------------------------
  if (scenarios.includes('add_bulk')) {
    const n = Number(a['bulk-jobs']);
    const q = freshQueue('add');
    await q.waitUntilReady();
    const batches = [...chunks(n)];
    const t0 = performance.now();
    await withDeadline(
      (async () => {
        for (const b of batches) await q.addBulk(b);
      })(),
      maxS,
      'add_bulk',
    );
    const s = (performance.now() - t0) / 1000;
    console.log(`bullmq add_bulk chunk=1000 jobs=${n} jobs_per_s=${fmt(n / s)}`);
    await drop(q);
  }

  // b. enqueue + process ---------------------------------------------------
  if (scenarios.includes('process')) {
    const n = Number(a['process-jobs']);
    const results = [];
    for (const c of a.concurrency.split(',').map(Number)) {
      const q = freshQueue(`proc-c${c}`);
      await q.waitUntilReady();
      let done = 0;
      let failed = 0;
      let finish;
      const allDone = new Promise((r) => (finish = r));
      const worker = new Worker(q.name, async () => {}, { connection, concurrency: c });
      worker.on('completed', () => {
        if (++done === n) finish(performance.now());
      });
      worker.on('failed', () => failed++);
      worker.on('error', (e) => console.error(`bullmq worker error: ${e}`));
      await worker.waitUntilReady();
      const batches = [...chunks(n)];
      const t0 = performance.now();
      const t1 = await withDeadline(
        (async () => {
          for (const b of batches) await q.addBulk(b);
          return allDone;
        })(),
        maxS,
        `process c=${c}`,
      );
      const jps = n / ((t1 - t0) / 1000);
      if (failed) throw new Error(`process c=${c}: ${failed} jobs failed`);
      console.log(`bullmq process c=${c} jobs=${n} remove_on_complete=${keep.label} jobs_per_s=${fmt(jps)}`);
      results.push({ c, jps });
      await worker.close();
      await drop(q);
    }
    if (results.length > 1) {
      const best = results.reduce((x, y) => (y.jps > x.jps ? y : x));
      console.log(`bullmq process best c=${best.c} jobs_per_s=${fmt(best.jps)}`);
    }
  }

  // c. enqueue -> start latency at a fixed rate -----------------------------
  if (scenarios.includes('latency')) {
    const rate = Number(a.rate);
    const secs = Number(a.seconds);
    const c = Number(a['latency-concurrency']);
    const warmup = Math.round(rate * Number(a['warmup-seconds']));
    const total = warmup + Math.round(rate * secs);
    const q = freshQueue('lat');
    await q.waitUntilReady();
    const thread = new Thread(new URL(import.meta.url), {
      workerData: { connection, queueName: q.name, concurrency: c, warmup, expect: total },
    });
    // One waiter at a time for the thread's next message of a given kind.
    const waiters = {};
    let threadErr = null;
    const fail = (e) => {
      threadErr = e;
      for (const w of Object.values(waiters)) if (w.reject) w.reject(e);
    };
    thread.on('error', fail);
    thread.on('message', (m) => {
      if (m.error) return fail(new Error(`latency worker: ${m.error}`));
      const kind = m.ready ? 'ready' : m.all ? 'all' : 'latencies';
      if (waiters[kind]) waiters[kind].resolve(m);
      else waiters[kind] = { early: m };
    });
    const next = (kind) =>
      new Promise((resolve, reject) => {
        if (threadErr) return reject(threadErr);
        if (waiters[kind] && waiters[kind].early) return resolve(waiters[kind].early);
        waiters[kind] = { resolve, reject };
      });
    await withDeadline(next('ready'), 30, 'latency worker start');
    await sleep(200); // the worker is idle, blocked on its marker
    const allStarted = next('all');
    allStarted.catch(() => {});

    let sent = 0;
    let addErr = null;
    const inflight = new Set();
    const t0 = performance.now();
    await withDeadline(
      new Promise((resolve, reject) => {
        const tick = () => {
          if (addErr) return reject(addErr);
          const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
          while (sent < due) {
            const p = q.add('noop', { t: nowUs(), i: sent });
            inflight.add(p);
            p.then(() => inflight.delete(p), (e) => (addErr = e));
            sent++;
          }
          if (sent >= total) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      }),
      Number(a['warmup-seconds']) + secs + maxS,
      'latency producer',
    );
    await Promise.all(inflight);
    if (addErr) throw addErr;
    const sendS = (performance.now() - t0) / 1000;
    await withDeadline(allStarted, maxS, 'latency: every job started');
    thread.postMessage('finish');
    const m = await withDeadline(next('latencies'), 30, 'latency worker stop');
    const lat = Float64Array.from(m.latencies).sort();
    if (m.count < total || lat.length === 0) throw new Error(`latency: ${m.count} of ${total} jobs started, ${lat.length} measured`);
    console.log(
      `bullmq latency rate=${rate} c=${c} n=${lat.length} warmup_s=${a['warmup-seconds']} sent_per_s=${fmt(total / sendS)} ` +
        `remove_on_complete=${keep.label} p50_ms=${fmt(percentile(lat, 50) / 1000, 2)} ` +
        `p99_ms=${fmt(percentile(lat, 99) / 1000, 2)} max_ms=${fmt(lat[lat.length - 1] / 1000, 2)}`,
    );
    await thread.terminate();
    await drop(q);
  }
}
