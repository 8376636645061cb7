// The operator pages at /ui (events, config, queues, users), checked in
// headless Chromium against a server tests/e2e/ui_test.cpp started. Seeds
// through the public API and compares what a person sees with the API's
// answers: a published event reaches the live tail within 1 s, a refused
// config value shows its error next to the field and changes nothing, a dead
// job's Retry moves it, pause/resume, an account without a page's permission
// is refused, and markup stored in event data, a job error and a user's
// email is shown as text and never runs.
import assert from 'node:assert/strict';
import { api, PASSWORD, run, SB_URL, screenshot, signInWithKey, submitSignIn, until, XSS } from './harness.mjs';

const pwned = (page) => page.evaluate(() => window.__pwned);

async function seed() {
  const ev = await api('POST', '/v1/events', {
    specversion: '1.0', id: 'xss-1', source: '/ui-test', type: 'ui.xss', subject: XSS, data: { note: XSS },
  });
  await api('POST', '/v1/subscriptions', { pattern: 'ui.*', webhook_url: 'http://127.0.0.1:1/hook' });
  // A dead job: one attempt, failed with markup in its error.
  const job = await api('POST', '/v1/queues/ui-mail/jobs', { payload: { to: XSS }, max_attempts: 1 });
  const [claimed] = (await api('POST', '/v1/queues/ui-mail/claim', { max: 1 })).jobs;
  await api('POST', `/v1/queues/ui-mail/jobs/${claimed.id}/nack`, { lease: claimed.lease, error: XSS });
  // An account that may read notifications (so it signs in) and nothing else.
  await api('POST', '/v1/roles', { name: 'ui-viewer', permissions: ['notifications:read'] });
  const viewer = await api('POST', '/v1/auth/register', { email: 'viewer@example.com', password: PASSWORD });
  await api('PUT', `/v1/users/${viewer.id}/roles/ui-viewer`);
  await api('POST', '/v1/roles', { name: 'ui-extra', permissions: ['flags:read'] });
  return { ev, jobId: job.id ?? claimed.id, viewer };
}

async function eventsPage(page, ev) {
  await page.getByRole('link', { name: 'Events' }).click();
  await page.locator('#tail[data-status="live"]').waitFor();
  // History: the newest page holds the seeded event, its markup as text.
  const row = page.locator(`#history tr[data-sequence="${ev.sequence}"]`);
  await row.waitFor();
  assert.ok((await row.locator('td.data').textContent()).includes(XSS), 'event data shown as text');
  assert.equal(await row.locator('td.subject').textContent(), XSS, 'subject shown as text');
  await row.getByRole('button', { name: 'View' }).click();
  assert.ok((await page.locator('#event-detail pre').textContent()).includes(`"note": ${JSON.stringify(XSS)}`));
  assert.equal(await page.locator('main img').count(), 0);

  // The live tail shows an event published now within 1 s.
  const fresh = await api('POST', '/v1/events', { specversion: '1.0', id: 'tail-1', source: '/ui-test', type: 'ui.tail', data: { n: 1 } });
  await page.locator(`#tail-table tr[data-sequence="${fresh.sequence}"]`).waitFor({ timeout: 1000 });

  // A type filter narrows history and tail; it is kept in the URL.
  await page.locator('#filter-type').fill('ui.tail');
  await page.getByRole('button', { name: 'Apply' }).click();
  await until('history filtered', async () => (await page.locator('#history tr[data-sequence]').count()) === 1);
  assert.match(page.url(), /type=ui\.tail/);

  // The subscription and its lag (head - cursor) are listed.
  const sub = page.locator('#subscriptions tr[data-subscription]');
  await sub.waitFor();
  assert.equal(await sub.locator('td').first().textContent(), 'ui.*');
  assert.equal(await pwned(page), undefined);
  await screenshot(page, 'events');
}

