// The directory that the benchmark server serves: a copy of the SPA's
// build with the vanilla baseline page in vanilla/, and the transfer sizes
// of both pages.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import zlib from 'node:zlib';

/** URL path of the vanilla page inside the served directory. */
export const VANILLA_PATH = '/vanilla/';

/**
 * Wraps blakejs 1.2.1's CommonJS files blake2b.js and util.js as one
 * classic script that sets `self.blakejs`, because the page has no build
 * step. blake2b.js requires only './util'.
 */
function blakejsScript(e2eRequire) {
  const directory = dirname(e2eRequire.resolve('blakejs/blake2b.js'));
  const { version } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const util = readFileSync(join(directory, 'util.js'), 'utf8');
  const blake2b = readFileSync(join(directory, 'blake2b.js'), 'utf8');
  return `// blakejs ${version}: blake2b.js and util.js from npm, wrapped by scripts/bench/dist.mjs.
(function () {
  'use strict';
  const util = (function (module) {
${util}
    return module.exports;
  })({ exports: {} });
  self.blakejs = (function (module, require) {
${blake2b}
    return module.exports;
  })({ exports: {} }, function () { return util; });
})();
`;
}

/** Returns `name` with the first 16 hex digits of its SHA-256, as trunk names its files. */
function hashedName(name, bytes) {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const extension = extname(name);
  return `${name.slice(0, -extension.length)}-${hash}${extension}`;
}

/** Files that scripts/post_build.mjs writes a `.br` and a `.gz` copy of. */
const COMPRESSIBLE = /\.(js|wasm|css)$/;

/**
 * Writes `path.br` and `path.gz` with the settings of scripts/post_build.mjs,
 * so that the server sends the vanilla page's files compressed as it sends
 * the SPA's.
 */
function writeCompressedCopies(path, bytes) {
  writeFileSync(
    `${path}.br`,
    zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
  writeFileSync(`${path}.gz`, zlib.gzipSync(bytes, { level: zlib.constants.Z_BEST_COMPRESSION }));
}

/** Stylesheets of the SPA's build that the vanilla page links too. */
const SPA_STYLESHEETS = ['section', 'page'];

/** Returns the file name that trunk gave `stylesheet`.css in `spaDist`. */
function spaStylesheet(spaDist, stylesheet) {
  const pattern = new RegExp(`^${stylesheet}-[0-9a-f]+\\.css$`);
  const found = readdirSync(spaDist).filter((name) => pattern.test(name));
  if (found.length !== 1) {
    throw new Error(`expected one ${stylesheet}-HASH.css in ${spaDist}, found ${found.length}`);
  }
  return found[0];
}

/**
 * Copies `spaDist` to a new temporary directory and writes the vanilla page
 * from `vanillaSource` into its vanilla/ folder, with tweetnacl and blakejs
 * from the e2e packages. Every file except index.html gets a content-hashed
 * name, so the server lets browsers cache it as it does trunk's files, and
 * a brotli and a gzip copy as the SPA's build has. Every file gets the
 * modification time of the SPA's index.html. Returns the directory.
 */
export function prepareDist({ spaDist, vanillaSource, e2eDir }) {
  const dist = mkdtempSync(join(tmpdir(), 'secrets-bench-dist-'));
  cpSync(spaDist, dist, { recursive: true, preserveTimestamps: true });
  const vanillaDir = join(dist, 'vanilla');
  mkdirSync(vanillaDir);

  const e2eRequire = createRequire(join(e2eDir, 'package.json'));
  const assets = {
    'vanilla.js': readFileSync(join(vanillaSource, 'vanilla.js')),
    'nacl-fast.min.js': readFileSync(e2eRequire.resolve('tweetnacl/nacl-fast.min.js')),
    'blake2b.js': Buffer.from(blakejsScript(e2eRequire)),
  };
  let html = readFileSync(join(vanillaSource, 'index.html'), 'utf8');
  for (const [name, bytes] of Object.entries(assets)) {
    const hashed = hashedName(name, bytes);
    writeFileSync(join(vanillaDir, hashed), bytes);
    if (COMPRESSIBLE.test(hashed)) writeCompressedCopies(join(vanillaDir, hashed), bytes);
    const reference = `"${name}"`;
    if (!html.includes(reference)) throw new Error(`bench/vanilla/index.html does not reference ${name}`);
    html = html.replace(reference, `"${hashed}"`);
  }
  // The SPA's stylesheets, linked from the build as they are.
  for (const stylesheet of SPA_STYLESHEETS) {
    const reference = `"${stylesheet}.css"`;
    if (!html.includes(reference)) throw new Error(`bench/vanilla/index.html does not reference ${stylesheet}.css`);
    html = html.replace(reference, `"../${spaStylesheet(spaDist, stylesheet)}"`);
  }
  writeFileSync(join(vanillaDir, 'index.html'), html);

  const { mtime } = statSync(join(spaDist, 'index.html'));
  for (const name of readdirSync(vanillaDir)) utimesSync(join(vanillaDir, name), mtime, mtime);
  return dist;
}

function compressedSizes(bytes) {
  return {
    raw: bytes.length,
    gzip: zlib.gzipSync(bytes, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * Returns the raw, gzip (level 9) and brotli (quality 11) sizes of the
 * files that each page loads. For the SPA these are index.html and the
 * top-level .js, .wasm and .css files of the build, and for the vanilla
 * page index.html, its .js files and the SPA's two stylesheets. The
 * server sends the brotli copy of each file but index.html to Chromium.
 */
export function transferSizes(dist) {
  const loadedFile = (name) => name === 'index.html' || COMPRESSIBLE.test(name);
  const spaFiles = readdirSync(dist)
    .filter(loadedFile)
    .map((name) => ({ name, path: join(dist, name) }));
  const vanillaFiles = readdirSync(join(dist, 'vanilla'))
    .filter(loadedFile)
    .map((name) => ({ name: `vanilla/${name}`, path: join(dist, 'vanilla', name) }))
    .concat(SPA_STYLESHEETS.map((stylesheet) => spaStylesheet(dist, stylesheet)).map((name) => ({ name, path: join(dist, name) })));
  const measure = (files) => files.sort((a, b) => a.name.localeCompare(b.name)).map(({ name, path }) => ({ name, ...compressedSizes(readFileSync(path)) }));
  return { spa: measure(spaFiles), vanilla: measure(vanillaFiles) };
}
