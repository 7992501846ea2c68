// Starts a real secrets-server on a free 127.0.0.1 port with a fresh data
// directory, and passes its address to the tests through the environment.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitUntilServing(baseUrl, server) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`secrets-server exited with status ${server.exitCode}; see e2e/test-results/server.log`);
    }
    try {
      await fetch(`${baseUrl}/api/v1/companies/acme/secrets`);
      return;
    } catch {
      await new Promise((wake) => setTimeout(wake, 200));
    }
  }
  throw new Error(`secrets-server did not answer on ${baseUrl} within 30 seconds`);
}

export default async function globalSetup() {
  const serverBinary = process.env.SECRETS_SERVER_BIN ?? join(root, 'target/debug/secrets-server');
  const clientBinary = process.env.SECRETS_CLIENT_BIN ?? join(root, 'target/debug/secrets');
  const distDir = process.env.SECRETS_DIST_DIR ?? join(root, 'dist');
  for (const path of [serverBinary, clientBinary, join(distDir, 'index.html')]) {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run scripts/test.sh, which builds it first`);
    }
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'secrets-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logDir = join(root, 'e2e/test-results');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, 'server.log'));

  const server = spawn(
    serverBinary,
    // The tests share one member for API calls, and together they make more
    // changes in a minute than the default write rate limit allows. The
    // server tests cover the limit.
    ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--dist-dir', distDir, '--write-burst', '1000'],
    { env: { ...process.env, RUST_LOG: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  await waitUntilServing(baseUrl, server);

  process.env.SECRETS_E2E_BASE_URL = baseUrl;
  process.env.SECRETS_E2E_DATA_DIR = dataDir;
  process.env.SECRETS_SERVER_BIN = serverBinary;
  process.env.SECRETS_CLIENT_BIN = clientBinary;
  process.env.SECRETS_E2E_SERVER_LOG = join(logDir, 'server.log');

  return async () => {
    server.kill('SIGTERM');
  };
}
