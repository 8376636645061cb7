import { useState } from 'preact/hooks';

// Small pieces every page uses: how an API error reads, and previous/next paging.

// The text a failed call shows: a 403 says which permission is missing (the
// API's problem names it), anything else the problem's detail.
export function describe(err, needs) {
  if (err?.status === 403) return `This account may not do this${needs ? ` (it needs ${needs})` : ''}.`;
  return err?.message || String(err);
}

export function ErrorLine({ error, id }) {
  return error ? <p class="error" role="alert" id={id}>{error}</p> : null;
}

// A page's title and its one-field filter form: a new value is stored (the
// page's effect re-reads with it); the same value re-reads now, since the
// data may have changed under the page.
export function TitledFilter({ title, formLabel, label, id, placeholder, button, value, setValue, reread }) {
  const [draft, setDraft] = useState(value);
  function submit(e) {
    e.preventDefault();
    if (draft.trim() === value) reread();
    else setValue(draft.trim());
  }
  return (
    <div class="toolbar">
      <h1>{title}</h1>
      <form class="filters" aria-label={formLabel} onSubmit={submit}>
        <label>{label}
          <input id={id} placeholder={placeholder} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <button type="submit">{button}</button>
      </form>
    </div>
  );
}

// Previous/next over a cursor-paged list; the caller owns the cursors.
export function Pager({ label, onPrev, onNext, hasPrev, hasNext, children }) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="prev" disabled={!hasPrev} onClick={onPrev}>Previous</button>
      <button type="button" class="next" disabled={!hasNext} onClick={onNext}>Next</button>
      {children}
    </nav>
  );
}

// JSON shown as text (Preact escapes it); `short` keeps a table cell small.
export function Json({ value, short }) {
  if (value === undefined) return <code class="muted">–</code>;
  const text = short ? JSON.stringify(value) : JSON.stringify(value, null, 2);
  if (!short) return <pre class="json">{text}</pre>;
  return <code title={text.length > 120 ? text : undefined}>{text.length > 120 ? `${text.slice(0, 119)}…` : text}</code>;
}
