// One owner's whole visit: log in through a link, add, list and delete
// secrets, and sign out, in the real SPA served by the real server.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import sodium from 'libsodium-wrappers';
import { addSecret, api, baseUrl, bearerToken, canary, loginLink, pageTraces, runClient, runnerToken, valueInTask } from './helpers.js';

const COMPANY = 'acme';
const SECTION_PATH = `/companies/${COMPANY}/settings/secrets`;

async function openSection(page) {
  // A login link opens a page that names the account; only its button
  // starts the session.
  await page.goto(loginLink(COMPANY, 'owner'));
  await expect(page.getByText(`company ${COMPANY} as member owner`)).toBeVisible();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(`${SECTION_PATH}$`));
  await expect(page.getByRole('heading', { name: 'Secrets' })).toBeVisible();
  // The counter appears once the list has loaded. Tests that change secrets
  // behind the page's back rely on the page having loaded the list before.
  await expect(page.locator('.secrets-count')).toBeVisible();
}

/** Pastes `text` into the value field the way a clipboard paste arrives. */
async function pasteValue(page, text) {
  await page.locator('#secret-value').evaluate((textarea, pasted) => {
    textarea.focus();
    const clipboard = new DataTransfer();
    clipboard.setData('text/plain', pasted);
    textarea.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }),
    );
  }, text);
}

/**
 * Serves the page a public key whose secret key the test holds, and makes
 * the create endpoint fail, so that the failure keeps every field as
 * typed. Returns a function that saves the form and returns the value the
 * page sealed, opened.
 */
async function interceptSealedValues(page) {
  await sodium.ready;
  const keyPair = sodium.crypto_box_keypair();
  await page.route(`**/api/v1/companies/${COMPANY}/public-key`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ key_id: 'test-key', public_key: sodium.to_base64(keyPair.publicKey, sodium.base64_variants.ORIGINAL) }),
    }),
  );
  await page.route(`**/api/v1/companies/${COMPANY}/secrets`, (route) =>
    route.request().method() === 'POST'
      ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"code":"internal","message":"Stubbed failure."}' })
      : route.fallback(),
  );
  return async () => {
    const createRequest = page.waitForRequest(
      (request) => request.method() === 'POST' && request.url().endsWith(`/api/v1/companies/${COMPANY}/secrets`),
    );
    await page.getByRole('button', { name: 'Save Secret' }).click();
    const { sealed_value: sealedValue, key_id: keyId } = (await createRequest).postDataJSON();
    await expect(page.locator('#secret-form-error')).not.toBeEmpty();
    expect(keyId).toBe('test-key');
    const sealed = sodium.from_base64(sealedValue, sodium.base64_variants.ORIGINAL);
    const opened = sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey);
    return new TextDecoder('utf-8', { fatal: true }).decode(opened);
  };
}

async function fillForm(page, { key, value, description = '' }) {
  const keyInput = page.getByLabel('Key', { exact: true });
  await keyInput.fill('');
  await keyInput.pressSequentially(key);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByLabel('Description', { exact: true }).fill(description);
}

test('owner adds, lists and deletes a secret', async ({ page }) => {
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const value = `${canary('ui')}\n-----END-----\n`;
  await openSection(page);
  await expect(page.locator('.secrets-empty')).toContainText('No secrets yet.');
  await expect(page.locator('.secrets-count')).toHaveText('0 of 50');

  // Lowercase typing is uppercased in the field.
  await fillForm(page, { key: 'stripe_api_key', value, description: 'For card payments' });
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('STRIPE_API_KEY');
  await page.getByRole('button', { name: 'Save Secret' }).click();

  const row = page.locator('.secret-row[data-key="STRIPE_API_KEY"]');
  await expect(row).toBeVisible();
  await expect(row).toContainText('For card payments');
  await expect(row).toContainText('owner');
  await expect(page.locator('.secrets-count')).toHaveText('1 of 50');
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Value', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Description', { exact: true })).toHaveValue('');

  // The value is nowhere in the page once it was saved.
  const secretPart = value.split('\n')[0];
  const traces = await pageTraces(page);
  for (const [place, text] of Object.entries(traces)) {
    expect(text, `value found in ${place}`).not.toContain(secretPart);
  }

  // The same key again: the form reports the duplicate and keeps the value.
  const secondValue = canary('again');
  await fillForm(page, { key: 'STRIPE_API_KEY', value: secondValue });
  await expect(page.locator('#secret-key-message')).toHaveText('A secret with this key already exists.');
  await expect(page.getByLabel('Value', { exact: true })).toHaveValue(secondValue);
  await expect(page.getByRole('button', { name: 'Save Secret' })).toBeDisabled();

  // Delete is immediate, and the empty state returns.
  await row.getByRole('button', { name: 'Delete STRIPE_API_KEY' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.locator('.secrets-empty')).toContainText('No secrets yet.');
  await expect(page.locator('.secrets-count')).toHaveText('0 of 50');

  // The server never wrote the value to its log.
  const serverLog = readFileSync(process.env.SECRETS_E2E_SERVER_LOG, 'utf8');
  expect(serverLog).not.toContain(secretPart);
  expect(serverLog).not.toContain(secondValue);

  // Nothing failed along the way, not even a missing icon.
  expect(consoleErrors).toEqual([]);
});

