// A Chromium trace of one cold load, summed up by event. It shows where the
// renderer's main thread spends the load, and how long V8 works on wasm on
// any thread.
import { openContext } from './measure.mjs';

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.wasm', 'v8.execute'];

/**
 * Returns the complete events ('X') of one thread with their self time:
 * the event's duration less the durations of the events nested in it, in
 * milliseconds.
 */
function selfTimes(threadEvents) {
  const sorted = threadEvents
    .filter((event) => event.ph === 'X' && typeof event.dur === 'number')
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const entries = [];
  const open = [];
  for (const event of sorted) {
    while (open.length > 0 && open.at(-1).end <= event.ts) open.pop();
    const parent = open.at(-1);
    if (parent) parent.children += event.dur;
    const entry = { name: event.name, category: event.cat ?? '', end: event.ts + event.dur, dur: event.dur, children: 0 };
    open.push(entry);
    entries.push(entry);
  }
  return entries.map((entry) => ({ name: entry.name, category: entry.category, self: (entry.dur - entry.children) / 1000 }));
}

/** Groups trace events by thread, keyed `pid:tid`. */
function eventsByThread(events) {
  const threads = new Map();
  for (const event of events) {
    const thread = `${event.pid}:${event.tid}`;
    if (!threads.has(thread)) threads.set(thread, []);
    threads.get(thread).push(event);
  }
  return threads;
}

/**
 * Traces a cold load of `url` until the probe's painted frame. Returns the
 * self time of each event name on the page's main thread, with the totals
 * 'main thread, all events' and 'wasm events, all threads' (category or
 * name containing "wasm"), in milliseconds. The trace ends a few
 * milliseconds after the painted frame, when tracing stops.
 */
export async function traceColdLoad(browser, storageState, url, rowCount) {
  const { context, page } = await openContext(browser, storageState, rowCount);
  try {
    await browser.startTracing(page, { categories: CATEGORIES });
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => window.__benchProbe?.paintedAt != null, null, { polling: 10 });
    const { traceEvents } = JSON.parse((await browser.stopTracing()).toString('utf8'));

    // The page's renderer main thread is the one that parsed the page's HTML.
    const threads = eventsByThread(traceEvents);
    const parse = traceEvents.find((event) => event.name === 'ParseHTML' && event.args?.beginData?.url === url);
    if (parse === undefined) throw new Error(`the trace of ${url} has no ParseHTML event of the page`);
    const main = threads.get(`${parse.pid}:${parse.tid}`);

    const totals = new Map();
    for (const { name, self } of selfTimes(main)) totals.set(name, (totals.get(name) ?? 0) + self);
    const busy = [...totals.values()].reduce((sum, time) => sum + time, 0);

    // Wasm work runs on the main thread and on V8's background threads.
    let wasm = 0;
    for (const events of threads.values()) {
      for (const { name, category, self } of selfTimes(events)) {
        if (/wasm/i.test(`${category} ${name}`)) wasm += self;
      }
    }
    return { 'main thread, all events': busy, 'wasm events, all threads': wasm, ...Object.fromEntries(totals) };
  } finally {
    await context.close();
  }
}
