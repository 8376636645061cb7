import { useState } from 'preact/hooks';
import { login, verifyMfa } from './api.js';

// Sign in with a pasted admin key, or email + password (+ TOTP when enrolled).
// The credential stays in memory: reloading the page signs out.
export function SignIn({ onSignedIn, notice }) {
  const [mode, setMode] = useState('key');
  const [key, setKey] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [mfa, setMfa] = useState(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e) {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      if (mode === 'key') {
        await onSignedIn(key.trim(), 'admin key');
      } else if (mfa) {
        const t = await verifyMfa(mfa, code.trim());
        await onSignedIn(t.access_token, email);
      } else {
        const t = await login(email.trim(), password);
        if (t.mfa_required) setMfa(t.mfa_token);
        else await onSignedIn(t.access_token, email);
      }
    } catch (err) {
      setError(err.message || String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <h1>Switchboard</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'key'} onClick={() => { setMode('key'); setMfa(null); }}>Admin key</button>
          <button type="button" role="tab" aria-selected={mode === 'password'} onClick={() => setMode('password')}>Email and password</button>
        </div>
        {mode === 'key' ? (
          <label>Admin key
            <input id="admin-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
          </label>
        ) : mfa ? (
          <label>Authenticator code
            <input id="mfa-code" inputmode="numeric" autocomplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          </label>
        ) : (
          <>
            <label>Email
              <input id="email" type="email" autocomplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
            </label>
            <label>Password
              <input id="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
            </label>
          </>
        )}
        <button type="submit" disabled={busy}>Sign in</button>
        {(error || notice) && <p class="error" role="alert" id="signin-error">{error || notice}</p>}
      </form>
    </main>
  );
}
