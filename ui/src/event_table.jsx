import { query } from './api.js';
import { Json } from './common.jsx';
import { when } from './format.js';

// Past any sequence: a history read from here is empty but still answers the head.
const PAST_HEAD = Number.MAX_SAFE_INTEGER;

// The newest sequence of the log (GET /v1/events answers it beside the page).
export async function fetchHead(api) {
  return (await api.get(`/v1/events${query({ after: PAST_HEAD, limit: 1 })}`)).head;
}

// Events as rows (newest wherever the caller puts it); View opens the JSON.
export function EventTable({ id, events, onSelect, empty }) {
  return (
    <div class="scroll">
      <table id={id}>
        <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Data</th><th scope="col"></th></tr></thead>
        <tbody>
          {(events || []).map((e) => (
            <tr data-sequence={e.sequence}>
              <td>{e.sequence}</td>
              <td>{when(e.time)}</td>
              <td>{e.type}</td>
              <td class="subject">{e.subject ?? ''}</td>
              <td class="data"><Json value={e.data ?? e.data_base64} short /></td>
              <td><button type="button" class="view" onClick={() => onSelect(e)}>View</button></td>
            </tr>
          ))}
          {events && events.length === 0 && <tr><td colSpan={6} class="muted">{empty}</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
