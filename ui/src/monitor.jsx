import { useCallback, useEffect, useState } from 'preact/hooks';
import { count, rate, reason, when, windowStart } from './format.js';

const WINDOWS = ['1h', '24h', '7d'];
const CARDS = [
  ['total', 'Total'], ['sent', 'Sent'], ['delivered', 'Delivered'], ['failed', 'Failed'],
  ['pending', 'Pending'], ['suppressed', 'Suppressed'],
];

// The notification monitor: overview cards and per-channel counts for a
// window (GET /v1/notifications/stats), and the dead deliveries that need
// attention (GET /v1/notifications?status=dead) with a Retry each.
export function Monitor({ api, win, setWin }) {
  const [stats, setStats] = useState(null);
  const [dead, setDead] = useState(null);
  const [error, setError] = useState('');
  const [retrying, setRetrying] = useState({});
  const [loadedAt, setLoadedAt] = useState(null);

  const load = useCallback(async () => {
    try {
      const since = encodeURIComponent(windowStart(win));
      const [s, d] = await Promise.all([
        api.get(`/v1/notifications/stats?window=${win}`),
        api.get(`/v1/notifications?status=dead&limit=50&since=${since}`),
      ]);
      setStats(s);
      setDead(d.notifications);
      setError('');
      setLoadedAt(new Date());
    } catch (err) {
      if (err.status !== 401) setError(err.message);
    }
  }, [api, win]);

  useEffect(() => {
    load();
    const t = setInterval(load, 15000);
    return () => clearInterval(t);
  }, [load]);

  async function retry(id) {
    setRetrying((r) => ({ ...r, [id]: 'retrying' }));
    try {
      await api.post(`/v1/notifications/${encodeURIComponent(id)}/retry`);
      setRetrying((r) => ({ ...r, [id]: undefined }));
      await load();
    } catch (err) {
      setRetrying((r) => ({ ...r, [id]: err.message }));
    }
  }

  const rows = [];
  for (const n of dead || [])
    for (const d of n.deliveries) if (d.status === 'dead') rows.push({ n, d });

  return (
    <main class="monitor" aria-busy={stats === null}>
      <div class="toolbar">
        <h1>Notifications</h1>
        <div class="segmented" role="group" aria-label="Window">
          {WINDOWS.map((w) => (
            <button type="button" aria-pressed={w === win} data-window={w} onClick={() => setWin(w)}>{w}</button>
          ))}
        </div>
        <button type="button" onClick={load}>Refresh</button>
        {loadedAt && <span class="muted" id="loaded-at">updated {loadedAt.toLocaleTimeString()}</span>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}

      <section aria-label="Overview" class="cards" id="overview" data-window={stats ? win : ''}>
        {CARDS.map(([k, label]) => (
          <div class="card" data-stat={k}><div class="label">{label}</div><div class="value">{count(stats?.[k])}</div></div>
        ))}
        <div class="card" data-stat="success_rate"><div class="label">Success rate</div><div class="value">{rate(stats?.success_rate)}</div></div>
      </section>

      <section aria-labelledby="channels-h">
        <h2 id="channels-h">By channel</h2>
        <table id="channels">
          <thead><tr><th scope="col">Channel</th><th scope="col">Sent</th><th scope="col">Failed</th><th scope="col">Pending</th><th scope="col">Success rate</th></tr></thead>
          <tbody>
            {stats && Object.entries(stats.by_channel).map(([ch, c]) => (
              <tr data-channel={ch}>
                <th scope="row">{ch}</th><td>{count(c.sent)}</td><td>{count(c.failed)}</td><td>{count(c.pending)}</td><td>{rate(c.success_rate)}</td>
              </tr>
            ))}
            {stats && Object.keys(stats.by_channel).length === 0 && <tr><td colSpan={5} class="muted">No deliveries in this window.</td></tr>}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="attention-h">
        <h2 id="attention-h">Needs attention</h2>
        <div class="scroll">
          <table id="attention">
            <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Channel</th><th scope="col">Provider</th><th scope="col">Attempts</th><th scope="col">Error</th><th scope="col">Data</th><th scope="col"></th></tr></thead>
            <tbody>
              {rows.map(({ n, d }) => (
                <tr data-notification={n.id} data-delivery={d.id}>
                  <td>{when(n.created_at)}</td>
                  <td>{n.type}</td>
                  <td>{d.channel}</td>
                  <td>{d.provider ?? '–'}</td>
                  <td>{d.attempts}</td>
                  <td class="reason">{reason(d)}</td>
                  <td class="data"><code>{n.data === undefined ? '' : JSON.stringify(n.data)}</code></td>
                  <td>
                    <button type="button" class="retry" disabled={retrying[n.id] === 'retrying'} onClick={() => retry(n.id)}>Retry</button>
                    {retrying[n.id] && retrying[n.id] !== 'retrying' && <span class="error">{retrying[n.id]}</span>}
                  </td>
                </tr>
              ))}
              {dead && rows.length === 0 && <tr><td colSpan={8} class="muted" id="attention-empty">Nothing needs attention.</td></tr>}
            </tbody>
          </table>
        </div>
      </section>
    </main>
  );
}
