import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import './style.css';
import { client } from './api.js';
import { Monitor } from './monitor.jsx';
import { SignIn } from './signin.jsx';

// The permission the monitor's reads need; an account without it is refused
// at sign-in (the API's own 403 decides, the page only explains it).
const NEEDS = 'notifications:read';

function App() {
  const [session, setSession] = useState(null);  // {token, who}; in memory only
  const [notice, setNotice] = useState('');
  const [win, setWin] = useState('24h');  // kept across a re-sign-in

  const api = useMemo(() => session && client(session.token, () => {
    setSession(null);
    setNotice('Your session ended; sign in again.');
  }), [session]);

  async function signedIn(token, who) {
    try {
      await client(token).get('/v1/notifications/stats?window=1h');
    } catch (err) {
      if (err.status === 401) throw new Error('That credential was not accepted.');
      if (err.status === 403) throw new Error(`This account may not use the dashboard (it needs ${NEEDS}).`);
      throw err;
    }
    setNotice('');
    setSession({ token, who });
  }

  if (!session) return <SignIn onSignedIn={signedIn} notice={notice} />;
  return (
    <>
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Pages"><a href="/ui" aria-current="page">Notifications</a></nav>
        <span class="who muted" id="who">{session.who}</span>
        <button type="button" id="sign-out" onClick={() => setSession(null)}>Sign out</button>
      </header>
      <Monitor api={api} win={win} setWin={setWin} />
    </>
  );
}

render(<App />, document.getElementById('app'));
