// The benchmark's own secrets-server: started on a free port of 127.0.0.1
// with a fresh data directory, seeded through its operator CLI and the
// `secrets` client, and stopped by its pid.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Conglomerate of every benchmark company, so that one session reaches them all. */
const CONGLOMERATE = 'bench';

/** Member whose session the pages use and whose token seeds the secrets. */
export const MEMBER = 'owner';

/**
 * Starts `serverBin` on 127.0.0.1 with port 0 and a fresh data directory,
 * serving `distDir`. Resolves once the server logs its address, to an
 * object with the base URL, the data directory, `logTail()` and `stop()`.
 * The server logs to a file, not a pipe, because the synchronous CLI calls
 * block this process, and a full pipe would block the server.
 */
export async function startServer(serverBin, distDir) {
  const directory = mkdtempSync(join(tmpdir(), 'secrets-bench-'));
  const dataDir = join(directory, 'data');
  const logPath = join(directory, 'server.log');
  const logFile = openSync(logPath, 'w');
  // The save runs make more than a hundred changes a minute as one member,
  // far above the default write rate limit.
  const args = [
    'serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir, '--dist-dir', distDir,
    '--write-burst', '100000', '--writes-per-minute', '100000',
  ];
  const server = spawn(serverBin, args, { stdio: ['ignore', logFile, logFile] });
  closeSync(logFile);
  const log = () => readFileSync(logPath, 'utf8');

  const deadline = Date.now() + 30_000;
  let baseUrl = null;
  while (baseUrl === null) {
    if (server.exitCode !== null) {
      throw new Error(`secrets-server exited with status ${server.exitCode}; its log:\n${log()}`);
    }
    if (Date.now() > deadline) {
      process.kill(server.pid, 'SIGTERM');
      throw new Error(`secrets-server did not start within 30 seconds; its log:\n${log()}`);
    }
    await new Promise((wake) => setTimeout(wake, 50));
    baseUrl = log().match(/listening on (\S+)/)?.[1]?.replace(/\/$/, '') ?? null;
  }

  const logTail = (lines = 30) => log().trimEnd().split('\n').slice(-lines).join('\n');
  const stop = () => {
    if (server.exitCode === null) process.kill(server.pid, 'SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  };
  return { baseUrl, dataDir, pid: server.pid, logTail, stop };
}

/** Operator CLI and client calls against one running benchmark server. */
export class Seeder {
  constructor({ serverBin, clientBin, baseUrl, dataDir }) {
    this.serverBin = serverBin;
    this.clientBin = clientBin;
    this.baseUrl = baseUrl;
    this.dataDir = dataDir;
    this.token = null;
  }

  /** Runs an operator command of secrets-server and returns its stdout. */
  runServerCli(args) {
    return execFileSync(this.serverBin, [...args, '--data-dir', this.dataDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** Creates `companies` in one conglomerate, with the member in it. */
  createCompanies(companies) {
    this.runServerCli(['conglomerate', 'create', CONGLOMERATE]);
    for (const company of companies) {
      this.runServerCli(['company', 'create', company, '--conglomerate', CONGLOMERATE]);
    }
    this.runServerCli(['member', 'add', '--company', companies[0], '--name', MEMBER]);
    this.token = this.runServerCli(['token', 'issue', '--company', companies[0], '--name', MEMBER]);
  }

  /** Returns a one-time login link of the member. */
  loginLink(company) {
    return this.runServerCli(['login-link', '--company', company, '--name', MEMBER, '--base-url', this.baseUrl]);
  }

  /** Adds a secret with `secrets add`, which seals the value itself. */
  addSecret(company, key, value, description) {
    execFileSync(this.clientBin, ['add', key, '--company', company, '--description', description], {
      input: value,
      env: { ...process.env, SECRETS_SERVER: this.baseUrl, SECRETS_TOKEN: this.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Sends an API request with the member's bearer token. */
  async api(method, path) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
    });
    if (!response.ok) {
      throw new Error(`${method} ${path} failed with HTTP status ${response.status}: ${await response.text()}`);
    }
    return response.status === 204 ? null : response.json();
  }

  /** Deletes every secret of `company` through the API. */
  async deleteAllSecrets(company) {
    const list = await this.api('GET', `/api/v1/companies/${company}/secrets`);
    for (const secret of list.secrets) {
      await this.api('DELETE', `/api/v1/companies/${company}/secrets/${secret.key}`);
    }
  }

  /**
   * Starts a task of `company` with `secrets run` and returns the value
   * that its environment variable `key` contains, as the task received it.
   */
  valueInTask(company, key) {
    const runner = this.runServerCli(['runner', 'issue', '--company', company, '--name', `bench-${Date.now()}`]);
    const directory = mkdtempSync(join(tmpdir(), 'secrets-bench-task-'));
    const file = join(directory, 'value');
    try {
      execFileSync(this.clientBin, ['run', '--company', company, '--', 'sh', '-c', `printf %s "$${key}" > "$VALUE_FILE"`], {
        env: { ...process.env, SECRETS_SERVER: this.baseUrl, SECRETS_RUNNER_TOKEN: runner, VALUE_FILE: file },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return readFileSync(file, 'utf8');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
}
