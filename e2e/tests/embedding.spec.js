// The section inside a dashboard shell: the demo shell page at /demo/,
// whose stylesheet styles bare elements, mounts it through the JavaScript
// entry embed/secrets-section.js with the session cookie of the same
// origin. A page served by the test plays a shell that mounts the routed
// app below a base path.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { addSecret, baseUrl, bearerToken, computedStyles, signIn } from './helpers.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots');

/** The shell's own elements, which must look the same with the section mounted. */
const SHELL_ELEMENTS = [
  'html',
  'body',
  '.shell-header',
  '.shell-brand',
  '.shell-nav ul',
  '.shell-nav li',
  '.shell-nav a',
  '.shell-nav a[aria-current=page]',
  '.shell-content',
  '.shell-content > h2',
  '.shell-content > p',
  '.shell-controls label',
  '#shell-company',
  '#shell-theme',
  '#shell-mount',
];

/** Elements of the section, which must look the same in the shell as on the standalone page. */
const SECTION_ELEMENTS = [
  'section.secrets-root',
  '.secrets-header h2',
  '.secrets-count',
  '.secrets-intro',
  '.secret-list',
  '.secret-row',
  '.secret-row-key',
  '.secret-row-description',
  '.secret-row-delete',
  '.secret-form',
  '.secret-form-title',
  '.secret-field label',
  '#secret-key',
  '#secret-value',
  '.secret-save',
  '.activity-title',
];

/** Adds secrets to `company` through the `secrets` client, so that the list has rows. */
function seedSecrets(company, secrets) {
  const token = bearerToken(company, 'owner');
  for (const [key, description] of secrets) {
    addSecret(token, company, key, `value of ${key}`, description);
  }
}

/** Opens the demo shell, mounts the section of `company` with `theme` and waits for its list. */
async function mountInShell(page, company, theme = 'auto') {
  await page.goto(`${baseUrl()}/demo/`);
  await page.locator('#shell-company').fill(company);
  await page.locator('#shell-theme').selectOption(theme);
  await page.locator('#shell-mount').click();
  await expect(page.locator('#secrets-host .secrets-count')).toBeVisible();
}

