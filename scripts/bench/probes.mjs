// Code that runs inside the benchmarked pages. Playwright serializes these
// functions, so each one uses only its argument and the page's globals.
// Every time is `performance.now()` of the page, in milliseconds since the
// navigation started. Chromium 156 returns it in steps of 0.1 ms on these
// pages, which are not cross-origin isolated, so shorter times read as 0.0
// or 0.1.

/**
 * Init script of every navigation. It records in `window.__benchProbe` when
 * `rowCount` rows (`li.secret-row`) are in the DOM and when the key input
 * accepts text: present, `:enabled` (which covers a disabled fieldset),
 * and not read only. Once both are true, it records when the next frame
 * has been painted, taken as the first timer task after the next animation
 * frame callback, because that task runs after the frame's paint. It also
 * times each WebAssembly compile and instantiate call, and each read of a
 * response body (`json()` or `text()`, which both pages use), from the
 * call to the settled promise.
 */
export function installLoadProbe({ rowCount }) {
  const probe = { rowsAt: null, inputReadyAt: null, interactiveAt: null, paintedAt: null, wasm: [], bodies: [] };
  window.__benchProbe = probe;

  for (const name of ['instantiateStreaming', 'compileStreaming', 'instantiate', 'compile']) {
    const original = WebAssembly[name];
    if (typeof original !== 'function') continue;
    WebAssembly[name] = function timedWasmCall(...args) {
      const start = performance.now();
      const result = original.apply(this, args);
      const record = () => probe.wasm.push({ name, start, end: performance.now() });
      Promise.resolve(result).then(record, record);
      return result;
    };
  }

  for (const name of ['json', 'text']) {
    const original = Response.prototype[name];
    Response.prototype[name] = function timedBodyRead(...args) {
      const start = performance.now();
      const url = this.url;
      const result = original.apply(this, args);
      const record = () => probe.bodies.push({ url, start, end: performance.now() });
      result.then(record, record);
      return result;
    };
  }

  const keyInputAcceptsText = () => {
    const input = document.getElementById('secret-key');
    return input !== null && input.matches(':enabled') && !input.readOnly;
  };
  const check = () => {
    const now = performance.now();
    if (probe.rowsAt === null && document.querySelectorAll('li.secret-row').length >= rowCount) {
      probe.rowsAt = now;
      performance.mark('bench-rows', { startTime: now });
    }
    if (probe.inputReadyAt === null && keyInputAcceptsText()) {
      probe.inputReadyAt = now;
    }
    if (probe.interactiveAt === null && probe.rowsAt !== null && probe.inputReadyAt !== null) {
      probe.interactiveAt = now;
      observer.disconnect();
      requestAnimationFrame(() => {
        setTimeout(() => {
          probe.paintedAt = performance.now();
          performance.measure('bench-interactive', { start: 0, end: probe.paintedAt });
        }, 0);
      });
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
}

/**
 * Returns the Resource Timing entries of the page (name, initiator, start,
 * response end, transfer size) and its navigation's response end.
 */
export function readTimeline() {
  const resources = performance.getEntriesByType('resource').map((entry) => ({
    name: entry.name,
    initiatorType: entry.initiatorType,
    startTime: entry.startTime,
    responseStart: entry.responseStart,
    responseEnd: entry.responseEnd,
    transferSize: entry.transferSize,
  }));
  const [navigation] = performance.getEntriesByType('navigation');
  return { probe: window.__benchProbe, resources, navigationResponseEnd: navigation?.responseEnd ?? null };
}

/**
 * Arms `window.__benchKeystroke`, a promise of the times from the next
 * keydown event, and from the start of the next input event's dispatch, to
 * the moment `#secret-key-message` contains `expected`. The keydown time
 * is the event's `timeStamp`, when the browser received the key, so it
 * includes the browser's input routing. The input time is taken by a
 * capturing listener on the window, which runs before the page's own
 * listeners. The end is seen by a MutationObserver, whose callback runs as
 * soon as the task that changed the DOM ends. Also records the measure
 * `bench-keystroke`.
 */
export function armKeystrokeProbe({ expected }) {
  window.__benchKeystroke = new Promise((resolve) => {
    let start = null;
    let inputStart = null;
    window.addEventListener('keydown', (event) => { start = event.timeStamp; }, { capture: true, once: true });
    window.addEventListener('input', () => { inputStart = performance.now(); }, { capture: true, once: true });
    const observer = new MutationObserver(() => {
      const message = document.getElementById('secret-key-message');
      if (start === null || !message?.textContent.includes(expected)) return;
      const end = performance.now();
      observer.disconnect();
      performance.measure('bench-keystroke', { start, end });
      resolve({ total: end - start, afterInput: inputStart === null ? null : end - inputStart });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}

/**
 * Arms `window.__benchSave`, a promise of the times from the next click
 * event (its `timeStamp`) to the moment the row of `key` is in the list.
 * The create request's Resource Timing splits the total into the page's
 * work before the request, the request, and the rendering after it. A
 * save that fails resolves to `{ error }` with the form's message.
 */
export function armSaveProbe({ key, createUrl }) {
  window.__benchSave = new Promise((resolve) => {
    let start = null;
    window.addEventListener('click', (event) => { start = event.timeStamp; }, { capture: true, once: true });
    const observer = new MutationObserver(() => {
      // A failed save shows its message here, so the run can fail at once.
      const error = document.getElementById('secret-form-error')?.textContent ?? '';
      if (start !== null && error !== '') {
        observer.disconnect();
        resolve({ error });
        return;
      }
      if (start === null || document.querySelector(`li.secret-row[data-key="${key}"]`) === null) return;
      const end = performance.now();
      observer.disconnect();
      performance.measure('bench-save', { start, end });
      const request = performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name === createUrl && entry.startTime >= start)
        .at(-1);
      resolve({
        total: end - start,
        beforeRequest: request ? request.startTime - start : null,
        request: request ? request.responseEnd - request.startTime : null,
        afterResponse: request ? end - request.responseEnd : null,
      });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
}
