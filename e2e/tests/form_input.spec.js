// The form and the import panel as owners use them: a real clipboard
// paste into the key field, the keyboard alone, .env text imported in one
// request, and an axe-core audit with the panel and its messages shown.
// Values reach a real task through `secrets run`.
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { addSecret, bearerToken, canary, signIn, valueInTask } from './helpers.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Returns the requests that delete a secret of `company`, as the page sends them. */
function recordDeletes(page, company) {
  const deletes = [];
  page.on('request', (request) => {
    if (request.method() === 'DELETE' && request.url().includes(`/api/v1/companies/${company}/secrets/`)) {
      deletes.push(request.url());
    }
  });
  return deletes;
}

/** Opens the import panel and fills it with `text`. */
async function fillImport(page, text) {
  const toggle = page.getByRole('button', { name: 'Import from .env' });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.locator('#secrets-import-text').fill(text);
}

test('DB_PASSWORD=value pasted into the key field is split', async ({ page, context }) => {
  const company = 'form-paste';
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, company);
  const value = `s3cr3tValue-${canary('paste')}`;

  // A real paste, from the system clipboard through Ctrl+V.
  await page.evaluate((text) => navigator.clipboard.writeText(text), `DB_PASSWORD=${value}`);
  await page.getByLabel('Key', { exact: true }).focus();
  await page.keyboard.press('Control+V');

  await expect(page.getByLabel('Key', { exact: true })).toHaveValue('DB_PASSWORD');
  await expect(page.locator('#secret-value')).toHaveValue(value);
  await expect(page.locator('#secret-key-note')).toContainText('split at the first = sign');
  await page.getByRole('button', { name: 'Save Secret' }).click();
  await expect(page.locator('.secret-row[data-key="DB_PASSWORD"]')).toBeVisible();
  expect(valueInTask(company, 'DB_PASSWORD')).toBe(value);
});

test('Enter in the key field saves and never deletes', async ({ page }) => {
  const company = 'form-enter';
  addSecret(bearerToken(company, 'script'), company, 'ROW_KEY', canary('row'));
  await signIn(page, company);
  const deletes = recordDeletes(page, company);

  // A row's Delete button had the focus before the key field.
  await page.getByRole('button', { name: 'Delete ROW_KEY' }).focus();
  await page.getByLabel('Key', { exact: true }).focus();
  await page.keyboard.type('new-key');
  await page.keyboard.press('Enter');
  await expect(page.locator('#secret-key-message')).toHaveText('Use A-Z, 0-9, and underscores. Must start with a letter.');
  await expect(page.locator('#secret-value-message')).toHaveText('Enter a value.');
  await expect(page.getByLabel('Key', { exact: true })).toBeFocused();

  // With valid fields, Enter in the description saves.
  await page.getByLabel('Key', { exact: true }).fill('NEW_KEY');
  await page.locator('#secret-value').fill('value typed');
  await page.getByLabel('Description', { exact: true }).focus();
  await page.keyboard.type('Typed with the keyboard');
  await page.keyboard.press('Enter');
  await expect(page.locator('.secret-row[data-key="NEW_KEY"]')).toBeVisible();

  // Ctrl+Enter in the value field saves too. Enter there is a line break.
  await page.getByLabel('Key', { exact: true }).fill('MULTI_LINE');
  await page.locator('#secret-value').focus();
  await page.keyboard.type('line 1');
  await page.keyboard.press('Enter');
  await page.keyboard.type('line 2');
  await page.keyboard.press('Control+Enter');
  await expect(page.locator('.secret-row[data-key="MULTI_LINE"]')).toBeVisible();
  expect(valueInTask(company, 'MULTI_LINE')).toBe('line 1\nline 2');

  await expect(page.locator('.secret-row[data-key="ROW_KEY"]')).toBeVisible();
  expect(deletes).toEqual([]);
});

test('keyboard reaches every action in order', async ({ page }) => {
  const company = 'form-tab-order';
  addSecret(bearerToken(company, 'script'), company, 'TAB_KEY', canary('tab'), 'A row');
  await signIn(page, company);

  // Walk the page with Tab from the top and record each stop.
  await page.locator('body').focus();
  const stops = [];
  for (let index = 0; index < 20; index += 1) {
    await page.keyboard.press('Tab');
    stops.push(
      await page.evaluate(() => {
        const element = document.activeElement;
        return element.getAttribute('aria-label') || element.id || element.textContent.trim();
      }),
    );
  }
  const order = ['Edit description of TAB_KEY', 'Delete TAB_KEY', 'secret-key', 'secret-value', 'secret-description', 'Import from .env'];
  const positions = order.map((stop) => stops.indexOf(stop));
  expect(positions.every((position) => position >= 0), `stops: ${stops.join(' | ')}`).toBe(true);
  expect([...positions].sort((left, right) => left - right)).toEqual(positions);
});

