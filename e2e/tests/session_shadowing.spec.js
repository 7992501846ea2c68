// A page on another port of 127.0.0.1 is another origin but the same site,
// and cookies do not separate ports. Such a page can set a session cookie
// of its own with a longer Path, which the browser sends before the
// member's cookie. The member's section must not act as that other member.
import { createServer } from 'node:http';
import { expect, test } from '@playwright/test';
import { api, baseUrl, bearerToken, loginLink } from './helpers.js';

const VICTIM_COMPANY = 'shadow-victim';
const ATTACKER_COMPANY = 'shadow-attacker';

/** Signs in through a login link outside the browser and returns the session token. */
async function sessionToken(link) {
  const token = new URL(link).searchParams.get('token');
  const response = await fetch(`${baseUrl()}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
  return response.headers.get('set-cookie').match(/secrets_session=([0-9a-f]+)/)[1];
}

/** Serves, on a free port of 127.0.0.1, a page that sets `cookie` with a script. */
function startCookiePage(cookie) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>Other port</title><script>document.cookie = ${JSON.stringify(cookie)};</script>`);
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      done({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() });
    });
  });
}

test('cookie from another port does not replace the session', async ({ page }) => {
  const attackerToken = bearerToken(ATTACKER_COMPANY, 'mallory');
  const attackerSession = await sessionToken(loginLink(ATTACKER_COMPANY, 'mallory'));

  // The member signs in to their own company.
  await page.goto(loginLink(VICTIM_COMPANY, 'owner'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.secrets-count')).toBeVisible();

  // A page on another port sets the attacker's session for the API paths.
  const cookiePage = await startCookiePage(`secrets_session=${attackerSession}; path=/api/`);
  try {
    await page.goto(cookiePage.url);
  } finally {
    cookiePage.close();
  }

  // Then it sends the member to the attacker's company, where the member
  // saves a secret.
  await page.goto(`${baseUrl()}/companies/${ATTACKER_COMPANY}/settings/secrets`);
  await page.getByLabel('Key', { exact: true }).fill('SHADOWED_SAVE');
  await page.getByLabel('Value', { exact: true }).fill('member-value');
  await page.getByRole('button', { name: 'Save Secret' }).click();
  await expect(page.locator('#secret-form-error, .secret-row[data-key="SHADOWED_SAVE"]').first()).toBeVisible();

  // The attacker's company must not have received it.
  const listed = await api(attackerToken, 'GET', `/api/v1/companies/${ATTACKER_COMPANY}/secrets`);
  const keys = (await listed.json()).secrets.map((secret) => secret.key);
  expect(keys).not.toContain('SHADOWED_SAVE');
});
