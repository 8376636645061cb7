import { useCallback, useEffect, useState } from 'preact/hooks';
import { query } from './api.js';
import { describe, ErrorLine, Json, Pager } from './common.jsx';
import { EventTable, fetchHead } from './event_table.jsx';
import { EventTail } from './event_tail.jsx';
import { useQueryState } from './router.jsx';
import { Subscriptions } from './subscriptions.jsx';

const LIMIT = 50;

// The events explorer: history paged by sequence (GET /v1/events, `after` +
// `limit`, filtered by type pattern and subject), one event's JSON, the live
// tail (SSE) and the durable subscriptions. Filters live in the URL.
export function EventsPage({ api }) {
  const [type, setType] = useQueryState('type');
  const [subject, setSubject] = useQueryState('subject');
  const [after, setAfter] = useQueryState('after');  // '' = the newest page
  const [draft, setDraft] = useState({ type, subject });
  const [page, setPage] = useState(null);
  const [back, setBack] = useState([]);  // the `after`s of the pages before this one
  const [selected, setSelected] = useState(null);
  const [error, setError] = useState('');
  const [fieldErrors, setFieldErrors] = useState({});

  const load = useCallback(async () => {
    try {
      // The newest page starts LIMIT sequences before the head (fewer rows
      // when a filter skips some: the API pages forward only).
      const from = after === '' ? Math.max(0, (await fetchHead(api)) - LIMIT) : Number(after);
      const r = await api.get(`/v1/events${query({ type, subject, after: from, limit: LIMIT })}`);
      setPage({ ...r, after: from });
      setError('');
      setFieldErrors({});
    } catch (err) {
      if (err.status === 401) return;
      setError(describe(err, 'events:read'));
      setFieldErrors({ type: err.fieldMessage?.('type') || '' });
    }
  }, [api, type, subject, after]);

  useEffect(() => { load(); }, [load]);

  function apply(e) {
    e.preventDefault();
    setType(draft.type.trim());
    setSubject(draft.subject.trim());
    setAfter('');
    setBack([]);
  }
  const prev = () => {
    const to = back.length ? back[back.length - 1] : Math.max(0, page.after - LIMIT);
    setBack(back.slice(0, -1));
    setAfter(String(to));
  };
  const next = () => {
    setBack([...back, page.after]);
    setAfter(String(page.next_after));
  };

  return (
    <main class="page events">
      <div class="toolbar">
        <h1>Events</h1>
        <form class="filters" onSubmit={apply} aria-label="Filter events">
          <label>Type
            <input id="filter-type" placeholder="user.* or *" value={draft.type} aria-describedby="filter-type-error"
              onInput={(e) => setDraft({ ...draft, type: e.currentTarget.value })} />
            {fieldErrors.type && <span class="error" id="filter-type-error">{fieldErrors.type}</span>}
          </label>
          <label>Subject
            <input id="filter-subject" value={draft.subject} onInput={(e) => setDraft({ ...draft, subject: e.currentTarget.value })} />
          </label>
          <button type="submit">Apply</button>
        </form>
      </div>
      <ErrorLine error={error} />

      <EventTail api={api} type={type} subject={subject} onSelect={setSelected} />

      <section aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <Pager label="History pages" hasPrev={page && page.after > 0} hasNext={page && page.events.length === LIMIT}
          onPrev={prev} onNext={next}>
          {page && <span class="muted" id="history-range">after #{page.after} · head #{page.head}</span>}
          <button type="button" onClick={() => { setBack([]); if (after === '') load(); else setAfter(''); }}>Newest</button>
        </Pager>
        <EventTable id="history" events={page?.events} onSelect={setSelected} empty="No events on this page." />
      </section>

      {selected && (
        <section aria-labelledby="detail-h" id="event-detail">
          <h2 id="detail-h">Event #{selected.sequence} <button type="button" onClick={() => setSelected(null)}>Close</button></h2>
          <Json value={selected} />
        </section>
      )}

      <Subscriptions api={api} />
    </main>
  );
}