async function configPage(page) {
  await page.getByRole('link', { name: 'Config' }).click();
  await page.locator('#config-prefix').fill('notify.');
  await page.getByRole('button', { name: 'Show' }).click();
  const row = page.locator('#config tr[data-key="notify.max_attempts"]');
  const before = (await api('GET', '/v1/config/notify.max_attempts')).value;
  await row.getByRole('button', { name: 'Edit' }).click();
  await row.locator('input.value-input').fill('-5');
  await row.getByRole('button', { name: 'Save' }).click();
  const err = row.locator('.field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /at least 1/);
  assert.equal(await row.locator('input.value-input').getAttribute('aria-invalid'), 'true');
  assert.equal((await api('GET', '/v1/config/notify.max_attempts')).value, before, 'a refused value changes nothing');
  await screenshot(page, 'config-error');
  // A valid value is stored and shown; Escape would have cancelled.
  await row.locator('input.value-input').fill('4');
  await row.getByRole('button', { name: 'Save' }).click();
  await until('the new value shown', async () => (await row.locator('td.value').textContent()) === '4');
  assert.equal((await api('GET', '/v1/config/notify.max_attempts')).value, 4);
  // A secret stays redacted.
  const secret = page.locator('#config tr[data-key="notify.callbacks.twilio.auth_token"]');
  await api('PUT', '/v1/config/notify.callbacks.twilio.auth_token', { value: 'very-secret' });
  await page.getByRole('button', { name: 'Show' }).click();
  await until('the secret redacted', async () => !(await secret.textContent()).includes('very-secret') &&
    (await secret.textContent()).includes('*'));
  await screenshot(page, 'config');
}

async function queuesPage(page, jobId) {
  await page.getByRole('link', { name: 'Queues' }).click();
  const q = page.locator('#queues tr[data-queue="ui-mail"]');
  await q.waitFor();
  assert.equal(await q.locator('td[data-state="dead"]').textContent(), '1');
  await q.getByRole('button', { name: 'Dead jobs' }).click();
  const job = page.locator(`#dead-jobs tr[data-job="${jobId}"]`);
  await job.waitFor();
  assert.equal(await job.locator('td.reason').textContent(), XSS);
  assert.equal(await page.locator('main img').count(), 0);
  await screenshot(page, 'queues');
  await job.getByRole('button', { name: 'Retry' }).click();
  await job.waitFor({ state: 'detached' });
  assert.equal((await api('GET', `/v1/queues/ui-mail/jobs/${jobId}`)).state, 'waiting');
  await until('the dead count to drop', async () => (await q.locator('td[data-state="dead"]').textContent()) === '0');
  // Pause and resume are the API's.
  await q.getByRole('button', { name: 'Pause' }).click();
  await until('paused', async () => (await api('GET', '/v1/queues/ui-mail')).paused);
  await q.getByRole('button', { name: 'Resume' }).click();
  await until('resumed', async () => !(await api('GET', '/v1/queues/ui-mail')).paused);
}

// Find an account, grant and revoke a role, sign it out everywhere: each
// checked against the API.
async function usersPage(page, viewer) {
  const { access_token: token } = await api('POST', '/v1/auth/login', { email: 'viewer@example.com', password: PASSWORD });
  await page.getByRole('link', { name: 'Users' }).click();
  await page.locator('#user-query').fill('nobody@example.com');
  await page.getByRole('button', { name: 'Find' }).click();
  await page.locator('#user-none').waitFor();
  await page.locator('#user-query').fill('viewer@example.com');
  await page.getByRole('button', { name: 'Find' }).click();
  const user = page.locator(`#user[data-user="${viewer.id}"]`);
  await user.waitFor();
  await user.locator('#user-roles li[data-role="ui-viewer"]').waitFor();
  await page.locator('#grant-role').selectOption('ui-extra');
  await page.getByRole('button', { name: 'Grant' }).click();
  await user.locator('#user-roles li[data-role="ui-extra"]').waitFor();
  assert.ok((await api('GET', `/v1/users/${viewer.id}/permissions`)).roles.includes('ui-extra'));
  await screenshot(page, 'users');
  await page.getByRole('button', { name: 'Revoke ui-extra' }).click();
  await user.locator('#user-roles li[data-role="ui-extra"]').waitFor({ state: 'detached' });
  assert.ok(!(await api('GET', `/v1/users/${viewer.id}/permissions`)).roles.includes('ui-extra'));
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.locator('#sessions-notice').waitFor();
  await until('the viewer signed out', async () =>
    (await fetch(`${SB_URL}/v1/auth/me`, { headers: { Authorization: `Bearer ${token}` } })).status === 401);
  assert.match(page.url(), /\/ui\/users\?q=viewer%40example\.com/);
}

// An account that signs in (notifications:read) but holds no config:read is
// refused by the Config page, and shown why.
async function refused(page) {
  await page.goto(`${SB_URL}/ui/config`);
  await submitSignIn(page, 'viewer@example.com');
  await page.locator('main.config .error').filter({ hasText: 'may not' }).waitFor();
  assert.equal(await page.locator('#config tr[data-key]').count(), 0);
}

async function main({ newPage }) {
  const { ev, jobId, viewer } = await seed();
  const page = await newPage();
  await page.goto(`${SB_URL}/ui`);
  await signInWithKey(page);
  await eventsPage(page, ev);
  await configPage(page);
  await queuesPage(page, jobId);
  await usersPage(page, viewer);
  assert.equal(await pwned(page), undefined);

  // Phone width, dark: the same pages stay usable.
  const phone = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await phone.goto(`${SB_URL}/ui/events`);
  await signInWithKey(phone);
  await phone.locator('#tail[data-status="live"]').waitFor();
  await screenshot(phone, 'events-phone-dark');
  await phone.getByRole('link', { name: 'Queues' }).click();
  await phone.locator('#queues tr[data-queue="ui-mail"]').waitFor();
  await screenshot(phone, 'queues-phone-dark');

  await refused(await newPage());
}

await run('pages.mjs', main);
