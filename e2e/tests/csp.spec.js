// The content security policy against the real trunk release build: the
// section works under it without a single violation, and only the
// configured origin may show the section in a frame.
import { createServer } from 'node:http';
import { expect, test } from '@playwright/test';
import { baseUrl, loginLink, startServer } from './helpers.js';

// A company of its own, so that the other spec files find their company
// as they expect it.
const COMPANY = 'csp-check';
const SECTION_PATH = (company) => `/companies/${company}/settings/secrets`;

/**
 * Records every CSP violation and every console error or CSP message of the
 * page and its frames, in every document that the page loads.
 */
async function watchPolicy(page) {
  const violations = [];
  const consoleMessages = [];
  await page.exposeBinding('reportPolicyViolation', ({ frame }, violation) => {
    violations.push({ frame: frame.url(), ...violation });
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.reportPolicyViolation({
        directive: event.violatedDirective,
        blockedURI: event.blockedURI,
        sample: event.sample,
      });
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
      consoleMessages.push(`${message.type()}: ${message.text()}`);
    }
  });
  return { violations, consoleMessages };
}

/** Signs in through a login link and waits until the section has loaded its list. */
async function signIn(page, link, company) {
  await page.goto(link);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${SECTION_PATH(company)}$`));
  await expect(page.locator('.secrets-count')).toBeVisible();
}

/**
 * Starts a static server on a free port of 127.0.0.1 whose page shows, in
 * an iframe, the URL given in its `src` query parameter. It plays the
 * dashboard shell that embeds the section.
 */
function startShell() {
  const server = createServer((request, response) => {
    const source = new URL(request.url, 'http://shell').searchParams.get('src') ?? 'about:blank';
    const attribute = source.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>Shell</title><iframe src="${attribute}" title="Secrets section"></iframe>`);
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      done({ origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() });
    });
  });
}

test('section runs under the policy without violations', async ({ page }) => {
  const { violations, consoleMessages } = await watchPolicy(page);
  await signIn(page, loginLink(COMPANY, 'owner'), COMPANY);

  // The page that runs is the one the policy protects: script-src allows
  // the loader script by its hash and no inline script or eval().
  const response = await page.goto(`${baseUrl()}${SECTION_PATH(COMPANY)}`);
  const policy = response.headers()['content-security-policy'];
  expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'(;| )/);
  expect(policy).not.toContain("'unsafe-inline'");
  expect(policy).not.toContain("'unsafe-eval'");
  await expect(page.locator('.secrets-count')).toBeVisible();

  // Adding a secret works and the list shows it. Deleting it works too.
  await page.getByLabel('Key', { exact: true }).fill('CSP_CHECK_KEY');
  await page.getByLabel('Value', { exact: true }).fill('csp-check-value');
  await page.getByRole('button', { name: 'Save Secret' }).click();
  const row = page.locator('.secret-row[data-key="CSP_CHECK_KEY"]');
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Delete CSP_CHECK_KEY' }).click();
  await expect(row).toHaveCount(0);

  expect(violations).toEqual([]);
  expect(consoleMessages).toEqual([]);

  // The listener reports a violation when there is one: an inline script
  // that the page adds is blocked and reported.
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.injectedScriptRan = true;';
    document.head.append(script);
  });
  await expect.poll(() => violations.length).toBe(1);
  expect(violations[0].directive).toMatch(/^script-src/);
  expect(await page.evaluate(() => window.injectedScriptRan)).toBeUndefined();
});

test.describe('framing', () => {
  let allowedShell;
  let otherShell;
  let framedServer;

  test.beforeAll(async () => {
    allowedShell = await startShell();
    otherShell = await startShell();
    framedServer = await startServer(['--frame-ancestors', allowedShell.origin]);
  });

  test.afterAll(() => {
    framedServer?.stop();
    allowedShell?.close();
    otherShell?.close();
  });

  test('configured origin frames the section, another cannot', async ({ page }) => {
    const { violations, consoleMessages } = await watchPolicy(page);
    await signIn(page, framedServer.loginLink, 'acme');
    const sectionUrl = `${framedServer.baseUrl}${SECTION_PATH('acme')}`;

    // The configured shell shows the section, signed in.
    await page.goto(`${allowedShell.origin}/?src=${encodeURIComponent(sectionUrl)}`);
    const allowed = page.frameLocator('iframe');
    await expect(allowed.getByRole('heading', { name: 'Secrets' })).toBeVisible();
    await expect(allowed.locator('.secrets-count')).toBeVisible();
    expect(violations).toEqual([]);
    expect(consoleMessages).toEqual([]);

    // Another origin gets the browser's error page in the frame, and
    // Chromium reports the frame-ancestors directive that blocked it.
    const blockedMessage = page.waitForEvent('console', {
      predicate: (message) => message.text().includes('frame-ancestors'),
      timeout: 10_000,
    });
    await page.goto(`${otherShell.origin}/?src=${encodeURIComponent(sectionUrl)}`);
    expect((await blockedMessage).text()).toContain(`frame-ancestors ${allowedShell.origin}`);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame.url()).toBe('chrome-error://chromewebdata/');
    await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Secrets' })).toHaveCount(0);
  });

  test('default server lets no origin frame the section', async ({ page }) => {
    await signIn(page, loginLink(COMPANY, 'owner'), COMPANY);
    const sectionUrl = `${baseUrl()}${SECTION_PATH(COMPANY)}`;

    const blockedMessage = page.waitForEvent('console', {
      predicate: (message) => message.text().includes('frame-ancestors'),
      timeout: 10_000,
    });
    await page.goto(`${allowedShell.origin}/?src=${encodeURIComponent(sectionUrl)}`);
    expect((await blockedMessage).text()).toContain("frame-ancestors 'none'");
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame.url()).toBe('chrome-error://chromewebdata/');
    await expect(page.frameLocator('iframe').getByRole('heading', { name: 'Secrets' })).toHaveCount(0);
  });
});
