// Member names and descriptions that look like HTML reach the page only as
// text: the login page and the section show them literally and insert no
// element of their own.
import { expect, test } from '@playwright/test';
import { addSecret, bearerToken, loginLink } from './helpers.js';

const COMPANY = 'hostile-text';
const MEMBER = '<img src=x id=injected-member onerror=window.__injected=1>';
const DESCRIPTION = '"><svg id=injected-description onload=window.__injected=2>';

test('HTML in member names and descriptions stays text', async ({ page }) => {
  const violations = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });

  // The member adds a secret whose description looks like markup.
  const token = bearerToken(COMPANY, MEMBER);
  addSecret(token, COMPANY, 'HOSTILE_TEXT', 'v', DESCRIPTION);

  // The login page names the member as text.
  await page.goto(loginLink(COMPANY, MEMBER));
  await expect(page.getByText(`as member ${MEMBER}`)).toBeVisible();
  expect(await page.locator('#injected-member').count()).toBe(0);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // The row and the activity list show both texts literally.
  const row = page.locator('.secret-row[data-key="HOSTILE_TEXT"]');
  await expect(row).toContainText(DESCRIPTION);
  await expect(row).toContainText(`by ${MEMBER}`);
  await expect(page.locator('.activity-event-member').first()).toHaveText(MEMBER);
  expect(await page.locator('#injected-member, #injected-description').count()).toBe(0);
  expect(await page.evaluate(() => window.__injected)).toBeUndefined();
  expect(violations).toEqual([]);
});
