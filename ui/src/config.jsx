import { useCallback, useEffect, useState } from 'preact/hooks';
import { query, seg } from './api.js';
import { describe, ErrorLine, Json, TitledFilter } from './common.jsx';
import { useQueryState } from './router.jsx';

// What the editor sends for the text typed: JSON when it parses (numbers,
// booleans, lists), else the text as a string, so `console` need not be quoted.
function parseValue(text) {
  try { return JSON.parse(text); } catch { return text; }
}
const shown = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

// Runtime configuration by key prefix (GET /v1/config?prefix=; secrets come
// back redacted and stay so), each value editable (PUT /v1/config/{key}
// {"value": …}). A refused value shows the API's problem next to the field,
// and the table keeps the stored value.
export function ConfigPage({ api }) {
  const [prefix, setPrefix] = useQueryState('prefix');
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(null);  // {key, text, error, busy}

  const load = useCallback(async () => {
    try {
      setEntries((await api.get(`/v1/config${query({ prefix })}`)).entries);
      setError('');
    } catch (err) {
      if (err.status !== 401) setError(describe(err, 'config:read'));
    }
  }, [api, prefix]);
  useEffect(() => { load(); }, [load]);

  function edit(e) {
    setEditing({ key: e.key, text: e.secret ? '' : shown(e.value), error: '' });
  }

  async function save(ev) {
    ev.preventDefault();
    setEditing({ ...editing, busy: true, error: '' });
    try {
      const updated = await api.put(`/v1/config/${seg(editing.key)}`, { value: parseValue(editing.text) });
      setEntries(entries.map((x) => (x.key === updated.key ? updated : x)));
      setEditing(null);
    } catch (err) {
      if (err.status === 401) return;
      const detail = err.fieldMessage?.(editing.key) || err.fieldMessage?.('/value') || describe(err, `config:write:${editing.key}`);
      setEditing({ ...editing, busy: false, error: detail });
    }
  }

  return (
    <main class="page config">
      <TitledFilter title="Config" formLabel="Filter keys" label="Key prefix" id="config-prefix" placeholder="email."
        button="Show" value={prefix} setValue={setPrefix} reread={load} />
      <ErrorLine error={error} />
      <div class="scroll">
        <table id="config">
          <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Layer</th><th scope="col">Applies</th><th scope="col"></th></tr></thead>
          <tbody>
            {(entries || []).map((e) => (
              <tr data-key={e.key}>
                <th scope="row" class="key">{e.key}{e.secret && <span class="tag">secret</span>}</th>
                <td class="value">
                  {editing?.key === e.key ? (
                    <form class="edit" onSubmit={save} onKeyDown={(k) => k.key === 'Escape' && setEditing(null)}>
                      <input class="value-input" aria-label={`New value of ${e.key}`} autoFocus
                        type={e.secret ? 'password' : 'text'} autocomplete="off" value={editing.text}
                        aria-invalid={editing.error ? 'true' : undefined} aria-describedby={`err-${e.key}`}
                        onInput={(x) => setEditing({ ...editing, text: x.currentTarget.value })} />
                      <button type="submit" disabled={editing.busy}>Save</button>
                      <button type="button" onClick={() => setEditing(null)}>Cancel</button>
                      {editing.error && <span class="error field-error" role="alert" id={`err-${e.key}`}>{editing.error}</span>}
                    </form>
                  ) : <Json value={e.value} short />}
                </td>
                <td>{e.layer}</td>
                <td>{e.applies}</td>
                <td>{editing?.key !== e.key && <button type="button" class="edit-btn" onClick={() => edit(e)}>Edit</button>}</td>
              </tr>
            ))}
            {entries && entries.length === 0 && <tr><td colSpan={5} class="muted">No keys with this prefix.</td></tr>}
          </tbody>
        </table>
      </div>
    </main>
  );
}