test('duplicate reported by the server keeps the typed value', async ({ page }) => {
  await openSection(page);
  const token = bearerToken(COMPANY, 'script');

  // Another client adds the key after the page loaded its list.
  addSecret(token, COMPANY, 'WEBHOOK_URL', canary('script'));

  const typedValue = canary('typed');
  await fillForm(page, { key: 'WEBHOOK_URL', value: typedValue, description: 'Orders webhook' });
  await page.getByRole('button', { name: 'Save Secret' }).click();

  await expect(page.locator('#secret-form-error')).toContainText('A secret with this key already exists.');
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('WEBHOOK_URL');
  await expect(page.getByLabel('Value', { exact: true })).toHaveValue(typedValue);
  await expect(page.getByLabel('Description', { exact: true })).toHaveValue('Orders webhook');

  const deleted = await api(token, 'DELETE', `/api/v1/companies/${COMPANY}/secrets/WEBHOOK_URL`);
  expect(deleted.status).toBe(204);
});

test('row deleted elsewhere disappears with a notice', async ({ page }) => {
  const token = bearerToken(COMPANY, 'script');
  addSecret(token, COMPANY, 'SHEET_ID', canary('sheet'), 'Monthly report spreadsheet');

  await openSection(page);
  const row = page.locator('.secret-row[data-key="SHEET_ID"]');
  await expect(row).toContainText('Monthly report spreadsheet');

  const deleted = await api(token, 'DELETE', `/api/v1/companies/${COMPANY}/secrets/SHEET_ID`);
  expect(deleted.status).toBe(204);

  await row.getByRole('button', { name: 'Delete SHEET_ID' }).click();
  await expect(row).toHaveCount(0);
  await expect(page.locator('.secrets-notice')).toContainText('SHEET_ID');
});

test('invalid key shows the rule as the owner types', async ({ page }) => {
  await openSection(page);
  await fillForm(page, { key: 'my-key', value: 'x' });
  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('MY-KEY');
  await expect(page.locator('#secret-key-message')).toHaveText(
    'Use A-Z, 0-9, and underscores. Must start with a letter.',
  );
  await expect(page.getByRole('button', { name: 'Save Secret' })).toBeDisabled();
});

test('section without a session asks for a login link', async ({ page }) => {
  await page.goto(`${process.env.SECRETS_E2E_BASE_URL}${SECTION_PATH}`);
  await expect(page.getByText(/login link/i).first()).toBeVisible();
});

test('pasted CRLF value is sent byte for byte', async ({ page }) => {
  await openSection(page);
  const secretPart = canary('crlf');
  const pasted = `${secretPart}\r\n-----END-----\r\n`;
  await page.getByLabel('Key', { exact: true }).pressSequentially('WINDOWS_PEM');
  // Browsers turn CR LF into LF inside a textarea, so the form must keep
  // the pasted text itself.
  await pasteValue(page, pasted);
  // Typing after the paste must keep the carriage returns too.
  await page.locator('#secret-value').press('End');
  await page.keyboard.type('x');

  const createRequest = page.waitForRequest(
    (request) => request.method() === 'POST' && request.url().endsWith(`/api/v1/companies/${COMPANY}/secrets`),
  );
  await page.getByRole('button', { name: 'Save Secret' }).click();
  const sent = (await createRequest).postData();
  expect(sent).not.toContain(secretPart);

  // The task receives every byte, carriage returns included.
  const row = page.locator('.secret-row[data-key="WINDOWS_PEM"]');
  await expect(row).toBeVisible();
  expect(valueInTask(COMPANY, 'WINDOWS_PEM')).toBe(`${pasted}x`);
  await row.getByRole('button', { name: 'Delete WINDOWS_PEM' }).click();
  await expect(row).toHaveCount(0);
});

