#!/usr/bin/env bash
# Installs what is missing and runs every test: lints, the shared crate and
# server tests (native) on SQLite and PostgreSQL, schemathesis against the
# server's OpenAPI document, a short run of each fuzz target, the SPA's wasm
# tests in headless Chromium and Firefox, and the end-to-end tests against
# the real server serving the release build.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

scripts/install.sh --tests

step "Formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --exclude secrets-section --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown -p secrets-section -p secrets-core --all-targets -- -D warnings

step "Shared crate, server and client tests"
cargo test -p secrets-core -p secrets-server -p secrets-client

step "Server tests on PostgreSQL"
# The same server tests, each data directory with a database of its own on
# a throwaway cluster. The skipped tests read or write the SQLite file
# itself: its permissions, migrations of old SQLite schemas, and raw
# ciphertexts and locks in the file.
postgres_dir=$(mktemp -d /tmp/secrets-postgres.XXXXXX)
trap 'scripts/postgres.sh stop "$postgres_dir"' EXIT
SECRETS_TEST_DATABASE_URL=$(scripts/postgres.sh start "$postgres_dir") \
  cargo test -p secrets-server -- $(sed -e 's/#.*//' -e '/^$/d' -e 's/^/--skip /' scripts/sqlite-only-tests.txt)

step "API against its OpenAPI document (schemathesis)"
# The binaries that the tests above built.
SECRETS_SERVER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/secrets-server" \
  SECRETS_CLIENT_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/secrets" \
  scripts/schemathesis.sh

step "Fuzz targets, 40 seconds each from the seed corpus"
scripts/fuzz.sh smoke

# wasm-bindgen-test-runner (0.2.130) drives the browser whose driver
# variable is set, and prefers GECKODRIVER when both are, so each run unsets
# the other one. It gives a whole run in one browser 20 seconds by default.
# The suite takes about 14 seconds in either browser on a 2-core machine, so
# the limit is raised to leave room on a busy one.
export WASM_BINDGEN_TEST_TIMEOUT=120

step "SPA tests in headless Chromium"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test --target wasm32-unknown-unknown -p secrets-section

step "SPA tests in headless Firefox"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test --target wasm32-unknown-unknown -p secrets-section

step "Release build of the SPA and its size budget"
trunk build --release
scripts/size.sh --check

step "End-to-end tests"
# The server and client tests above built these binaries for their own use;
# building them again without the dev-dependencies' features would
# recompile tokio.
export SECRETS_SERVER_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/secrets-server"
export SECRETS_CLIENT_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/secrets"
npm --prefix e2e test

step "Benchmark harness, one run of each measurement"
# Checks that scripts/bench/run.sh still works, and that the vanilla-JS
# page seals values that reach a task unchanged. Times are printed, never
# checked: the figures in docs/BENCHMARKS.md come from release builds on
# an idle machine.
node scripts/bench/browser.mjs --server-bin "$SECRETS_SERVER_BIN" --client-bin "$SECRETS_CLIENT_BIN" \
  --dist dist --runs 1 --interaction-runs 1 --trace-runs 1