/** Returns the axe-core violations inside the section, one line each. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_SCRIPT });
  return page.evaluate(async () => {
    const results = await window.axe.run('.secrets-root', { resultTypes: ['violations'] });
    return results.violations.map(
      (violation) => `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  });
}

test('shell keeps its styles and the section its own', async ({ page }) => {
  const company = 'embed-styles';
  seedSecrets(company, [['STYLE_KEY', 'For the style comparison']]);
  await signIn(page, company);
  await page.emulateMedia({ colorScheme: 'light' });
  const standalone = await computedStyles(page, SECTION_ELEMENTS);

  // The shell before the section exists: its stylesheet alone.
  await page.goto(`${baseUrl()}/demo/`);
  await page.locator('link[href$="embed/secrets-section.css"]').evaluate((link) => {
    link.disabled = true;
  });
  const shellAlone = await computedStyles(page, SHELL_ELEMENTS);
  await page.locator('link[href$="embed/secrets-section.css"]').evaluate((link) => {
    link.disabled = false;
  });

  await page.locator('#shell-company').fill(company);
  await page.locator('#shell-mount').click();
  await expect(page.locator('.secret-row[data-key=STYLE_KEY]')).toBeVisible();
  // Clicking left the pointer and the focus on the shell's button, whose
  // :hover and :focus styles differ from the measurement above.
  await page.mouse.move(0, 0);
  await page.locator('#shell-mount').blur();

  expect(await computedStyles(page, SHELL_ELEMENTS)).toEqual(shellAlone);
  expect(await computedStyles(page, SECTION_ELEMENTS)).toEqual(standalone);

  // Spot checks of what the shell's bare-element rules would change.
  await expect(page.locator('.secret-save')).toHaveCSS('background-color', 'rgb(11, 99, 206)');
  await expect(page.locator('#shell-mount')).toHaveCSS('background-color', 'rgb(240, 171, 252)');
  await expect(page.locator('.secrets-header h2')).toHaveCSS('text-transform', 'none');
  await expect(page.locator('.secret-row-delete')).toHaveCSS('border-top-left-radius', '6px');

  // A hovered section button keeps the section's hover colour.
  await page.locator('.secret-row-delete').hover();
  await expect(page.locator('.secret-row-delete')).not.toHaveCSS('background-color', 'rgb(232, 121, 249)');
});

test('owner adds and deletes a secret in the shell', async ({ page }) => {
  const company = 'embed-shell';
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await signIn(page, company);

  await page.goto(`${baseUrl()}/demo/?company=${company}`);
  const host = page.locator('#secrets-host');
  await expect(host.locator('.secrets-count')).toHaveText('0 of 50');
  // The shell owns sign-in and sign-out.
  await expect(host.getByRole('button', { name: 'Sign out' })).toHaveCount(0);

  await host.getByLabel('Key', { exact: true }).fill('SHELL_KEY');
  await host.getByLabel('Value', { exact: true }).fill('shell value');
  await host.getByRole('button', { name: 'Save Secret' }).click();
  await expect(host.locator('.secret-row[data-key=SHELL_KEY]')).toBeVisible();
  await expect(host.locator('.secrets-count')).toHaveText('1 of 50');

  await host.locator('.secret-row[data-key=SHELL_KEY]').getByRole('button', { name: 'Delete' }).click();
  await expect(host.locator('.secret-row[data-key=SHELL_KEY]')).toHaveCount(0);
  await expect(host.locator('.secrets-count')).toHaveText('0 of 50');
  expect(errors).toEqual([]);
});

test('unmount removes every node, mount again works', async ({ page }) => {
  const company = 'embed-remount';
  seedSecrets(company, [['REMOUNT_KEY', '']]);
  await signIn(page, company);
  await mountInShell(page, company);
  await page.locator('#secret-key').fill('TYPED_KEY');

  await page.locator('#shell-unmount').click();
  await expect(page.locator('#shell-status')).toHaveText('Unmounted the Secrets section.');
  expect(await page.locator('#secrets-host').evaluate((host) => host.childNodes.length)).toBe(0);
  expect(await page.locator('.secrets-root').count()).toBe(0);

  await page.locator('#shell-mount').click();
  await expect(page.locator('.secret-row[data-key=REMOUNT_KEY]')).toBeVisible();
  await expect(page.locator('#secret-key')).toHaveValue('');
  expect(await page.locator('.secrets-root').count()).toBe(1);

  // "Mount again" replaces the section instead of adding a second one.
  await expect(page.locator('#shell-mount')).toHaveText('Mount again');
  await page.locator('#shell-mount').click();
  await expect(page.locator('.secret-row[data-key=REMOUNT_KEY]')).toBeVisible();
  expect(await page.locator('.secrets-root').count()).toBe(1);
});

test('theme option and switch override the colour scheme', async ({ page }) => {
  const company = 'embed-theme';
  await signIn(page, company);
  await page.emulateMedia({ colorScheme: 'light' });
  await mountInShell(page, company, 'dark');
  const root = page.locator('#secrets-host .secrets-root');
  await expect(root).toHaveAttribute('data-theme', 'dark');
  await expect(root).toHaveCSS('background-color', 'rgb(13, 17, 23)');
  await page.locator('#secret-key').fill('KEPT_KEY');

  // The switch changes the theme in place, so the typed key stays.
  await page.locator('#shell-theme').selectOption('light');
  await expect(root).toHaveAttribute('data-theme', 'light');
  await expect(root).toHaveCSS('background-color', 'rgb(255, 255, 255)');
  await expect(page.locator('#secret-key')).toHaveValue('KEPT_KEY');

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('#shell-theme').selectOption('auto');
  await expect(root).toHaveCSS('background-color', 'rgb(13, 17, 23)');
});

test('mount rejects an invalid company with a message', async ({ page }) => {
  await page.goto(`${baseUrl()}/demo/`);
  await page.locator('#shell-company').fill('Not A Company');
  await page.locator('#shell-mount').click();
  await expect(page.locator('#shell-status')).toHaveText(/^Invalid option company: expected a company ID/);
  expect(await page.locator('.secrets-root').count()).toBe(0);
});

test('base path mount takes the company from the path', async ({ page }) => {
  const company = 'embed-base-path';
  seedSecrets(company, [['PATH_KEY', 'Found through the path']]);
  await signIn(page, company);

  // A shell whose pages live below /dashboard, with a link of its own.
  // Its content area is a flex item that takes the width of its content.
  const shellPage = `<!doctype html><html lang="en"><title>Path shell</title>
<link rel="stylesheet" href="/embed/secrets-section.css">
<style>body { display: flex; gap: 1rem; }</style>
<nav><a id="overview" href="/dashboard/overview">Overview</a></nav>
<main id="host"></main>
<script type="module">
import { mount } from '/embed/secrets-section.js';
window.section = mount(document.getElementById('host'), { basePath: '/dashboard' });
</script></html>`;
  await page.route('**/dashboard/**', (route) => route.fulfill({ contentType: 'text/html', body: shellPage }));

  await page.goto(`${baseUrl()}/dashboard/companies/${company}/settings/secrets`);
  await expect(page.locator('.secret-row[data-key=PATH_KEY]')).toBeVisible();
  // The section sizes to its content in such a layout and does not collapse.
  expect((await page.locator('.secrets-root').boundingBox()).width).toBeGreaterThan(400);

  // The shell's link loads its page as usual: the section does not handle
  // clicks on links outside it.
  await page.evaluate(() => {
    window.beforeClick = true;
  });
  await page.locator('#overview').click();
  await expect(page).toHaveURL(`${baseUrl()}/dashboard/overview`);
  await expect(page.locator('.secrets-app-message')).toContainText(
    'The Secrets section is at /dashboard/companies/COMPANY/settings/secrets',
  );
  expect(await page.evaluate(() => window.beforeClick)).toBeUndefined();
});

test('axe finds no violations in either theme', async ({ browser }) => {
  // Only this context bypasses the policy, which would block the injected
  // axe-core script.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();

  for (const colorScheme of ['light', 'dark']) {
    // A new company for each theme, so that its list starts empty.
    const company = `embed-axe-${colorScheme}`;
    await signIn(page, company);
    await page.emulateMedia({ colorScheme });

    await mountInShell(page, company);
    await expect(page.locator('.secrets-empty')).toBeVisible();
    expect(await axeViolations(page), `${colorScheme}, empty`).toEqual([]);

    seedSecrets(company, [[`AXE_${colorScheme.toUpperCase()}_KEY`, 'A row for the audit']]);
    await mountInShell(page, company);
    await expect(page.locator('.secret-row')).not.toHaveCount(0);
    // Field messages: an invalid key, and a value left empty.
    await page.locator('#secret-key').fill('my-key');
    await page.locator('#secret-value').focus();
    await page.locator('#secret-key').focus();
    await expect(page.locator('.secret-field-message').first()).not.toBeEmpty();
    expect(await axeViolations(page), `${colorScheme}, with rows and messages`).toEqual([]);
  }
  await context.close();
});

/**
 * Replaces the times in the list and activity responses for `company`
 * with fixed ones, so that the screenshots change only when the section's
 * look does.
 */