test('focus moves to the next row after a keyboard delete', async ({ page }) => {
  const token = bearerToken(COMPANY, 'script');
  for (const key of ['FIRST_KEY', 'SECOND_KEY']) {
    addSecret(token, COMPANY, key, canary(key.toLowerCase()));
  }
  await openSection(page);

  await page.getByRole('button', { name: 'Delete FIRST_KEY' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.secret-row[data-key="FIRST_KEY"]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete SECOND_KEY' })).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(page.locator('.secret-row')).toHaveCount(0);
  await expect(page.getByLabel('Key', { exact: true })).toBeFocused();
});

test('keys typed beside pasted line breaks keep every byte', async ({ page }) => {
  await openSection(page);
  const sentValue = await interceptSealedValues(page);
  await page.getByLabel('Key', { exact: true }).pressSequentially('LINE_ENDINGS');
  const value = page.locator('#secret-value');

  // Each case: the pasted text, the caret in the text as the field shows it
  // (one character per line break), the key pressed, and the bytes expected.
  const cases = [
    ['a\r\nb', 1, 'Enter', 'a\n\r\nb'],
    ['A\r\n\nB', 1, 'Enter', 'A\n\r\n\nB'],
    ['A\r\n\nB', 2, 'Backspace', 'A\nB'],
    ['A\r\n\nB', 1, 'Delete', 'A\nB'],
    ['A\n\r\nB', 2, 'Backspace', 'A\r\nB'],
    ['A\r\nB', 3, 'x', 'A\r\nBx'],
  ];
  for (const [pasted, caret, key, expected] of cases) {
    await value.fill('');
    await pasteValue(page, pasted);
    await value.evaluate((textarea, position) => textarea.setSelectionRange(position, position), caret);
    await value.press(key);
    expect(await sentValue(), `${JSON.stringify(pasted)}, ${key} at ${caret}`).toBe(expected);
  }

  // Undo and redo of a pasted CR LF value restore the exact bytes.
  await value.fill('');
  await value.pressSequentially('hello');
  await pasteValue(page, 'X\r\nY');
  await value.press('Control+z');
  await expect(value).toHaveValue('hello');
  expect(await sentValue()).toBe('hello');
  await value.press('Control+Shift+z');
  await expect(value).toHaveValue('helloX\nY');
  expect(await sentValue()).toBe('helloX\r\nY');
});

test('undo after a save brings no value back', async ({ page }) => {
  await openSection(page);
  const typed = canary('undo');
  const value = page.locator('#secret-value');
  await page.getByLabel('Key', { exact: true }).pressSequentially('UNDO_CHECK');
  await value.pressSequentially(typed);
  await pasteValue(page, '\r\npasted line\r\n');
  await page.getByRole('button', { name: 'Save Secret' }).click();
  const row = page.locator('.secret-row[data-key="UNDO_CHECK"]');
  await expect(row).toBeVisible();
  await expect(value).toHaveValue('');

  // The saved value must not live on in the browser's undo history.
  await value.focus();
  for (const shortcut of ['Control+z', 'Control+z', 'Control+Shift+z', 'Control+y']) {
    await value.press(shortcut);
  }
  await page.locator('body').press('Control+z');
  await expect(value).toHaveValue('');
  const traces = await pageTraces(page);
  for (const [place, text] of Object.entries(traces)) {
    expect(text, `value found in ${place}`).not.toContain(typed);
  }

  await row.getByRole('button', { name: 'Delete UNDO_CHECK' }).click();
  await expect(row).toHaveCount(0);
});

test('activity lists added, updated and removed in order', async ({ page }) => {
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const value = canary('activity');
  await openSection(page);

  // Add, edit the description in the row, then delete.
  await fillForm(page, { key: 'ACTIVITY_KEY', value, description: 'First note' });
  await page.getByRole('button', { name: 'Save Secret' }).click();
  const row = page.locator('.secret-row[data-key="ACTIVITY_KEY"]');
  await expect(row).toContainText('First note');

  await row.getByRole('button', { name: 'Edit description of ACTIVITY_KEY' }).click();
  const editor = row.locator('.description-editor-input');
  await expect(editor).toHaveValue('First note');
  await editor.fill('Second note');
  await editor.press('Enter');
  await expect(row.locator('.secret-row-description')).toHaveText('Second note');
  await expect(row.getByRole('button', { name: 'Edit description of ACTIVITY_KEY' })).toBeFocused();

  await row.getByRole('button', { name: 'Delete ACTIVITY_KEY' }).click();
  await expect(row).toHaveCount(0);

  // The newest events come first; other tests' events come after them.
  const events = page.locator('.activity-event[data-key="ACTIVITY_KEY"]');
  await expect(events).toHaveCount(3);
  const actions = await events.evaluateAll((items) => items.map((item) => item.dataset.action));
  expect(actions).toEqual(['removed', 'updated', 'added']);
  await expect(events.nth(0)).toContainText('owner');
  await expect(page.locator('.activity-event').first()).toHaveAttribute('data-key', 'ACTIVITY_KEY');

  // The server's record agrees, and no event or page contains the value.
  const token = bearerToken(COMPANY, 'script');
  const response = await api(token, 'GET', `/api/v1/companies/${COMPANY}/activity?limit=3`);
  const page1 = await response.json();
  expect(page1.events.map((event) => `${event.action}:${event.key}`)).toEqual([
    'removed:ACTIVITY_KEY',
    'updated:ACTIVITY_KEY',
    'added:ACTIVITY_KEY',
  ]);
  expect(JSON.stringify(page1)).not.toContain(value);
  const traces = await pageTraces(page);
  for (const [place, text] of Object.entries(traces)) {
    expect(text, `value found in ${place}`).not.toContain(value);
  }
  expect(consoleErrors).toEqual([]);
});

test('sign out ends the session for every copy of the cookie', async ({ page }) => {
  await openSection(page);
  const sessionCookies = (await page.context().cookies()).filter((cookie) => cookie.name === 'secrets_session');
  expect(sessionCookies).toHaveLength(1);
  const secretsUrl = `${baseUrl()}/api/v1/companies/${COMPANY}/secrets`;
  // The cookie's value sent from outside the browser, like a stolen copy
  // that signing out cannot clear.
  const withOldCookie = () => fetch(secretsUrl, { headers: { cookie: `secrets_session=${sessionCookies[0].value}` } });
  expect((await withOldCookie()).status).toBe(200);

  const sessionResponses = [];
  page.on('response', (response) => {
    if (response.url() === `${baseUrl()}/api/v1/session`) {
      sessionResponses.push(`${response.request().method()} ${response.status()}`);
    }
  });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await expect(page.getByRole('status')).toHaveText('You are signed out. Open a new login link to sign in again.');
  expect(sessionResponses).toEqual(['DELETE 204']);
  await expect(page.getByRole('button', { name: 'Sign out' })).toHaveCount(0);
  await expect(page.locator('.secret-form, .secrets-empty, .secret-row, .activity, .secrets-count')).toHaveCount(0);

  // The browser dropped the cookie, and the server no longer accepts it.
  const cookieNames = (await page.context().cookies()).map((cookie) => cookie.name);
  expect(cookieNames).not.toContain('secrets_session');
  expect((await page.request.get(secretsUrl)).status()).toBe(401);
  expect((await withOldCookie()).status).toBe(401);

  await page.reload();
  await expect(page.getByText(/login link/i).first()).toBeVisible();
  await expect(page.locator('.secrets-load-error').first()).toContainText('Your session has ended.');
});

test('task gets form value, row shows last use', async ({ page }) => {
  await openSection(page);
  const secretPart = canary('task');
  const value = `-----BEGIN KEY-----\n  ${secretPart}\nGrüße 日本\n-----END KEY-----\n`;
  await fillForm(page, { key: 'DEPLOY_KEY', value, description: 'Deploys to production' });
  const createRequest = page.waitForRequest(
    (request) => request.method() === 'POST' && request.url().endsWith(`/api/v1/companies/${COMPANY}/secrets`),
  );
  await page.getByRole('button', { name: 'Save Secret' }).click();

  // The browser sent only a sealed box, never the plaintext.
  const sent = (await createRequest).postDataJSON();
  expect(Object.keys(sent).sort()).toEqual(['description', 'key', 'key_id', 'sealed_value']);
  expect(JSON.stringify(sent)).not.toContain(secretPart);
  const row = page.locator('.secret-row[data-key="DEPLOY_KEY"]');
  await expect(row).toContainText('Never used');

  // A task gets the value byte for byte, and its output is masked.
  expect(valueInTask(COMPANY, 'DEPLOY_KEY')).toBe(value);
  const printed = runClient(['run', '--company', COMPANY, '--', 'sh', '-c', 'printf "%s" "$DEPLOY_KEY"'], {
    env: { SECRETS_RUNNER_TOKEN: runnerToken(COMPANY) },
  }).toString('utf8');
  expect(printed).not.toContain(secretPart);

  // The list shows the use after a reload; the value is still nowhere.
  await page.reload();
  await expect(row).toContainText('Last used');
  const traces = await pageTraces(page);
  for (const [place, text] of Object.entries(traces)) {
    expect(text, `value found in ${place}`).not.toContain(secretPart);
  }
  await row.getByRole('button', { name: 'Delete DEPLOY_KEY' }).click();
  await expect(row).toHaveCount(0);
});
