// Trunk post_build hook (see Trunk.toml): writes the entry that dashboard
// shells import, embed/secrets-section.js, beside the build's hashed files.
//
// Trunk puts a content hash into every file name, so the names change with
// each build. The entry keeps one name: it imports the hashed module and
// passes it the hashed WebAssembly file, so the server must send it with
// `Cache-Control: no-cache`, while the hashed files may stay cached.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
console.log(`embed/secrets-section.js imports ${module} and ${wasm}`);
