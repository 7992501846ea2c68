#!/usr/bin/env bash
# Prints the transfer size of the SPA release build in dist/: raw, gzip and
# brotli, for each wasm and js file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
node - "$root/dist" <<'JS'
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const zlib = require('node:zlib');
const dir = process.argv[2];
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
for (const name of readdirSync(dir).filter((file) => /\.(wasm|js)$/.test(file)).sort()) {
  const raw = readFileSync(join(dir, name));
  const gzip = zlib.gzipSync(raw, { level: 9 }).length;
  const brotli = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  console.log(`${name}: ${kib(raw.length)} raw, ${kib(gzip)} gzip, ${kib(brotli)} brotli`);
}
JS
