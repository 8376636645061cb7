// The public HTTP API, as any client calls it: the credential (an admin key
// or an access token) is held in memory only and sent as a bearer token.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function client(token, onUnauthorized) {
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (!r.ok) {
      const err = new ApiError(r.status, json);
      if (r.status === 401 && onUnauthorized) onUnauthorized(err);
      throw err;
    }
    return json;
  }
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
  };
}

export async function login(email, password) {
  return client(null).post('/v1/auth/login', { email, password });
}

export async function verifyMfa(mfaToken, code) {
  return client(null).post('/v1/auth/mfa/verify', { mfa_token: mfaToken, code });
}
