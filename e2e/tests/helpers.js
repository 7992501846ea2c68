// Access to the server started by global-setup.js: login links and bearer
// tokens from its operator CLI, and API calls made behind the page's back.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';

export const baseUrl = () => process.env.SECRETS_E2E_BASE_URL;

/** Runs an operator command of `secrets-server` and returns its stdout. */
function runServerCli(args) {
  return execFileSync(process.env.SECRETS_SERVER_BIN, [...args, '--data-dir', process.env.SECRETS_E2E_DATA_DIR], {
    encoding: 'utf8',
    // The CLI logs to stderr; keep it out of the test report.
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Runs an operator command whose failure with `alreadyDone` means there was nothing to do. */
function runUnlessDone(args, alreadyDone) {
  try {
    runServerCli(args);
  } catch (error) {
    if (!String(error.stderr).includes(alreadyDone)) throw error;
  }
}

/**
 * Adds `member` to the conglomerate of `company` unless it is a member
 * already. A new company gets a conglomerate of its own, with the same ID.
 */
function ensureMember(company, member) {
  runUnlessDone(['conglomerate', 'create', company], 'already exists');
  runUnlessDone(['company', 'create', company, '--conglomerate', company], 'already exists');
  runUnlessDone(['member', 'add', '--company', company, '--name', member], 'already has a member');
}

/** Returns a fresh one-time login link for `member` of `company`. */
export function loginLink(company, member) {
  ensureMember(company, member);
  return runServerCli(['login-link', '--company', company, '--name', member, '--base-url', baseUrl()]);
}

/** Returns a new bearer token for `member` of `company`. */
export function bearerToken(company, member) {
  ensureMember(company, member);
  return runServerCli(['token', 'issue', '--company', company, '--name', member]);
}

/** Returns a new runner token that starts tasks of `company`. */
export function runnerToken(company) {
  ensureMember(company, 'owner');
  return runServerCli(['runner', 'issue', '--company', company, '--name', `e2e-runner-${randomBytes(4).toString('hex')}`]);
}

/**
 * Runs the `secrets` client with `args` and `input` on its standard input,
 * and returns what it wrote to standard output. `env` is added to the
 * client's environment. A failure throws an error with the client's stderr.
 */
export function runClient(args, { input = '', env = {} } = {}) {
  return execFileSync(process.env.SECRETS_CLIENT_BIN, args, {
    input,
    env: { ...process.env, SECRETS_SERVER: baseUrl(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Adds a secret through the `secrets` client, which seals the value. */
export function addSecret(token, company, key, value, description = '') {
  runClient(['add', key, '--company', company, '--description', description], {
    input: value,
    env: { SECRETS_TOKEN: token },
  });
}

/**
 * Starts a task of `company` with `secrets run` and returns the bytes that
 * the task's environment variable `key` held.
 */
export function valueInTask(company, key) {
  const file = join(mkdtempSync(join(tmpdir(), 'secrets-e2e-task-')), 'value');
  runClient(['run', '--company', company, '--', 'sh', '-c', `printf %s "$${key}" > "$VALUE_FILE"`], {
    env: { SECRETS_RUNNER_TOKEN: runnerToken(company), VALUE_FILE: file },
  });
  return readFileSync(file, 'utf8');
}

/** Returns a value that appears nowhere else, to search for leaks. */
export function canary(label) {
  return `canary-${label}-${randomBytes(12).toString('hex')}`;
}

/** Sends an API request with a bearer token and returns the response. */
export async function api(token, method, path, body) {
  return fetch(`${baseUrl()}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Returns every place in the page where a value could linger after a save. */
export async function pageTraces(page) {
  return page.evaluate(() => {
    const storage = (area) => Object.keys(area).map((name) => `${name}=${area.getItem(name)}`).join('\n');
    const fields = [...document.querySelectorAll('input, textarea')].map((field) => field.value);
    return {
      html: document.documentElement.outerHTML,
      fields: fields.join('\n'),
      localStorage: storage(window.localStorage),
      sessionStorage: storage(window.sessionStorage),
      url: window.location.href,
      historyState: JSON.stringify(window.history.state),
    };
  });
}

/**
 * Starts another secrets-server with `extraArgs` on a free port of
 * 127.0.0.1, with a fresh data directory and the SPA build that the main
 * server serves. Resolves to its base URL, the login link that its first
 * start prints, and a function that stops it.
 */
export function startServer(extraArgs) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const distDir = process.env.SECRETS_DIST_DIR ?? join(root, 'dist');
  const dataDir = mkdtempSync(join(tmpdir(), 'secrets-e2e-'));
  const server = spawn(
    process.env.SECRETS_SERVER_BIN,
    ['serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir, '--dist-dir', distDir, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = () => server.kill('SIGTERM');

  // The first start prints a login link on stdout, then logs
  // "listening on URL" on stderr.
  let stdout = '';
  let stderr = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      stop();
      fail(new Error(`secrets-server did not start within 30 seconds; stderr:\n${stderr}`));
    }, 30_000);
    const check = () => {
      const baseUrl = stderr.match(/listening on (\S+)/)?.[1];
      const loginLink = stdout.split('\n').find((line) => line.startsWith('http'));
      if (baseUrl && loginLink) {
        clearTimeout(timer);
        done({ baseUrl, loginLink, stop });
      }
    };
    server.stdout.on('data', (chunk) => {
      stdout += chunk;
      check();
    });
    server.stderr.on('data', (chunk) => {
      stderr += chunk;
      check();
    });
    server.once('exit', (status) => {
      clearTimeout(timer);
      fail(new Error(`secrets-server exited with status ${status}; stderr:\n${stderr}`));
    });
  });
}

/**
 * Signs `member` of `company` in through a login link and waits until the
 * standalone section has loaded its list.
 */
export async function signIn(page, company, member = 'owner') {
  await page.goto(loginLink(company, member));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.secrets-count')).toBeVisible();
}

/** CSS properties that a shell's generic rules commonly set. */
const STYLE_PROPERTIES = [
  'color', 'background-color', 'font-family', 'font-size', 'font-weight', 'font-style', 'line-height',
  'letter-spacing', 'text-transform', 'text-align', 'box-sizing', 'box-shadow', 'list-style-type',
  'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border-top-width', 'border-top-style', 'border-top-color', 'border-bottom-width', 'border-bottom-style',
  'border-bottom-color', 'border-top-left-radius',
];

/**
 * Returns, for each selector, the computed values of the properties that
 * shells commonly style, of the first element that matches it; `null`
 * where nothing matches.
 */
export async function computedStyles(page, selectors) {
  return page.evaluate(({ selectors, properties }) => {
    const styles = {};
    for (const selector of selectors) {
      const element = document.querySelector(selector);
      const style = element && getComputedStyle(element);
      styles[selector] = style && Object.fromEntries(properties.map((name) => [name, style.getPropertyValue(name)]));
    }
    return styles;
  }, { selectors, properties: STYLE_PROPERTIES });
}
