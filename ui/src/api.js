// The public HTTP API, as any client calls it: the credential (an admin key
// or an access token) is held in memory only and sent as a bearer token.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  // The message the problem+json names for `field` (a JSON pointer such as
  // "/value", or a query parameter name), if any.
  fieldMessage(field) {
    const e = (this.problem?.errors || []).find((x) => x.field === field);
    return e ? e.message : '';
  }
}

export function client(token, onUnauthorized) {
  const authHeaders = (extra) => (token ? { ...extra, Authorization: `Bearer ${token}` } : extra);
  const fail = (status, problem) => {
    const err = new ApiError(status, problem);
    if (status === 401 && onUnauthorized) onUnauthorized(err);
    return err;
  };

  async function call(method, path, body) {
    const headers = authHeaders({ Accept: 'application/json' });
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!r.ok) throw fail(r.status, json);
    return json;
  }

  // Server-Sent Events read with fetch, not EventSource: EventSource cannot
  // send the Authorization header, and the stream routes take the same bearer
  // credential as every other route (no token in the URL, where access logs
  // and history would keep it). Calls onEvent({id, event, data}) per frame;
  // resolves when the server ends the stream or `signal` aborts it.
  async function stream(path, { signal, lastEventId, onOpen, onEvent }) {
    const headers = authHeaders({ Accept: 'text/event-stream' });
    if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
    const r = await fetch(path, { headers, signal, cache: 'no-store' });
    if (!r.ok) {
      let problem = null;
      try { problem = await r.json(); } catch { problem = null; }
      throw fail(r.status, problem);
    }
    onOpen?.();
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = parseFrame(buf.slice(0, end));
        buf = buf.slice(end + 2);
        if (frame) onEvent(frame);
      }
    }
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    del: (path) => call('DELETE', path),
    stream,
  };
}

// One SSE frame's fields; null for a comment-only frame (": keepalive").
function parseFrame(text) {
  const f = { id: '', event: 'message', data: [] };
  let any = false;
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') { f.data.push(value); any = true; }
    else if (name === 'id') f.id = value;
    else if (name === 'event') f.event = value;
  }
  return any ? { ...f, data: f.data.join('\n') } : null;
}

// A query string of the non-empty values of `params`.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const seg = encodeURIComponent;

export async function login(email, password) {
  return client(null).post('/v1/auth/login', { email, password });
}

export async function verifyMfa(mfaToken, code) {
  return client(null).post('/v1/auth/mfa/verify', { mfa_token: mfaToken, code });
}
