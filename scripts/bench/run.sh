#!/usr/bin/env bash
# Runs every benchmark of docs/BENCHMARKS.md in one go and prints the
# figures, each beside its baseline from the same run:
#
# 1. the transfer size of the SPA's release build (scripts/size.sh) and of
#    the vanilla-JS page (printed by the browser benchmarks);
# 2. the browser benchmarks: the SPA beside the vanilla-JS page in headless
#    Chromium (scripts/bench/browser.mjs);
# 3. the cost of sealing and of opening a 32 KB value (the seal_cost
#    example of secrets-core);
# 4. the server under load: list, create and delete beside a static route
#    (scripts/load/run.sh), on SQLite, and with --postgres also on a
#    throwaway PostgreSQL cluster, and the disk's fsync time, the
#    baseline of a durable create (scripts/load/fsync_baseline.py).
#
#   scripts/bench/run.sh [--runs N] [--interaction-runs N] [--duration 10s]
#                        [--connections "1 16 64"] [--postgres]
#
# It builds the release server, client and SPA first. Everything binds to
# 127.0.0.1 only. The whole run takes about 10 minutes, 15 with
# --postgres. Run it on an otherwise idle machine: the figures are times.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$root"

runs=20
interaction_runs=50
duration=10s
connections="1 16 64"
postgres=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=${2:?"--runs needs a number"}; shift 2 ;;
    --interaction-runs) interaction_runs=${2:?"--interaction-runs needs a number"}; shift 2 ;;
    --duration) duration=${2:?"--duration needs a time such as 10s"}; shift 2 ;;
    --connections) connections=${2:?"--connections needs a list such as \"1 16 64\""}; shift 2 ;;
    --postgres) postgres=1; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1; see --help" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

target_dir=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d "${TMPDIR:-/tmp}/secrets-bench-XXXXXX")
cluster=""
cleanup() {
  if [[ -n $cluster ]]; then
    scripts/postgres.sh stop "$cluster" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "Machine"
echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "$(chromium --version 2>/dev/null || echo 'chromium: not found'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"

step "Release builds"
cargo build --release -p secrets-server -p secrets-client
trunk build --release --dist "$work/dist"

step "Transfer size of the SPA"
scripts/size.sh "$work/dist"

step "Browser: the SPA beside the vanilla-JS page"
node scripts/bench/browser.mjs \
  --server-bin "$target_dir/release/secrets-server" \
  --client-bin "$target_dir/release/secrets" \
  --dist "$work/dist" --runs "$runs" --interaction-runs "$interaction_runs"

step "Sealing and opening a 32 KB value"
cargo run --quiet --release -p secrets-core --example seal_cost

step "Server under load, SQLite"
scripts/load/run.sh --duration "$duration" --connections "$connections"

step "Baseline of a durable create: 4 KiB written and fsync'd"
scripts/load/fsync_baseline.py

if [[ $postgres -eq 1 ]]; then
  step "Server under load, PostgreSQL"
  # A directory of its own, which the cluster's owner may enter.
  cluster=$(mktemp -d /tmp/secrets-bench-postgres.XXXXXX)
  database_url=$(scripts/postgres.sh start "$cluster")
  scripts/load/run.sh --duration "$duration" --connections "$connections" \
    --database-url "$database_url"
fi
