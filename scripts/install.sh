#!/usr/bin/env bash
# Installs what building, running and testing the Secrets section needs,
# skipping every tool that is already present at the pinned version.
#
#   scripts/install.sh          tools to build and run the product
#   scripts/install.sh --tests  the same, plus browsers, their WebDriver
#                               servers and end-to-end packages
#   scripts/install.sh --load   the same as without options, plus wrk for
#                               the load test in scripts/load/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
with_tests=0
with_load=0
for option in "$@"; do
  case "$option" in
    --tests) with_tests=1 ;;
    --load) with_load=1 ;;
    *) echo "error: unknown option $option; use --tests, --load or none" >&2; exit 2 ;;
  esac
done

# Versions are pinned because trunk compares tool versions exactly and
# wasm-bindgen's CLI must match the library version in Cargo.lock.
trunk_version=0.21.14
# The geckodriver that the wasm tests last passed with, against Debian's
# firefox-esr 153.
geckodriver_version=0.37.1
# scripts/schemathesis.sh passes its configuration file in this version's
# format.
schemathesis_version=4.32.5
# scripts/fuzz.sh builds with this cargo-fuzz on stable Rust, through its
# --sanitizer none mode.
cargo_fuzz_version=0.13.2
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")

log() { printf '==> %s\n' "$*" >&2; }

apt_packages=()
command -v cc >/dev/null || apt_packages+=(gcc)
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)
if [[ $with_load -eq 1 ]]; then
  command -v wrk >/dev/null || apt_packages+=(wrk)
fi
if [[ $with_tests -eq 1 ]]; then
  command -v chromium >/dev/null || apt_packages+=(chromium)
  command -v chromedriver >/dev/null || apt_packages+=(chromium-driver)
  command -v firefox-esr >/dev/null || apt_packages+=(firefox-esr)
  # The server tests run a second time on a throwaway PostgreSQL cluster.
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_packages+=(postgresql)
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_packages+=(python3-venv)
  # libfuzzer-sys compiles libFuzzer, which is C++, for the fuzz targets.
  command -v c++ >/dev/null || apt_packages+=(g++)
fi
if [[ ${#apt_packages[@]} -gt 0 ]]; then
  log "Installing Debian packages: ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(trunk --version 2>/dev/null)" != "trunk $trunk_version" ]]; then
  log "Installing trunk $trunk_version (about 10 minutes on 2 cores)"
  cargo install --locked "trunk@$trunk_version"
fi

# Installed without --locked: one of its locked dependencies is missing from
# the registry mirror that this project's machines use.
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]]; then
  log "Installing wasm-bindgen-cli $wasm_bindgen_version"
  cargo install --force "wasm-bindgen-cli@$wasm_bindgen_version"
fi

# cargo-fuzz builds and runs the fuzz targets of scripts/fuzz.sh.
if [[ $with_tests -eq 1 ]] &&
  [[ "$(cargo fuzz --version 2>/dev/null | awk 'NR == 1')" != "cargo-fuzz $cargo_fuzz_version" ]]; then
  log "Installing cargo-fuzz $cargo_fuzz_version"
  cargo install --locked "cargo-fuzz@$cargo_fuzz_version"
fi

# Debian has no geckodriver package, so it is built from crates.io.
if [[ $with_tests -eq 1 ]] &&
  [[ "$(geckodriver --version 2>/dev/null | awk 'NR == 1')" != "geckodriver $geckodriver_version" ]]; then
  log "Installing geckodriver $geckodriver_version"
  cargo install --locked "geckodriver@$geckodriver_version"
fi

# schemathesis comes from PyPI into a virtual environment of its own, which
# scripts/schemathesis.sh runs it from.
schemathesis_venv="$root/.tools/schemathesis"
if [[ $with_tests -eq 1 ]] &&
  [[ "$("$schemathesis_venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $schemathesis_version" ]]; then
  log "Installing schemathesis $schemathesis_version"
  python3 -m venv "$schemathesis_venv"
  "$schemathesis_venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
fi

e2e_packages_current() {
  local installed="$root/e2e/node_modules/.package-lock.json"
  [[ -x "$root/e2e/node_modules/.bin/playwright" && -f "$installed" ]] || return 1
  node -e '
    const [lock, installed] = process.argv.slice(1).map((path) => require(path).packages);
    const names = Object.keys(lock).filter((name) => name.startsWith("node_modules/"));
    process.exit(names.every((name) => installed[name]?.version === lock[name].version) ? 0 : 1);
  ' "$root/e2e/package-lock.json" "$installed"
}

# wasm-opt comes from npm because Debian's binaryen 108 produces wasm that
# fails to load. Trunk finds it on PATH (see scripts/env.sh).
if [[ "$("$root/tools/node_modules/.bin/wasm-opt" --version 2>/dev/null)" != "wasm-opt version 132"* ]]; then
  log "Installing wasm-opt (npm package binaryen@132)"
  npm ci --prefix "$root/tools" --no-audit --no-fund
fi

# npm writes node_modules/.package-lock.json last; when it differs from the
# lock file, a package was added or changed since the last install.
if [[ $with_tests -eq 1 ]] && ! e2e_packages_current; then
  log "Installing the end-to-end test packages"
  # Playwright must never download a browser: the tests drive /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$root/e2e" --no-audit --no-fund
fi
