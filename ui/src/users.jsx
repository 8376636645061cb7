import { useCallback, useEffect, useState } from 'preact/hooks';
import { query, seg } from './api.js';
import { describe, ErrorLine, TitledFilter } from './common.jsx';
import { when } from './format.js';
import { useQueryState } from './router.jsx';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Users and access: find one account by exact email, phone (+E.164) or id
// (GET /v1/users?email=|phone=, GET /v1/users/{id}; the API has no listing),
// its roles and direct grants (GET /v1/users/{id}/permissions), grant and
// revoke roles, and sign it out everywhere.
export function UsersPage({ api }) {
  const [q, setQ] = useQueryState('q');
  const [user, setUser] = useState(null);  // null: nothing asked; false: none found
  const [error, setError] = useState('');

  const find = useCallback(async () => {
    if (!q) return;
    try {
      const term = q.trim();
      if (UUID.test(term)) setUser(await api.get(`/v1/users/${seg(term)}`));
      else setUser((await api.get(`/v1/users${query(term.startsWith('+') ? { phone: term } : { email: term })}`)).users[0] ?? false);
      setError('');
    } catch (err) {
      if (err.status === 404) setUser(false);
      else if (err.status !== 401) setError(err.fieldMessage('/email') || describe(err, 'users:read'));
    }
  }, [api, q]);
  useEffect(() => { find(); }, [find]);

  return (
    <main class="page users">
      <TitledFilter title="Users" formLabel="Find a user" label="Email, phone or id" id="user-query"
        button="Find" value={q} setValue={setQ} reread={find} />
      <ErrorLine error={error} />
      {user === false && <p class="muted" id="user-none">No account matches.</p>}
      {user && <UserAccess api={api} user={user} />}
    </main>
  );
}

function UserAccess({ api, user }) {
  const [grants, setGrants] = useState(null);
  const [roles, setRoles] = useState([]);
  const [pick, setPick] = useState('');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const base = `/v1/users/${seg(user.id)}`;

  const failed = (needs) => (err) => { if (err.status !== 401) setError(describe(err, needs)); };
  const load = useCallback(async () => {
    try {
      const [g, r] = await Promise.all([api.get(`${base}/permissions`), api.get('/v1/roles')]);
      setGrants(g);
      setRoles(r.roles.map((x) => x.name));
      setError('');
    } catch (err) { failed('grants:read and roles:read')(err); }
  }, [api, base]);
  useEffect(() => { load(); }, [load]);

  // Grant and revoke answer the user's effective permissions.
  const change = (method, role) =>
    api[method](`${base}/roles/${seg(role)}`).then((g) => { setGrants(g); setError(''); }, failed('grants:write'));
  const revokeSessions = () =>
    api.post(`${base}/sessions/revoke`).then(() => setNotice('Signed out of every session.'), failed('sessions:revoke'));

  const grantable = roles.filter((r) => !grants?.roles.includes(r));
  return (
    <section aria-labelledby="user-h" id="user" data-user={user.id}>
      <h2 id="user-h">{user.email ?? user.phone ?? user.id}</h2>
      <dl class="facts">
        <dt>Id</dt><dd><code>{user.id}</code></dd>
        <dt>Email</dt><dd id="user-email">{user.email ?? '–'} {user.email && (user.email_verified ? '(verified)' : '(not verified)')}</dd>
        <dt>Phone</dt><dd>{user.phone ?? '–'} {user.phone && (user.phone_verified ? '(verified)' : '(not verified)')}</dd>
        <dt>Second factor</dt><dd>{user.mfa_enabled ? 'TOTP' : 'none'}</dd>
        <dt>Created</dt><dd>{when(user.created_at)}</dd>
      </dl>
      <ErrorLine error={error} />
      <h3>Roles</h3>
      <ul id="user-roles" class="chips">
        {(grants?.roles || []).map((r) => (
          <li data-role={r}>{r} <button type="button" aria-label={`Revoke ${r}`} onClick={() => change('del', r)}>Revoke</button></li>
        ))}
        {grants && grants.roles.length === 0 && <li class="muted">No roles.</li>}
      </ul>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); if (pick) change('put', pick).then(() => setPick('')); }}>
        <label>Role <select id="grant-role" value={pick} onChange={(e) => setPick(e.currentTarget.value)}>
          <option value="">choose…</option>
          {grantable.map((r) => <option value={r}>{r}</option>)}
        </select></label>
        <button type="submit">Grant</button>
      </form>
      {grants && (grants.allow.length > 0 || grants.deny.length > 0) && (
        <p class="muted" id="user-effective">Effective permissions: {grants.allow.join(', ') || 'none'}; denied: {grants.deny.join(', ') || 'none'}</p>
      )}
      <h3>Sessions</h3>
      <p class="muted">The API lists no sessions; signing out ends all of them (refresh tokens and access tokens).</p>
      <button type="button" id="revoke-sessions" onClick={revokeSessions}>Sign out everywhere</button>
      {notice && <span class="good" role="status" id="sessions-notice"> {notice}</span>}
    </section>
  );
}
