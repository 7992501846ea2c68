// One benchmark run of each kind on one page (the SPA or the vanilla
// baseline), in a Playwright browser context signed in as the member.
import { armKeystrokeProbe, armSaveProbe, installLoadProbe, readTimeline } from './probes.mjs';

/** Time that one page may take to load or react before the run fails. */
const STEP_TIMEOUT_MS = 30_000;

/** Part of the key rule message that a `-` in the key brings up. */
export const INVALID_KEY_MESSAGE = 'Use A-Z, 0-9, and underscores.';

/** Chromium's CDP performance metrics of a load, with their labels. Each is reported in milliseconds. */
const CDP_METRICS = {
  TaskDuration: 'main thread tasks',
  ScriptDuration: 'script',
  RecalcStyleDuration: 'style recalculation',
  LayoutDuration: 'layout',
};

/** A page under test: its name and the URL that shows a company. */
export class PageUnderTest {
  constructor(name, urlOf) {
    this.name = name;
    this.urlOf = urlOf;
  }
}

/**
 * Opens a new browser context with the member's session and the load probe
 * for `rowCount` rows, and returns it with a page and a CDP session.
 */
export async function openContext(browser, storageState, rowCount) {
  const context = await browser.newContext({ storageState });
  await context.addInitScript(installLoadProbe, { rowCount });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

/** Navigates to `url` and waits until the probe saw `condition`: 'painted' or 'rows'. */
async function navigate(page, url, condition) {
  await page.goto(url, { waitUntil: 'commit' });
  const field = condition === 'painted' ? 'paintedAt' : 'rowsAt';
  await page.waitForFunction((name) => window.__benchProbe?.[name] != null, field, { polling: 10 });
  return page.evaluate(readTimeline);
}

/**
 * Returns the named points of a load's timeline, in milliseconds since the
 * navigation started. The points run from the HTML received to the painted
 * frame after the page became interactive; the keys of the result name
 * each one.
 */
function loadPoints(timeline, listUrl) {
  const { probe, resources } = timeline;
  const ends = (predicate) => resources.filter(predicate).map((entry) => entry.responseEnd);
  const scriptEnds = ends((entry) => entry.initiatorType === 'script' || /\.js$/.test(new URL(entry.name).pathname));
  const wasm = resources.find((entry) => /\.wasm$/.test(new URL(entry.name).pathname));
  const list = resources.find((entry) => entry.name === listUrl);
  const listBody = probe.bodies.find((body) => body.url === listUrl);
  const instantiate = probe.wasm.find((call) => call.name.startsWith('instantiate'));
  return {
    'HTML received': timeline.navigationResponseEnd,
    'last script received': scriptEnds.length > 0 ? Math.max(...scriptEnds) : null,
    'wasm received': wasm?.responseEnd ?? null,
    'wasm instantiate called': instantiate?.start ?? null,
    'wasm compiled and instantiated': instantiate?.end ?? null,
    'list request sent': list?.startTime ?? null,
    'list response received': list?.responseEnd ?? null,
    'list body read': listBody?.end ?? null,
    'key input accepts text': probe.inputReadyAt,
    'rows in the DOM': probe.rowsAt,
    'interactive, next frame painted': probe.paintedAt,
  };
}

async function cdpMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const byName = Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
  return Object.fromEntries(Object.entries(CDP_METRICS).map(([name, label]) => [label, byName[name] * 1000]));
}

/**
 * Loads `url` in a new context with an empty HTTP cache (cold), then
 * navigates to it again in the same page (warm). Returns the time to
 * interactive of each, their timeline points, and the CDP metrics of the
 * cold load.
 */
export async function measureLoad(browser, storageState, url, listUrl, rowCount) {
  const { context, page, cdp } = await openContext(browser, storageState, rowCount);
  try {
    // A new context starts with an empty cache; clearing it as well makes
    // sure no earlier context shared one.
    await cdp.send('Network.enable');
    await cdp.send('Network.clearBrowserCache');
    await cdp.send('Performance.enable');

    const coldTimeline = await navigate(page, url, 'painted');
    const metrics = await cdpMetrics(cdp);
    const warmTimeline = await navigate(page, url, 'painted');
    return {
      cold: coldTimeline.probe.paintedAt,
      warm: warmTimeline.probe.paintedAt,
      coldPoints: loadPoints(coldTimeline, listUrl),
      warmPoints: loadPoints(warmTimeline, listUrl),
      metrics,
    };
  } finally {
    await context.close();
  }
}

/**
 * Navigates `page` to `url` and returns the time from the list response's
 * end (Resource Timing `responseEnd`) to the probe's `rowCount` rows, split
 * at the moment the page's read of the list body settled.
 */
export async function measureListRender(page, url, listUrl) {
  const timeline = await navigate(page, url, 'rows');
  const list = timeline.resources.find((entry) => entry.name === listUrl);
  const body = timeline.probe.bodies.find((read) => read.url === listUrl);
  if (!list || !body) throw new Error(`the list request ${listUrl} of ${url} has no Resource Timing entry or no body read`);
  return {
    total: timeline.probe.rowsAt - list.responseEnd,
    toBodyRead: body.end - list.responseEnd,
    afterBodyRead: timeline.probe.rowsAt - body.end,
  };
}

/** Waits until the page has loaded its list and the key input accepts text. */
export async function waitForSection(page) {
  await page.waitForFunction(() => {
    const counter = document.querySelector('.secrets-count');
    const input = document.getElementById('secret-key');
    return counter !== null && !counter.hidden && counter.textContent !== '' && input !== null && input.matches(':enabled') && !input.readOnly;
  }, null, { polling: 10 });
}

/**
 * Opens the section for the keystroke runs: loaded, the key field focused
 * and holding `A`, a valid key with no message.
 */
export async function prepareKeystrokes(page, url) {
  await page.goto(url);
  await waitForSection(page);
  await page.click('#secret-key');
  await page.fill('#secret-key', 'A');
  await waitForKeyMessage(page, '');
}

async function waitForKeyMessage(page, expected) {
  await page.waitForFunction(
    (text) => document.getElementById('secret-key-message')?.textContent === text,
    expected,
    { polling: 10 },
  );
}

/**
 * Types `-` after the valid key `A` and returns the times from the keydown
 * and from the input event to the rule message in the DOM (see
 * armKeystrokeProbe). Deletes the `-` afterwards and waits for the message
 * to go.
 */
export async function measureKeystroke(page) {
  await page.evaluate(armKeystrokeProbe, { expected: INVALID_KEY_MESSAGE });
  await page.keyboard.press('-');
  const times = await page.evaluate(() => window.__benchKeystroke);
  await page.keyboard.press('Backspace');
  await waitForKeyMessage(page, '');
  return times;
}

/**
 * Fills the form with `key` and `value`, clicks Save Secret and returns the
 * times from the click to the new row (see armSaveProbe). Waits until the
 * form is cleared for the next run.
 */
export async function measureSave(page, key, value, createUrl) {
  await page.fill('#secret-key', key);
  await page.fill('#secret-value', value);
  await page.waitForSelector('.secret-save:enabled');
  await page.evaluate(armSaveProbe, { key, createUrl });
  await page.click('.secret-save');
  const times = await page.evaluate(() => window.__benchSave);
  if (times.error !== undefined) {
    throw new Error(`saving ${key} failed on ${page.url()}: ${times.error}`);
  }
  await page.waitForFunction(() => {
    const input = document.getElementById('secret-key');
    return input.value === '' && !input.readOnly;
  }, null, { polling: 10 });
  return times;
}
