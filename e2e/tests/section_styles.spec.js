// The section's stylesheet in the real release build: every rule stays
// inside the section's root, the theme follows the colour scheme unless a
// shell sets one, and custom properties restyle the section.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { baseUrl, signIn } from './helpers.js';

// A company of its own, so that the other spec files find their company
// as they expect it.
const COMPANY = 'style-check';
const ROOT = '.secrets-root';
const distDir = process.env.SECRETS_DIST_DIR ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist');

/** Returns the selectors of every style rule of `cssText`, also those inside @media and @container rules. */
async function selectorsOf(page, cssText) {
  return page.evaluate((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    const selectors = [];
    const others = [];
    // Splits a selector list at the commas outside brackets, so that
    // `:is(strong, b)` stays one piece.
    const split = (list) => {
      const parts = [];
      let depth = 0;
      let start = 0;
      for (let index = 0; index < list.length; index += 1) {
        const character = list[index];
        if (character === '(' || character === '[') depth += 1;
        if (character === ')' || character === ']') depth -= 1;
        if (character === ',' && depth === 0) {
          parts.push(list.slice(start, index).trim());
          start = index + 1;
        }
      }
      parts.push(list.slice(start).trim());
      return parts;
    };
    const walk = (rules) => {
      for (const rule of rules) {
        if (rule instanceof CSSStyleRule) {
          selectors.push(...split(rule.selectorText));
        } else if (rule instanceof CSSMediaRule || rule instanceof CSSContainerRule) {
          walk(rule.cssRules);
        } else {
          others.push(rule.cssText);
        }
      }
    };
    walk(sheet.cssRules);
    return { selectors, others };
  }, cssText);
}

test('every selector stays inside the root', async ({ page }) => {
  await page.goto(`${baseUrl()}/companies/${COMPANY}/settings/secrets`);
  const response = await page.request.get(`${baseUrl()}/embed/secrets-section.css`);
  expect(response.status()).toBe(200);
  const cssText = await response.text();

  const { selectors, others } = await selectorsOf(page, cssText);
  expect(selectors.length).toBeGreaterThan(50);
  expect(selectors.filter((selector) => !selector.startsWith(ROOT))).toEqual([]);
  expect(others).toEqual([]);

  // The shells' copy is the stylesheet that index.html links.
  const linked = await page.locator('link[rel=stylesheet]').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  const sectionSheet = linked.find((href) => /\/section-[0-9a-f]+\.css$/.test(href));
  expect(sectionSheet).toBeDefined();
  expect(readFileSync(join(distDir, sectionSheet), 'utf8')).toBe(cssText);
});

test('theme follows the colour scheme', async ({ page }) => {
  await signIn(page, COMPANY);
  const root = page.locator(`section${ROOT}`);
  await expect(root).toHaveAttribute('data-theme', 'auto');

  await page.emulateMedia({ colorScheme: 'light' });
  await expect(root).toHaveCSS('background-color', 'rgb(255, 255, 255)');
  await expect(root).toHaveCSS('color', 'rgb(31, 35, 40)');

  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(root).toHaveCSS('background-color', 'rgb(13, 17, 23)');
  await expect(root).toHaveCSS('color', 'rgb(230, 237, 243)');
  // The standalone page's own background follows too.
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(13, 17, 23)');
});

test('data-theme overrides the colour scheme', async ({ page }) => {
  await signIn(page, COMPANY);
  const root = page.locator(`section${ROOT}`);

  await page.emulateMedia({ colorScheme: 'dark' });
  await root.evaluate((element) => element.setAttribute('data-theme', 'light'));
  await expect(root).toHaveCSS('background-color', 'rgb(255, 255, 255)');

  await page.emulateMedia({ colorScheme: 'light' });
  await root.evaluate((element) => element.setAttribute('data-theme', 'dark'));
  await expect(root).toHaveCSS('background-color', 'rgb(13, 17, 23)');
  await expect(page.locator('.secret-save')).toHaveCSS('background-color', 'rgb(31, 111, 235)');
});

test('custom properties restyle the section', async ({ page }) => {
  await signIn(page, COMPANY);
  await page.emulateMedia({ colorScheme: 'light' });

  // Set on an ancestor, as a shell's own stylesheet would.
  await page.evaluate(() => {
    const style = document.documentElement.style;
    style.setProperty('--secrets-color-accent', 'rgb(124, 58, 237)');
    style.setProperty('--secrets-font-family', 'serif');
    style.setProperty('--secrets-spacing', '0.5rem');
  });
  await expect(page.locator('.secret-save')).toHaveCSS('background-color', 'rgb(124, 58, 237)');
  await expect(page.locator(`section${ROOT}`)).toHaveCSS('font-family', 'serif');
  // The root's padding is four spacing units: 4 × 0.5rem = 32px.
  await expect(page.locator(`section${ROOT}`)).toHaveCSS('padding-top', '32px');
});
