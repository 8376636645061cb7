import { useCallback, useEffect, useState } from 'preact/hooks';
import { query, seg } from './api.js';
import { describe, ErrorLine, Json, Pager } from './common.jsx';
import { when } from './format.js';
import { useQueryState } from './router.jsx';

const STATES = ['waiting', 'delayed', 'active', 'completed', 'dead', 'cancelled'];
const LIMIT = 20;

// Job queues (GET /v1/queues): depth by state, pause/resume; and the dead
// jobs of one queue (GET /v1/queues/{q}/jobs?state=dead, paged by `before`)
// with a Retry each.
export function QueuesPage({ api }) {
  const [queues, setQueues] = useState(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useQueryState('queue');

  const load = useCallback(async () => {
    try {
      setQueues((await api.get('/v1/queues')).queues);
      setError('');
    } catch (err) {
      if (err.status !== 401) setError(describe(err, 'jobs:admin'));
    }
  }, [api]);
  useEffect(() => {
    load();
    const t = setInterval(load, 15000);
    return () => clearInterval(t);
  }, [load]);

  async function toggle(q) {
    try {
      await api.post(`/v1/queues/${seg(q.name)}/${q.paused ? 'resume' : 'pause'}`);
      await load();
    } catch (err) {
      if (err.status !== 401) setError(describe(err, 'jobs:admin'));
    }
  }

  return (
    <main class="page queues">
      <div class="toolbar">
        <h1>Queues</h1>
        <button type="button" onClick={load}>Refresh</button>
      </div>
      <ErrorLine error={error} />
      <div class="scroll">
        <table id="queues">
          <thead><tr><th scope="col">Queue</th>{STATES.map((s) => <th scope="col">{s}</th>)}<th scope="col">State</th><th scope="col"></th></tr></thead>
          <tbody>
            {(queues || []).map((q) => (
              <tr data-queue={q.name}>
                <th scope="row">{q.name}</th>
                {STATES.map((s) => <td data-state={s} class={s === 'dead' && q.counts.dead ? 'error' : ''}>{q.counts[s]}</td>)}
                <td class="paused">{q.paused ? 'paused' : 'running'}</td>
                <td class="actions">
                  <button type="button" class="pause" onClick={() => toggle(q)}>{q.paused ? 'Resume' : 'Pause'}</button>
                  <button type="button" class="show-dead" aria-pressed={open === q.name} onClick={() => setOpen(open === q.name ? '' : q.name)}>Dead jobs</button>
                </td>
              </tr>
            ))}
            {queues && queues.length === 0 && <tr><td colSpan={STATES.length + 3} class="muted">No queues yet.</td></tr>}
          </tbody>
        </table>
      </div>
      {open && <DeadJobs api={api} queue={open} onChange={load} />}
    </main>
  );
}

function DeadJobs({ api, queue, onChange }) {
  const [jobs, setJobs] = useState(null);
  const [cursors, setCursors] = useState(['']);  // `before` of each page seen; the last is this one's
  const [error, setError] = useState('');
  const [rowError, setRowError] = useState({});
  const before = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    try {
      const r = await api.get(`/v1/queues/${seg(queue)}/jobs${query({ state: 'dead', limit: LIMIT, before })}`);
      setJobs(r);
      setError('');
    } catch (err) {
      if (err.status !== 401) setError(describe(err, 'jobs:admin'));
    }
  }, [api, queue, before]);
  useEffect(() => { load(); }, [load]);
  useEffect(() => setCursors(['']), [queue]);

  async function retry(id) {
    try {
      await api.post(`/v1/queues/${seg(queue)}/jobs/${seg(id)}/retry`);
      await Promise.all([load(), onChange()]);
    } catch (err) {
      if (err.status !== 401) setRowError({ ...rowError, [id]: describe(err, 'jobs:admin') });
    }
  }

  return (
    <section aria-labelledby="dead-h" id="dead-jobs" data-queue={queue}>
      <h2 id="dead-h">Dead jobs in {queue}</h2>
      <ErrorLine error={error} />
      <Pager label="Dead job pages" hasPrev={cursors.length > 1} hasNext={!!jobs?.next}
        onPrev={() => setCursors(cursors.slice(0, -1))} onNext={() => setCursors([...cursors, jobs.next])} />
      <div class="scroll">
        <table>
          <thead><tr><th scope="col">Job</th><th scope="col">Attempts</th><th scope="col">Finished</th><th scope="col">Last error</th><th scope="col">Payload</th><th scope="col"></th></tr></thead>
          <tbody>
            {(jobs?.jobs || []).map((j) => (
              <tr data-job={j.id}>
                <td><code>{j.id}</code></td>
                <td>{j.attempts}/{j.max_attempts}</td>
                <td>{when(j.finished_at)}</td>
                <td class="reason">{j.errors.length ? j.errors[j.errors.length - 1].message : ''}</td>
                <td class="data"><Json value={j.payload} short /></td>
                <td>
                  <button type="button" class="retry" onClick={() => retry(j.id)}>Retry</button>
                  {rowError[j.id] && <span class="error">{rowError[j.id]}</span>}
                </td>
              </tr>
            ))}
            {jobs && jobs.jobs.length === 0 && <tr><td colSpan={6} class="muted" id="dead-empty">No dead jobs.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
