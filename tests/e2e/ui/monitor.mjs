// The notification monitor at /ui, checked in headless Chromium (run by
// tests/e2e/ui_test.cpp against a server it started). Seeds through the
// public API, then checks what a person sees: the overview equals the API's
// stats, a dead delivery is listed under "needs attention" and Retry moves it,
// markup in a notification's data is shown as text and never runs, the
// window selector, and that an account without notifications:read is refused.
// Every wait is for a condition, bounded; the whole run is bounded too.
import assert from 'node:assert/strict';
import { api, PASSWORD, run, SB_URL, screenshot, submitSignIn, until, XSS } from './harness.mjs';

const settled = (win = '24h') =>
  until('no pending deliveries', async () => {
    const s = await api('GET', `/v1/notifications/stats?window=${win}`);
    return s.pending === 0 ? s : null;
  });

const rate = (r) => `${(r * 100).toFixed(1)}%`;

async function expectOverview(page, stats, win) {
  await page.locator(`#overview[data-window="${win}"]`).waitFor();
  const shown = async (k) => (await page.locator(`#overview [data-stat="${k}"] .value`).textContent()).trim();
  for (const k of ['total', 'sent', 'delivered', 'failed', 'pending', 'suppressed'])
    assert.equal(await shown(k), String(stats[k]), `overview card ${k} (${win})`);
  assert.equal(await shown('success_rate'), rate(stats.success_rate), `success rate (${win})`);
  for (const [ch, c] of Object.entries(stats.by_channel)) {
    const cells = await page.locator(`#channels tr[data-channel="${ch}"] td`).allTextContents();
    assert.deepEqual(cells, [String(c.sent), String(c.failed), String(c.pending), rate(c.success_rate)], `channel ${ch}`);
  }
  assert.equal(await page.locator('#channels tr[data-channel]').count(), Object.keys(stats.by_channel).length);
}

async function main({ newPage }) {
  // ---- Seed through the public API.
  await api('PUT', '/v1/notifications/templates/alert/email', { subject: 'Alert', body: 'Alert: {{msg}}' });
  await api('PUT', '/v1/notifications/templates/alert/in_app', { subject: 'Alert', body: '{{msg}}' });
  const ann = await api('POST', '/v1/auth/register', { email: 'ann@example.com', password: PASSWORD });
  await api('POST', '/v1/auth/register', { email: 'bob@example.com', password: PASSWORD });
  for (let i = 0; i < 3; ++i)
    await api('POST', '/v1/notifications', { user_id: ann.id, type: 'alert', channels: ['in_app', 'email'], data: { msg: `ok ${i}` } });
  await settled();
  // Now every email fails (SendGrid at a closed port): one attempt, then dead.
  await api('PUT', '/v1/config/email.providers', { value: ['sendgrid'] });
  const bad = await api('POST', '/v1/notifications', { user_id: ann.id, type: 'alert', channels: ['email'], data: { msg: XSS } });
  await until('the email to end dead', async () => {
    const n = await api('GET', `/v1/notifications/${bad.id}`);
    return n.deliveries[0].status === 'dead';
  });
  let stats = await settled();
  assert.ok(stats.failed >= 1, 'the dead delivery is counted as failed');

  // ---- The page and its headers.
  const page = await newPage();
  const resp = await page.goto(`${SB_URL}/ui`);
  assert.equal(resp.status(), 200);
  const csp = resp.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  // ---- An account without notifications:read is refused.
  await submitSignIn(page, 'bob@example.com');
  await page.locator('#signin-error').filter({ hasText: 'may not use the dashboard' }).waitFor();
  assert.equal(await page.locator('#overview').count(), 0);

  // ---- Sign in with the admin key; the overview equals the API's stats.
  await submitSignIn(page);
  await expectOverview(page, stats, '24h');

  // ---- The dead delivery needs attention; its data is text, not markup.
  const row = page.locator(`#attention tr[data-notification="${bad.id}"]`);
  await row.waitFor();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[1], 'alert');
  assert.equal(cells[2], 'email');
  // A dead delivery records no provider (none took it); the error names the one that failed.
  assert.equal(cells[3], '–');
  assert.equal(cells[4], '1');
  assert.match(cells[5], /sendgrid/, 'the error is shown');
  assert.ok(cells[6].includes(XSS), 'the data is shown as text');
  assert.equal(await page.locator('#attention img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await screenshot(page, 'monitor');

  // ---- Retry, with a working provider again, moves it out of the list.
  await api('PUT', '/v1/config/email.providers', { value: ['console'] });
  await row.getByRole('button', { name: 'Retry' }).click();
  await row.waitFor({ state: 'detached' });
  await until('the retried email to be sent', async () => {
    const n = await api('GET', `/v1/notifications/${bad.id}`);
    return n.deliveries[0].status === 'sent';
  });
  stats = await settled();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await until('the overview to show the retry', async () =>
    (await page.locator('#overview [data-stat="failed"] .value').textContent()).trim() === String(stats.failed));
  await expectOverview(page, stats, '24h');
  await page.locator('#attention-empty').waitFor();

  // ---- The window selector asks for that window.
  const hour = await settled('1h');
  await page.locator('button[data-window="1h"]').click();
  await expectOverview(page, hour, '1h');
  assert.equal(await page.locator('button[data-window="1h"]').getAttribute('aria-pressed'), 'true');

  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await screenshot(page, 'monitor-1h');
}

await run('monitor.mjs', main);
