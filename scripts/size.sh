#!/usr/bin/env bash
# Prints the transfer size of the SPA release build: raw, gzip and brotli,
# for each wasm and js file that the page loads, and their brotli total.
#
#   scripts/size.sh [--check] [DIST_DIR]
#
# With --check, exits with status 1 when the brotli total of the wasm and
# js files is over budget_bytes in this script. Sizes do not vary from run
# to run, so the test command checks the budget; times do, and no test
# asserts one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# The budget for wasm + js, brotli at quality 11, in bytes: the size of the
# build when the budget was last set, rounded up to the next KiB, plus
# 2 KiB. A change that adds more fails the test command, so its author
# has to raise the budget here on purpose. docs/BENCHMARKS.md compares
# the size with the 64 KB target of the performance issue.
budget_bytes=$((208 * 1024))

check=0
dist="$root/dist"
for argument in "$@"; do
  case "$argument" in
    --check) check=1 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $argument; see --help" >&2; exit 2 ;;
    *) dist=$argument ;;
  esac
done

if [[ ! -d $dist ]]; then
  echo "error: $dist is not a directory; build the SPA first with trunk build --release, or pass its dist directory" >&2
  exit 1
fi

node - "$dist" "$budget_bytes" "$check" <<'JS'
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const zlib = require('node:zlib');
const [dir, budgetText, checkText] = process.argv.slice(2);
const budget = Number(budgetText);
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

const names = readdirSync(dir).filter((file) => /\.(wasm|js)$/.test(file)).sort();
if (!names.some((name) => name.endsWith('.wasm'))) {
  console.error(`error: ${dir} has no .wasm file; build the SPA first with trunk build --release`);
  process.exit(1);
}
let total = 0;
for (const name of names) {
  const raw = readFileSync(join(dir, name));
  const gzip = zlib.gzipSync(raw, { level: 9 }).length;
  const brotli = zlib.brotliCompressSync(raw, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  total += brotli;
  console.log(`${name}: ${kib(raw.length)} raw, ${kib(gzip)} gzip, ${kib(brotli)} brotli`);
}
console.log(`wasm + js: ${kib(total)} brotli (${total} bytes), budget ${kib(budget)} (${budget} bytes)`);
if (checkText === '1' && total > budget) {
  console.error(
    `error: the SPA's wasm and js are ${total - budget} bytes over the size budget. ` +
      'Find what grew with twiggy (see docs/BENCHMARKS.md), or raise budget_bytes in ' +
      'scripts/size.sh and say why in the commit.',
  );
  process.exit(1);
}
JS