async function pinTimes(page, company) {
  const pinned = '2025-12-04T21:22:00Z';
  const rewrite = (path, edit) =>
    page.route(`**/api/v1/companies/${company}/${path}`, async (route) => {
      if (route.request().method() !== 'GET') return route.fallback();
      const response = await route.fetch();
      const body = await response.json();
      edit(body);
      return route.fulfill({ response, json: body });
    });
  await rewrite('secrets', (body) => {
    for (const secret of body.secrets) secret.created_at = pinned;
  });
  await rewrite('activity*', (body) => {
    for (const event of body.events) event.occurred_at = pinned;
  });
}

test('screenshots of both themes', async ({ page }) => {
  const company = 'embed-screens';
  seedSecrets(company, [
    ['SENDGRID_API_KEY', 'For transactional e-mails to customers'],
    ['STRIPE_API_KEY', 'For card payments'],
  ]);
  await page.setViewportSize({ width: 900, height: 1200 });
  await signIn(page, company);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await pinTimes(page, company);

  await mountInShell(page, company, 'light');
  const section = page.locator('#secrets-host .secrets-root');
  await expect(page.locator('.activity-event')).toHaveCount(2);
  await section.screenshot({ path: join(SCREENSHOT_DIR, 'section-light.png'), animations: 'disabled' });

  await page.locator('#shell-theme').selectOption('dark');
  await expect(section).toHaveCSS('background-color', 'rgb(13, 17, 23)');
  await page.locator('#shell-theme').blur();
  await section.screenshot({ path: join(SCREENSHOT_DIR, 'section-dark.png'), animations: 'disabled' });
});

// A 640 px wide viewport at device scale factor 2 is what a 1280 px wide
// window shows at 200% zoom.
for (const { name, viewport, deviceScaleFactor } of [
  { name: '360 px wide', viewport: { width: 360, height: 800 }, deviceScaleFactor: 1 },
  { name: '200% zoom', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
]) {
  test(`section usable at ${name}`, async ({ browser }) => {
    const company = `embed-narrow-${viewport.width}`;
    seedSecrets(company, [['WIDE_DESCRIPTION_KEY', 'A description long enough to wrap over several lines on a phone']]);
    const context = await browser.newContext({ viewport, deviceScaleFactor });
    const page = await context.newPage();
    await signIn(page, company);
    await mountInShell(page, company);

    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      section: document.querySelector('.secrets-root').scrollWidth - document.querySelector('.secrets-root').clientWidth,
    }));
    expect(overflow).toEqual({ page: 0, section: 0 });

    // Every control lies inside the viewport's width.
    const outside = await page.locator('.secrets-root :is(button, input, textarea)').evaluateAll((controls) =>
      controls
        .filter((control) => {
          const box = control.getBoundingClientRect();
          return box.width === 0 || box.left < 0 || box.right > document.documentElement.clientWidth;
        })
        .map((control) => control.outerHTML.slice(0, 80)),
    );
    expect(outside).toEqual([]);

    await page.getByLabel('Key', { exact: true }).fill('NARROW_KEY');
    await page.getByLabel('Value', { exact: true }).fill('narrow value');
    await page.getByRole('button', { name: 'Save Secret' }).click();
    const row = page.locator('.secret-row[data-key=NARROW_KEY]');
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect(row).toHaveCount(0);
    await context.close();
  });
}
