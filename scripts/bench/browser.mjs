#!/usr/bin/env node
// Browser benchmarks of the SPA beside the hand-written vanilla page in
// bench/vanilla/, in the same run and the same headless Chromium, against
// a real secrets-server on 127.0.0.1 that this script starts and stops.
//
//   scripts/install.sh --tests   # e2e packages, including tweetnacl and blakejs
//   cargo build --release -p secrets-server -p secrets-client
//   (source scripts/env.sh && trunk build --release --dist /tmp/bench-dist)
//   node scripts/bench/browser.mjs --server-bin target/release/secrets-server \
//     --client-bin target/release/secrets --dist /tmp/bench-dist [--runs 20] \
//     [--interaction-runs 50]
//
// Cold loads open a new browser context, whose HTTP cache starts empty, and
// warm loads navigate to the same URL again in that context's page. The
// pages take turns within each run.
// Prints one table of medians and 95th percentiles (nearest rank), the
// timeline of the loads, Chromium's main-thread metrics of the cold loads,
// and the transfer sizes of both pages. Times are in milliseconds.
import { rmSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { prepareDist, transferSizes, VANILLA_PATH } from './dist.mjs';
import {
  measureKeystroke, measureListRender, measureLoad, measureSave, openContext, PageUnderTest, prepareKeystrokes,
  waitForSection,
} from './measure.mjs';
import { Seeder, startServer } from './server.mjs';
import { traceColdLoad } from './trace.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const e2eDir = join(root, 'e2e');
const { chromium } = createRequire(join(e2eDir, 'package.json'))('@playwright/test');

/** Chromium flags of e2e/playwright.config.js, which keep Chromium off the network, and --headless. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/** Companies: 49 secrets for loads and keystrokes (a 50th would disable the form), 50 for the list. */
const LOAD_COMPANY = 'bench-load';
const LOAD_ROWS = 49;
const LIST_COMPANY = 'bench-list';
const LIST_ROWS = 50;
const SAVE_COMPANIES = { SPA: 'bench-save-spa', vanilla: 'bench-save-vanilla' };
/** Rows at which a save page is emptied and reloaded, below the company limit of 50. */
const SAVE_RESET_ROWS = 40;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'server-bin': { type: 'string' },
      'client-bin': { type: 'string' },
      dist: { type: 'string' },
      runs: { type: 'string', default: '20' },
      'interaction-runs': { type: 'string', default: '50' },
      'trace-runs': { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  const usage =
    'Usage: node scripts/bench/browser.mjs --server-bin PATH --client-bin PATH --dist DIR [--runs N] [--interaction-runs N]\n' +
    '  --server-bin        secrets-server binary (a release build for real figures)\n' +
    '  --client-bin        secrets client binary, used to seed and to read values in a task\n' +
    '  --dist              the SPA built by trunk, such as /tmp/bench-dist\n' +
    '  --runs              cold and warm loads of each page (default 20)\n' +
    '  --interaction-runs  keystroke, list and save runs of each page (default 50)\n' +
    '  --trace-runs        traced cold loads of each page (default 5)';
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  for (const name of ['server-bin', 'client-bin', 'dist']) {
    if (!values[name]) {
      console.error(`--${name} is missing.\n${usage}`);
      process.exit(2);
    }
  }
  const count = (name) => {
    const number = Number(values[name]);
    if (!Number.isInteger(number) || number < 1) {
      console.error(`--${name} must be a positive integer, not ${JSON.stringify(values[name])}.`);
      process.exit(2);
    }
    return number;
  };
  return {
    serverBin: resolve(values['server-bin']),
    clientBin: resolve(values['client-bin']),
    dist: resolve(values.dist),
    runs: count('runs'),
    interactionRuns: count('interaction-runs'),
    traceRuns: count('trace-runs'),
  };
}

// ---- Statistics and output ----

function median(samples) {
  return percentile(samples, 50);
}

/** Returns the nearest-rank percentile of `samples`, or NaN for none. */
function percentile(samples, rank) {
  const values = samples.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (values.length === 0) return NaN;
  return values[Math.max(0, Math.ceil((rank / 100) * values.length) - 1)];
}

function loadAverage() {
  return os.loadavg()[0].toFixed(2);
}

const format = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function printTable(rows) {
  const header = ['metric', 'runs', 'SPA median', 'SPA p95', 'vanilla median', 'vanilla p95', 'SPA/vanilla', 'load avg'];
  const lines = rows.map(({ metric, spa, vanilla, load }) => {
    const ratio = median(spa) / median(vanilla);
    return [metric, String(Math.min(spa.length, vanilla.length)), format(median(spa)), format(percentile(spa, 95)),
      format(median(vanilla)), format(percentile(vanilla, 95)), `${format(ratio)}x`, load];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const render = (cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  console.log(render(header));
  for (const line of lines) console.log(render(line));
}

/**
 * Prints, for each name in the records, the median over the runs of both
 * pages. `spaRecords` and `vanillaRecords` hold one record per run.
 */
function printMedians(title, spaRecords, vanillaRecords) {
  console.log(`\n${title}`);
  const names = Object.keys(spaRecords[0]);
  const width = Math.max(...names.map((name) => name.length));
  console.log(`${''.padEnd(width)}  ${'SPA'.padStart(8)}  ${'vanilla'.padStart(8)}`);
  for (const name of names) {
    const spa = median(spaRecords.map((record) => record[name]));
    const vanilla = median(vanillaRecords.map((record) => record[name]));
    console.log(`${name.padEnd(width)}  ${format(spa, 1).padStart(8)}  ${format(vanilla, 1).padStart(8)}`);
  }
}

/**
 * Returns the steps of one load in milliseconds, from its timeline points.
 * A step that the page does not have (wasm in the vanilla page) is null.
 */
function loadSteps(points) {
  const span = (from, to) => (from === null || to === null ? null : to - from);
  const assets = Math.max(points['last script received'] ?? 0, points['wasm received'] ?? 0);
  const appStart = points['wasm compiled and instantiated'] ?? points['last script received'];
  const ready = Math.max(points['rows in the DOM'], points['key input accepts text']);
  return {
    'navigation to HTML received': points['HTML received'],
    'HTML to scripts and wasm received': span(points['HTML received'], assets),
    'to the wasm instantiate call': span(points['wasm received'] === null ? null : assets, points['wasm instantiate called']),
    'wasm compile and instantiate': span(points['wasm instantiate called'], points['wasm compiled and instantiated']),
    'app start to list request': span(points['wasm received'] === null ? assets : appStart, points['list request sent']),
    'list request': span(points['list request sent'], points['list response received']),
    'list response to body read': span(points['list response received'], points['list body read']),
    'list body read to rows in the DOM': span(points['list body read'], points['rows in the DOM']),
    'rows and input ready to painted frame': span(ready, points['interactive, next frame painted']),
  };
}

function printSizes(sizes) {
  const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  for (const [title, files] of [['SPA (index.html and the top-level js, wasm and css of the build)', sizes.spa], ['vanilla page', sizes.vanilla]]) {
    console.log(`\nTransfer size, ${title}: raw, gzip -9, brotli -q 11`);
    const width = Math.max(...files.map((file) => file.name.length), 'total'.length);
    const total = { name: 'total', raw: 0, gzip: 0, brotli: 0 };
    for (const file of files) {
      for (const kind of ['raw', 'gzip', 'brotli']) total[kind] += file[kind];
    }
    for (const file of [...files, total]) {
      console.log(`${file.name.padEnd(width)}  ${kib(file.raw).padStart(10)}  ${kib(file.gzip).padStart(10)}  ${kib(file.brotli).padStart(10)}`);
    }
  }
}

// ---- Setup ----

/** Seeds the companies: the load and list companies' secrets and empty save companies. */
function seed(seeder) {
  seeder.createCompanies([LOAD_COMPANY, LIST_COMPANY, ...Object.values(SAVE_COMPANIES)]);
  for (const [company, count] of [[LOAD_COMPANY, LOAD_ROWS], [LIST_COMPANY, LIST_ROWS]]) {
    for (let index = 1; index <= count; index += 1) {
      const number = String(index).padStart(2, '0');
      seeder.addSecret(company, `BENCH_SECRET_${number}`, `bench-value-${number}-${'x'.repeat(24)}`, `Benchmark secret ${number} of ${company}`);
    }
  }
}

/** Signs the member in through a login link and returns the browser storage with the session cookie. */
async function signIn(browser, seeder) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(seeder.loginLink(LOAD_COMPANY));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/settings\/secrets$/);
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** Returns the pages in the order of run `index`, so that neither always goes first. */
function inTurn(pages, index) {
  return index % 2 === 0 ? pages : [...pages].reverse();
}

// ---- Phases ----

async function runLoads(browser, storageState, pages, secretsUrl, runs) {
  const results = Object.fromEntries(pages.map((page) => [page.name, []]));
  for (let index = 0; index < runs; index += 1) {
    for (const page of inTurn(pages, index)) {
      results[page.name].push(await measureLoad(browser, storageState, page.urlOf(LOAD_COMPANY), secretsUrl(LOAD_COMPANY), LOAD_ROWS));
    }
  }
  return results;
}

async function runKeystrokes(browser, storageState, pages, runs) {
  const opened = await Promise.all(pages.map(() => openContext(browser, storageState, LOAD_ROWS)));
  try {
    for (const [position, page] of pages.entries()) await prepareKeystrokes(opened[position].page, page.urlOf(LOAD_COMPANY));
    const results = Object.fromEntries(pages.map((page) => [page.name, []]));
    for (let index = 0; index < runs; index += 1) {
      for (const page of inTurn(pages, index)) {
        results[page.name].push(await measureKeystroke(opened[pages.indexOf(page)].page));
      }
    }
    return results;
  } finally {
    for (const { context } of opened) await context.close();
  }
}

async function runListRenders(browser, storageState, pages, secretsUrl, runs) {
  const opened = await Promise.all(pages.map(() => openContext(browser, storageState, LIST_ROWS)));
  try {
    const results = Object.fromEntries(pages.map((page) => [page.name, []]));
    for (let index = 0; index < runs; index += 1) {
      for (const page of inTurn(pages, index)) {
        const url = page.urlOf(LIST_COMPANY);
        results[page.name].push(await measureListRender(opened[pages.indexOf(page)].page, url, secretsUrl(LIST_COMPANY)));
      }
    }
    return results;
  } finally {
    for (const { context } of opened) await context.close();
  }
}

/**
 * Saves one secret with each page, outside the measured runs, and reads its
 * value back in a task of the company. Throws when the server did not
 * store the value that the page sealed, because a page that seals wrongly
 * would make its save figures meaningless.
 */
async function verifySave(seeder, page, browserPage, company, secretsUrl) {
  const key = 'BENCH_CHECK';
  const value = `bench-check-${page.name}-${Date.now()} ünïcode ✓`;
  await measureSave(browserPage, key, value, secretsUrl);
  const received = seeder.valueInTask(company, key);
  if (received !== value) {
    throw new Error(`The ${page.name} page's save was not accepted as sealed: a task of ${company} received ${JSON.stringify(received)} for ${key}, not ${JSON.stringify(value)}.`);
  }
  console.log(`Checked: a value saved by the ${page.name} page reached a task of ${company} unchanged.`);
}

async function runSaves(browser, storageState, pages, seeder, secretsUrl, runs) {
  const opened = await Promise.all(pages.map(() => openContext(browser, storageState, 0)));
  try {
    for (const [position, page] of pages.entries()) {
      const browserPage = opened[position].page;
      await browserPage.goto(page.urlOf(SAVE_COMPANIES[page.name]));
      await waitForSection(browserPage);
      await verifySave(seeder, page, browserPage, SAVE_COMPANIES[page.name], secretsUrl(SAVE_COMPANIES[page.name]));
    }

    const results = Object.fromEntries(pages.map((page) => [page.name, []]));
    for (let index = 0; index < runs; index += 1) {
      for (const page of inTurn(pages, index)) {
        const company = SAVE_COMPANIES[page.name];
        const browserPage = opened[pages.indexOf(page)].page;
        if ((await browserPage.locator('li.secret-row').count()) >= SAVE_RESET_ROWS) {
          await seeder.deleteAllSecrets(company);
          await browserPage.goto(page.urlOf(company));
          await waitForSection(browserPage);
        }
        const key = `BENCH_SAVE_${String(index).padStart(3, '0')}`;
        const value = `bench-save-value-${index}-${'v'.repeat(24)}`;
        results[page.name].push(await measureSave(browserPage, key, value, secretsUrl(company)));
      }
    }
    return results;
  } finally {
    for (const { context } of opened) await context.close();
  }
}

async function runTraces(browser, storageState, pages, runs) {
  const results = Object.fromEntries(pages.map((page) => [page.name, []]));
  for (let index = 0; index < runs; index += 1) {
    for (const page of inTurn(pages, index)) {
      results[page.name].push(await traceColdLoad(browser, storageState, page.urlOf(LOAD_COMPANY), LOAD_ROWS));
    }
  }
  return results;
}

/**
 * Returns trace records limited to the two totals and the `top` event
 * names of each page by median self time, with 0 for a name that a run
 * lacks, so that every record has the same names.
 */
function topTraceEvents(results, top) {
  const ranked = (records) => {
    const names = new Set(records.flatMap((record) => Object.keys(record)));
    return [...names]
      .map((name) => [name, median(records.map((record) => record[name] ?? 0))])
      .sort((a, b) => b[1] - a[1])
      .map(([name]) => name);
  };
  const names = new Set([...ranked(results.SPA).slice(0, top + 2), ...ranked(results.vanilla).slice(0, top + 2)]);
  const limit = (record) => Object.fromEntries([...names].map((name) => [name, record[name] ?? 0]));
  return { SPA: results.SPA.map(limit), vanilla: results.vanilla.map(limit) };
}

// ---- Main ----

async function main() {
  const options = parseOptions();
  const dist = prepareDist({ spaDist: options.dist, vanillaSource: join(root, 'bench/vanilla'), e2eDir });
  const server = await startServer(options.serverBin, dist);
  let browser = null;
  try {
    const { baseUrl } = server;
    const seeder = new Seeder({ ...options, baseUrl, dataDir: server.dataDir });
    const pages = [
      new PageUnderTest('SPA', (company) => `${baseUrl}/companies/${company}/settings/secrets`),
      new PageUnderTest('vanilla', (company) => `${baseUrl}${VANILLA_PATH}?company=${company}`),
    ];
    const secretsUrl = (company) => `${baseUrl}/api/v1/companies/${company}/secrets`;

    console.log(`Server ${baseUrl} (pid ${server.pid}), SPA build ${options.dist}, served from ${dist}`);
    seed(seeder);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    console.log(`Chromium ${browser.version()}, ${options.runs} load runs, ${options.interactionRuns} interaction runs, 1-minute load average ${loadAverage()} at the start`);
    const storageState = await signIn(browser, seeder);

    const loads = await runLoads(browser, storageState, pages, secretsUrl, options.runs);
    const loadsLoad = loadAverage();
    const keystrokes = await runKeystrokes(browser, storageState, pages, options.interactionRuns);
    const keystrokesLoad = loadAverage();
    const lists = await runListRenders(browser, storageState, pages, secretsUrl, options.interactionRuns);
    const listsLoad = loadAverage();
    const saves = await runSaves(browser, storageState, pages, seeder, secretsUrl, options.interactionRuns);
    const savesLoad = loadAverage();
    const traces = topTraceEvents(await runTraces(browser, storageState, pages, options.traceRuns), 10);
    const tracesLoad = loadAverage();

    const pick = (results, field) => ({ spa: results.SPA.map((run) => run[field]), vanilla: results.vanilla.map((run) => run[field]) });
    console.log('');
    printTable([
      { metric: 'load to interactive, cold cache', ...pick(loads, 'cold'), load: loadsLoad },
      { metric: 'load to interactive, warm cache', ...pick(loads, 'warm'), load: loadsLoad },
      { metric: 'keystroke to key message', ...pick(keystrokes, 'total'), load: keystrokesLoad },
      { metric: '  input event to key message', ...pick(keystrokes, 'afterInput'), load: keystrokesLoad },
      { metric: 'list response to 50 rows', ...pick(lists, 'total'), load: listsLoad },
      { metric: '  response end to body read', ...pick(lists, 'toBodyRead'), load: listsLoad },
      { metric: '  body read to 50 rows', ...pick(lists, 'afterBodyRead'), load: listsLoad },
      { metric: 'save click to new row', ...pick(saves, 'total'), load: savesLoad },
      { metric: '  click to create request', ...pick(saves, 'beforeRequest'), load: savesLoad },
      { metric: '  create request', ...pick(saves, 'request'), load: savesLoad },
      { metric: '  create response to row', ...pick(saves, 'afterResponse'), load: savesLoad },
    ]);
    const absent = 'n/a where the page has no such step';
    for (const kind of ['cold', 'warm']) {
      const field = `${kind}Points`;
      printMedians(`Timeline of the ${kind} loads (median ms since navigation start; ${absent})`,
        loads.SPA.map((run) => run[field]), loads.vanilla.map((run) => run[field]));
      printMedians(`Steps of the ${kind} loads (median ms of each step; ${absent})`,
        loads.SPA.map((run) => loadSteps(run[field])), loads.vanilla.map((run) => loadSteps(run[field])));
    }
    printMedians('Chromium main thread until interactive, cold loads (CDP Performance.getMetrics, median ms)',
      loads.SPA.map((run) => run.metrics), loads.vanilla.map((run) => run.metrics));
    printMedians(
      `Traced cold loads, ${options.traceRuns} per page: self time by trace event until the painted frame (median ms, load avg ${tracesLoad})`,
      traces.SPA, traces.vanilla);
    printSizes(transferSizes(dist));
  } catch (error) {
    console.error(`The benchmark failed. The last lines of the server's log:\n${server.logTail()}`);
    throw error;
  } finally {
    if (browser !== null) await browser.close();
    server.stop();
    rmSync(dist, { recursive: true, force: true });
  }
}

await main();
