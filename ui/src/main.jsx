import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import './style.css';
import { client } from './api.js';
import { ConfigPage } from './config.jsx';
import { EventsPage } from './events.jsx';
import { Monitor } from './monitor.jsx';
import { QueuesPage } from './queues.jsx';
import { Link, usePath } from './router.jsx';
import { SignIn } from './signin.jsx';
import { UsersPage } from './users.jsx';

// The permission the monitor's reads need; an account without it is refused
// at sign-in (the API's own 403 decides, the page only explains it). Other
// pages explain their own 403s where they occur.
const NEEDS = 'notifications:read';

const PAGES = [
  ['/ui', 'Notifications'],
  ['/ui/events', 'Events'],
  ['/ui/queues', 'Queues'],
  ['/ui/config', 'Config'],
  ['/ui/users', 'Users'],
];

function Page({ path, api, win, setWin }) {
  if (path.startsWith('/ui/events')) return <EventsPage api={api} />;
  if (path.startsWith('/ui/queues')) return <QueuesPage api={api} />;
  if (path.startsWith('/ui/config')) return <ConfigPage api={api} />;
  if (path.startsWith('/ui/users')) return <UsersPage api={api} />;
  return <Monitor api={api} win={win} setWin={setWin} />;
}

function App() {
  const [session, setSession] = useState(null);  // {token, who}; in memory only
  const [notice, setNotice] = useState('');
  const [win, setWin] = useState('24h');  // kept across a re-sign-in (pages keep theirs in the URL)
  const path = usePath();

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
  const current = PAGES.filter(([href]) => href === '/ui' ? path === '/ui' || path === '/ui/' : path.startsWith(href));
  return (
    <>
      <header class="top">
        <span class="brand">Switchboard</span>
        <nav aria-label="Pages">
          {PAGES.map(([href, label]) => (
            <Link href={href} aria-current={current[0]?.[0] === href ? 'page' : undefined}>{label}</Link>
          ))}
        </nav>
        <span class="who muted" id="who">{session.who}</span>
        <button type="button" id="sign-out" onClick={() => setSession(null)}>Sign out</button>
      </header>
      <Page path={path} api={api} win={win} setWin={setWin} />
    </>
  );
}

render(<App />, document.getElementById('app'));
