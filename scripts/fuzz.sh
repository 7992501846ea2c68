#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after another, each from its
# committed seed corpus (fuzz/corpus/TARGET), and fails when a target
# crashes or its coverage never grows.
#
#   scripts/fuzz.sh smoke [TARGET...]          each target for 40 seconds
#   scripts/fuzz.sh long SECONDS [TARGET...]   each target for SECONDS seconds
#
# Without TARGET names it runs key_validation, dotenv_parser and
# request_decoding.
#
# The build runs on stable Rust: with --sanitizer none, cargo-fuzz 0.13
# passes only stable rustc flags (the sanitizer-coverage instrumentation
# that guides libFuzzer, --cfg fuzzing and debug assertions). Crash inputs go to
# fuzz/artifacts/TARGET; the corpus that a run grows, the logs and the
# build output go to fuzz/target, which stays out of git.
set -euo pipefail
source "$(dirname "$0")/env.sh"

usage() {
  echo "usage: scripts/fuzz.sh smoke [TARGET...] | scripts/fuzz.sh long SECONDS [TARGET...]" >&2
  exit 2
}

case "${1:-}" in
  smoke)
    seconds=40
    shift
    ;;
  long)
    [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage
    seconds=$2
    shift 2
    ;;
  *) usage ;;
esac

targets=(key_validation dotenv_parser request_decoding)
[[ $# -gt 0 ]] && targets=("$@")
fuzz_dir="$root/fuzz"
work_dir="$fuzz_dir/target/runs"

cd "$fuzz_dir"
cargo fuzz build --sanitizer none

# Prints the "cov:" figure of the first status line that matches PATTERN
# in the log FILE.
coverage_at() {
  awk -v pattern="$1" '$0 ~ pattern { for (i = 1; i < NF; i++) if ($i == "cov:") { print $(i + 1); exit } }' "$2"
}

failed=()
for target in "${targets[@]}"; do
  corpus="$work_dir/corpus/$target"
  log="$work_dir/$target.log"
  # The request target's store lives under TMPDIR, removed after the run.
  tmp="$work_dir/tmp/$target"
  rm -rf "$corpus" "$tmp"
  mkdir -p "$corpus" "$tmp"

  # libFuzzer starts with short inputs and lengthens them only after many
  # executions without new coverage. The request target runs about 400 to
  # 2,200 inputs a second on 2 cores, and with that default its inputs
  # stayed at 101 bytes in runs of up to 3 minutes, so it starts at the
  # maximum length.
  length_flags=(-max_len=4096)
  [[ $target == request_decoding ]] && length_flags+=(-len_control=0)

  printf '\n==> Fuzzing %s for %s seconds\n' "$target" "$seconds"
  # libFuzzer adds new inputs to the first corpus directory only, so the
  # seed corpus stays as committed.
  status=0
  TMPDIR="$tmp" cargo fuzz run --sanitizer none "$target" "$corpus" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${length_flags[@]}" >"$log" 2>&1 || status=$?
  rm -rf "$tmp"

  inited=$(coverage_at "INITED" "$log")
  done_coverage=$(coverage_at "DONE" "$log")
  if [[ $status -ne 0 ]]; then
    tail -n 60 "$log"
    echo "FAILED: $target exited with status $status. libFuzzer saves the input of a crash, timeout or out-of-memory error in fuzz/artifacts/$target." >&2
    failed+=("$target")
    continue
  fi
  if [[ -z "$inited" || -z "$done_coverage" || "$done_coverage" -le "$inited" ]]; then
    tail -n 30 "$log"
    echo "FAILED: $target found no new coverage (cov: ${inited:-none} at start, ${done_coverage:-none} at the end). Check that cargo-fuzz built it with coverage instrumentation." >&2
    failed+=("$target")
    continue
  fi

  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
  echo "cov: $inited at start, $done_coverage at the end; corpus: $(find "$corpus" -type f | wc -l) files"
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "Fuzz targets failed: ${failed[*]} (logs in $work_dir)" >&2
  exit 1
fi