test('imported .env text reaches a task byte for byte', async ({ page }) => {
  const company = 'form-import';
  await signIn(page, company);
  const token = canary('import');
  const text = [
    '# Payments',
    `export STRIPE_API_KEY=${token}`,
    'DB_URL="postgres://app:p=ss@db.internal/app?sslmode=require" # primary',
    "GREETING='Grüße # not a comment'",
    'PEM="-----BEGIN KEY-----\\nMIIB\\n-----END KEY-----\\n"',
    "QUOTE=it's here",
    '',
  ].join('\n');

  await fillImport(page, text);
  await expect(page.locator('.secrets-import-row')).toHaveCount(5);
  await expect(page.locator('.secrets-import-summary')).toHaveText('5 secrets ready to import.');
  const importRequest = page.waitForRequest((request) => request.url().endsWith(`/api/v1/companies/${company}/secrets/import`));
  await page.getByRole('button', { name: 'Import 5 secrets' }).click();
  const sent = (await importRequest).postData();
  expect(sent).not.toContain(token);
  await expect(page.locator('.secret-row')).toHaveCount(5);
  await expect(page.locator('.secrets-notice')).toHaveText('5 secrets were imported.');

  expect(valueInTask(company, 'STRIPE_API_KEY')).toBe(token);
  expect(valueInTask(company, 'DB_URL')).toBe('postgres://app:p=ss@db.internal/app?sslmode=require');
  expect(valueInTask(company, 'GREETING')).toBe('Grüße # not a comment');
  expect(valueInTask(company, 'PEM')).toBe('-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n');
  expect(valueInTask(company, 'QUOTE')).toBe("it's here");
});

test('import with a 33 KB value saves nothing and names the line', async ({ page }) => {
  const company = 'form-import-large';
  await signIn(page, company);
  const text = ['export SMALL_KEY=ok', '# a comment', `LARGE_KEY=${'x'.repeat(33_000)}`, 'OTHER="a = b"'].join('\n');
  const imports = [];
  page.on('request', (request) => {
    if (request.url().endsWith('/secrets/import')) imports.push(request);
  });

  await fillImport(page, text);

  const largeRow = page.locator('.secrets-import-row[data-line="3"]');
  await expect(largeRow).toContainText('LARGE_KEY');
  await expect(largeRow).toContainText('32,768');
  await expect(page.locator('.secrets-import-row-invalid')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Import 3 secrets' })).toBeDisabled();
  await page.reload();
  await expect(page.locator('.secrets-count')).toHaveText('0 of 50');
  expect(imports).toEqual([]);
});

test('axe finds no violations with the import panel and messages', async ({ browser }) => {
  // Only this context bypasses the policy, which would block the injected
  // axe-core script.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  for (const colorScheme of ['light', 'dark']) {
    const company = `form-axe-${colorScheme}`;
    addSecret(bearerToken(company, 'script'), company, 'TOKEN', canary('axe'));
    await page.emulateMedia({ colorScheme });
    await signIn(page, company);

    // A value warning, the vague key hint and import rows with errors and warnings.
    await page.getByLabel('Key', { exact: true }).fill('PASSWORD');
    await page.locator('#secret-value').fill(' padded value ');
    await fillImport(page, 'TOKEN=again\nno equals sign\nSPACED=" x "\n');
    await expect(page.locator('.secrets-import-row-invalid')).toHaveCount(2);
    await expect(page.locator('#secret-value-warnings li')).toHaveCount(2);
    await expect(page.locator('#secret-description-vague')).not.toBeEmpty();

    await page.addScriptTag({ path: AXE_SCRIPT });
    const violations = await page.evaluate(async () => {
      const results = await window.axe.run('.secrets-root', { resultTypes: ['violations'] });
      return results.violations.map(
        (violation) => `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      );
    });
    expect(violations, colorScheme).toEqual([]);
  }
  await context.close();
});

test('import panel usable at 360 px wide', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await signIn(page, 'form-narrow');
  await fillImport(page, `A_VERY_LONG_KEY_NAME_THAT_DOES_NOT_FIT_ON_ONE_NARROW_LINE=${'v'.repeat(200)}\nbad line\n`);
  await expect(page.locator('.secrets-import-row')).toHaveCount(2);

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);
  const importButton = page.getByRole('button', { name: 'Import 1 secret' });
  await importButton.scrollIntoViewIfNeeded();
  await expect(importButton).toBeInViewport({ ratio: 1 });
  await context.close();
});
