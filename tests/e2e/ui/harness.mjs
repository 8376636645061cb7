// What every browser script of tests/e2e/ui_test.cpp shares: the server's
// address and admin key from the environment, API calls, bounded waits on
// conditions, the browser (Debian's chromium), a watchdog that bounds the
// whole run, and the page-error collector (a CSP violation is a console error).
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';

export const { SB_URL, SB_ADMIN_KEY, SB_UI_DIR, SB_CHROMIUM = '/usr/bin/chromium', SB_SCREENSHOTS } = process.env;
const { chromium } = createRequire(`${SB_UI_DIR}/package.json`)('playwright-core');
export const XSS = '<img src=x onerror=window.__pwned=1>';
export const PASSWORD = 'correct horse battery staple';

export async function api(method, path, body, token = SB_ADMIN_KEY) {
  const r = await fetch(SB_URL + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function until(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function screenshot(page, name) {
  if (!SB_SCREENSHOTS) return;
  mkdirSync(SB_SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SB_SCREENSHOTS}/${name}.png`, fullPage: true });
}

// Fills and submits the sign-in form; the caller waits for what follows.
export async function submitSignIn(page, email = null) {
  if (email) {
    await page.getByRole('tab', { name: 'Email and password' }).click();
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(PASSWORD);
  } else {
    await page.getByRole('tab', { name: 'Admin key' }).click();
    await page.locator('#admin-key').fill(SB_ADMIN_KEY);
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signInWithKey(page) {
  await submitSignIn(page);
  await page.locator('#sign-out').waitFor();
}

// Runs main(ctx) with a browser; ctx = {browser, newPage(contextOptions)}.
// Exits non-zero on a failure, a page error, or after 90 s.
export async function run(name, main) {
  let browser;
  const watchdog = setTimeout(async () => {
    console.error(`${name}: gave up after 90 s`);
    await browser?.close().catch(() => {});
    process.exit(3);
  }, 90_000);
  const pageErrors = [];
  try {
    browser = await chromium.launch({ executablePath: SB_CHROMIUM, headless: true, args: ['--no-sandbox'] });
    // options: a browser context's (viewport, colorScheme); 1280x800 unless given.
    const newPage = async (options = {}, ignore = /status of 40[03]/) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      // Console errors, except the 4xx answers a test provokes on purpose.
      page.on('console', (m) => {
        if (m.type() === 'error' && !ignore.test(m.text())) pageErrors.push(m.text());
      });
      return page;
    };
    await main({ browser, newPage });
    if (pageErrors.length) throw new Error(`script errors (a CSP violation would show here): ${pageErrors.join('\n')}`);
    console.log(`${name}: ok`);
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => {});
    clearTimeout(watchdog);
  }
}
