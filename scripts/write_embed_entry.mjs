// Trunk post_build hook (see Trunk.toml): writes the files that dashboard
// shells load, embed/secrets-section.js and embed/secrets-section.css,
// beside the build's hashed files.
//
// Trunk puts a content hash into every file name, so the names change with
// each build. The entry keeps one name: it imports the hashed module and
// passes it the hashed WebAssembly file, so the server must send it with
// `Cache-Control: no-cache`, while the hashed files may stay cached.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
