import { useEffect, useState } from 'preact/hooks';
import { query } from './api.js';
import { describe } from './common.jsx';
import { EventTable } from './event_table.jsx';

const KEEP = 100;        // rows the tail shows; older ones drop off
const RETRY_MS = 2000;   // the server's own `retry:` hint

// The live tail: GET /v1/events/stream read with fetch (api.stream), so the
// bearer credential goes in the Authorization header as on every other call.
// Resumes after the last sequence it showed (Last-Event-ID) when the stream
// drops. The type filter is the stream's pattern; the subject is matched here
// (the stream has no subject filter).
export function EventTail({ api, type, subject, onSelect }) {
  const [rows, setRows] = useState([]);
  const [status, setStatus] = useState('connecting');
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) return undefined;
    const ctl = new AbortController();
    let last = '';
    const onEvent = (frame) => {
      last = frame.id || last;
      let e;
      try { e = JSON.parse(frame.data); } catch { return; }
      if (subject && e.subject !== subject) return;
      setRows((r) => [e, ...r].slice(0, KEEP));
    };
    (async () => {
      while (!ctl.signal.aborted) {
        setStatus('connecting');
        try {
          await api.stream(`/v1/events/stream${query({ type })}`,
            { signal: ctl.signal, lastEventId: last, onOpen: () => setStatus('live'), onEvent });
        } catch (err) {
          if (ctl.signal.aborted || err.status === 401) return;
          setStatus(describe(err, 'events:read'));
          if (err.status === 403 || err.status === 400) return;  // retrying cannot help
        }
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    })();
    return () => ctl.abort();
  }, [api, type, subject, paused]);

  const shown = paused ? 'paused' : status;
  return (
    <section aria-labelledby="tail-h" id="tail" data-status={shown}>
      <h2 id="tail-h">Live tail</h2>
      <div class="toolbar">
        <span class={shown === 'live' ? 'good' : shown === 'paused' || shown === 'connecting' ? 'muted' : 'error'}
          role="status" id="tail-status">{shown}</span>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button>
        <button type="button" onClick={() => setRows([])}>Clear</button>
      </div>
      <div class="tail-rows">
        <EventTable id="tail-table" events={rows} onSelect={onSelect} empty="Waiting for events…" />
      </div>
    </section>
  );
}
