// Trunk post_build hook (see Trunk.toml). Trunk runs the hooks of a stage
// at the same time, so this one script does both steps in order:
//
// 1. It writes the files that dashboard shells load,
//    embed/secrets-section.js and embed/secrets-section.css, beside the
//    build's hashed files.
// 2. It writes a brotli (`.br`) and a gzip (`.gz`) copy of every JavaScript,
//    WebAssembly and CSS file, which the server sends to browsers that
//    accept them. Compressing once at build time lets brotli use its
//    highest quality, which would cost too much per request.
//
// Trunk puts a content hash into every file name, so the names change with
// each build. The entry keeps one name: it imports the hashed module and
// passes it the hashed WebAssembly file, so the server must send it with
// `Cache-Control: no-cache`, while the hashed files may stay cached.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  throw new Error('TRUNK_STAGING_DIR is not set: run this script as a trunk post_build hook');
}
const names = readdirSync(staging);

/** Returns the one file name in the build that matches `pattern`. */
function single(pattern, description) {
  const found = names.filter((name) => pattern.test(name));
  if (found.length !== 1) {
    throw new Error(`expected one ${description} in ${staging}, found ${found.length}: ${found.join(', ')}`);
  }
  return found[0];
}

const module = single(/^secrets-section(-[0-9a-f]+)?\.js$/, 'JavaScript module');
const wasm = single(/^secrets-section(-[0-9a-f]+)?_bg\.wasm$/, 'WebAssembly file');
const stylesheet = single(/^section(-[0-9a-f]+)?\.css$/, 'section stylesheet');

mkdirSync(join(staging, 'embed'), { recursive: true });
writeFileSync(
  join(staging, 'embed/secrets-section.js'),
  `// Entry of the Secrets section for dashboard shells. Importing it loads the
// WebAssembly module once; then call mount(element, options).
import init, { mount } from '../${module}';

await init({ module_or_path: new URL('../${wasm}', import.meta.url) });

export { init as default, mount };
`,
);
copyFileSync(join(staging, stylesheet), join(staging, 'embed/secrets-section.css'));
console.log(`embed/secrets-section.js imports ${module} and ${wasm}; embed/secrets-section.css is ${stylesheet}`);

/** Files of the build that the server may send compressed. */
const COMPRESSIBLE = /\.(js|wasm|css)$/;

/** Writes `path.br` and `path.gz` beside each compressible file below `dir`. */
function compressBelow(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      compressBelow(path);
    } else if (COMPRESSIBLE.test(entry.name)) {
      const raw = readFileSync(path);
      writeFileSync(
        `${path}.br`,
        brotliCompressSync(raw, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
          },
        }),
      );
      writeFileSync(`${path}.gz`, gzipSync(raw, { level: constants.Z_BEST_COMPRESSION }));
    }
  }
}

compressBelow(staging);
console.log('wrote a .br and a .gz copy of each js, wasm and css file');
