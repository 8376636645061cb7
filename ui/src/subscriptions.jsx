import { useCallback, useEffect, useState } from 'preact/hooks';
import { query, seg } from './api.js';
import { describe, ErrorLine } from './common.jsx';
import { fetchHead } from './event_table.jsx';

// Durable subscriptions (GET /v1/subscriptions): where each cursor stands,
// its lag behind the head of the log, its dead letters, and a replay from a
// sequence (POST /v1/subscriptions/{id}/replay?from=).
export function Subscriptions({ api }) {
  const [subs, setSubs] = useState(null);
  const [head, setHead] = useState(0);
  const [error, setError] = useState('');
  const [replayFrom, setReplayFrom] = useState({});
  const [rowError, setRowError] = useState({});

  const load = useCallback(async () => {
    try {
      const [r, h] = await Promise.all([api.get('/v1/subscriptions'), fetchHead(api)]);
      setSubs(r.subscriptions);
      setHead(h);
      setError('');
    } catch (err) {
      if (err.status !== 401) setError(describe(err, 'subscriptions:read'));
    }
  }, [api]);
  useEffect(() => { load(); }, [load]);

  async function replay(e, id) {
    e.preventDefault();
    try {
      await api.post(`/v1/subscriptions/${seg(id)}/replay${query({ from: replayFrom[id] || 1 })}`);
      setRowError({ ...rowError, [id]: '' });
      await load();
    } catch (err) {
      setRowError({ ...rowError, [id]: err.fieldMessage('from') || describe(err, 'subscriptions:write') });
    }
  }

  return (
    <section aria-labelledby="subs-h">
      <h2 id="subs-h">Subscriptions <button type="button" onClick={load}>Refresh</button></h2>
      <ErrorLine error={error} />
      <div class="scroll">
        <table id="subscriptions">
          <thead><tr><th scope="col">Pattern</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Cursor</th><th scope="col">Lag</th><th scope="col">Delivered</th><th scope="col">Dead letters</th><th scope="col">Last error</th><th scope="col">Replay</th></tr></thead>
          <tbody>
            {(subs || []).map((s) => (
              <tr data-subscription={s.id}>
                <td>{s.pattern}</td>
                <td class="subject">{s.webhook_url ?? s.handler}</td>
                <td>{s.state}</td>
                <td>{s.cursor}</td>
                <td class="lag">{Math.max(0, head - s.cursor)}</td>
                <td>{s.delivered}</td>
                <td class={s.dead_letters ? 'error' : ''}>{s.dead_letters}</td>
                <td class="reason">{s.last_error ?? ''}</td>
                <td>
                  <form class="inline" onSubmit={(e) => replay(e, s.id)}>
                    <input type="number" min="1" aria-label={`Replay ${s.pattern} from sequence`} placeholder="from #"
                      value={replayFrom[s.id] ?? ''} onInput={(e) => setReplayFrom({ ...replayFrom, [s.id]: e.currentTarget.value })} />
                    <button type="submit">Replay</button>
                  </form>
                  {rowError[s.id] && <span class="error">{rowError[s.id]}</span>}
                </td>
              </tr>
            ))}
            {subs && subs.length === 0 && <tr><td colSpan={9} class="muted">No subscriptions.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
