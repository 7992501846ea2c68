#!/usr/bin/env bash
# Load test of the release server on 127.0.0.1 with wrk: a static route
# (GET /healthz, the ceiling), the list of a company's 50 secrets, creates
# and deletes, at each connection count. Prints requests per second, p50
# and p99 latency, non-2xx counts and the server's memory afterwards.
#
#   scripts/load/run.sh [--database-url URL] [--duration 10s]
#                       [--connections "1 16 64"] [--companies 400]
#                       [--keep-data] [--server-bin PATH]
#
# Each run starts a new server over a new data directory and creates new
# companies, also in a database given with --database-url.
# Each connection count runs the four routes in turn for --duration each,
# so the whole run takes about 4 x duration x counts, plus the setup.
# Requests are only sent to the server that this script starts.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
cd "$root"

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --database-url URL   database to pass to every secrets-server command
                       (default: SQLite in the temporary data directory)
  --duration TIME      length of each wrk run, in wrk's format (10s, 1m)
  --connections LIST   connection counts, separated by spaces
  --companies COUNT    companies whose secrets are created and deleted; each
                       takes up to 50 creates per connection count
  --keep-data          keep the temporary directory with the server's log,
                       the request files and wrk's output
  --server-bin PATH    secrets-server binary to measure instead of the
                       release build, such as a copy of an earlier build to
                       compare with in the same conditions
EOF
}

database_url=""
duration=10s
connections="1 16 64"
companies=400
keep_data=0
server_bin=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --database-url) database_url=${2:?"--database-url needs a URL"}; shift 2 ;;
    --duration) duration=${2:?"--duration needs a time such as 10s"}; shift 2 ;;
    --connections) connections=${2:?"--connections needs a list such as \"1 16 64\""}; shift 2 ;;
    --companies) companies=${2:?"--companies needs a number"}; shift 2 ;;
    --keep-data) keep_data=1; shift ;;
    --server-bin) server_bin=${2:?"--server-bin needs a path"}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown option $1; see --help" >&2; exit 2 ;;
  esac
done
if ! [[ $companies =~ ^[1-9][0-9]*$ ]]; then
  echo "error: --companies must be a positive whole number, not '$companies'" >&2
  exit 2
fi
for count in $connections; do
  if ! [[ $count =~ ^[1-9][0-9]*$ ]]; then
    echo "error: --connections must list positive whole numbers, not '$count'" >&2
    exit 2
  fi
done

log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || scripts/install.sh --load

# Two builds: building the server together with the example would turn on
# the features that the example's dev-dependencies need in shared
# dependencies, so the measured binary would differ from a plain release
# build. Cargo keeps both variants, so later runs rebuild nothing.
log "Building the request helper and the release server"
cargo build --release -p secrets-server --example load_requests
if [[ -z $server_bin ]]; then
  cargo build --release -p secrets-server --bin secrets-server
fi
target_dir="${CARGO_TARGET_DIR:-$root/target}/release"
server_bin_option=$server_bin
server_bin="${server_bin:-$target_dir/secrets-server}"
if [[ ! -x $server_bin ]]; then
  echo "error: $server_bin is not an executable file" >&2
  exit 2
fi
helper_bin="$target_dir/examples/load_requests"
lua_script="$root/scripts/load/requests.lua"

work_dir=$(mktemp -d -t secrets-load.XXXXXX)
data_dir="$work_dir/data"
server_pid=""

cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" || true
  fi
  if [[ $keep_data -eq 1 ]]; then
    log "Kept $work_dir"
  else
    rm -rf "$work_dir"
  fi
}
trap cleanup EXIT

# Arguments that select the database of every secrets-server command. The
# URL goes through the environment, which keeps a password in it out of
# the process list.
store_args=(--data-dir "$data_dir")
if [[ -n $database_url ]]; then
  export SECRETS_DATABASE_URL=$database_url
else
  unset SECRETS_DATABASE_URL
fi

# Names carry a run id, so that a second run against the same PostgreSQL
# database creates new companies instead of failing on existing ones.
# NOTE: each run makes a new data directory and so a new master key, which
# a database installed by an earlier run rejects. A second run against the
# same database needs the first run's key in SECRETS_MASTER_KEY, or give
# each run a new database.
run_id=$(date +%s)
conglomerate="load-$run_id"
list_company="load-$run_id-list"
pool_companies=()
for number in $(seq 1 "$companies"); do
  pool_companies+=("load-$run_id-$number")
done

# Runs an operator command of the setup with its errors in setup.log, and
# exits with that log when the command fails.
setup_command() {
  if ! "$server_bin" "$@" "${store_args[@]}" 2>>"$work_dir/setup.log"; then
    echo "error: \`secrets-server $1 $2\` failed during the setup; its errors:" >&2
    cat "$work_dir/setup.log" >&2
    exit 1
  fi
}

log "Creating conglomerate $conglomerate with $((companies + 1)) companies and a member"
setup_command conglomerate create "$conglomerate" >/dev/null
for company in "$list_company" "${pool_companies[@]}"; do
  setup_command company create "$company" --conglomerate "$conglomerate" >/dev/null
done
setup_command member add --company "$list_company" --name owner >/dev/null
SECRETS_TOKEN=$(setup_command token issue --company "$list_company" --name owner)
export SECRETS_TOKEN

# The write limit is per member, and this one member makes every change,
# so it is raised far above what the machine can reach.
log "Starting the server"
"$server_bin" serve --addr 127.0.0.1:0 "${store_args[@]}" --dist-dir "$work_dir/dist" \
  --write-burst 1000000000 --writes-per-minute 1000000000 \
  >"$work_dir/server.out" 2>"$work_dir/server.log" &
server_pid=$!
base_url=""
for _ in $(seq 1 300); do
  base_url=$(grep -o 'listening on http://[^ ]*' "$work_dir/server.log" | cut -d' ' -f3 || true)
  [[ -n $base_url ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "error: the server exited at start; its log:" >&2
    cat "$work_dir/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $base_url ]]; then
  echo "error: the server did not log 'listening on' within 30 seconds" >&2
  exit 1
fi
log "Server $base_url, pid $server_pid"

log "Seeding $list_company with 50 secrets through the API"
"$helper_bin" --server "$base_url" seed --company "$list_company" --count 50
printf 'GET\t/healthz\t\n' >"$work_dir/static.txt"
printf 'GET\t/api/v1/companies/%s/secrets\t\n' "$list_company" >"$work_dir/list.txt"

# Prints the server's resident memory now (VmRSS) and at its peak (VmHWM).
memory() {
  awk '
    /^VmRSS:/ { rss = $2 }
    /^VmHWM:/ { peak = $2 }
    END { printf "VmRSS %.1f MiB, VmHWM %.1f MiB", rss / 1024, peak / 1024 }
  ' "/proc/$server_pid/status"
}
memory_before=$(memory)

results="$work_dir/results.tsv"
: >"$results"

# Runs wrk on one request file and appends a line to the results: route,
# connections, then the fields of the Lua script's RESULT line.
measure() {
  local route=$1 connection_count=$2 requests_file=$3 mode=$4
  local threads=$((connection_count < 2 ? 1 : 2))
  local output="$work_dir/wrk-$route-$connection_count.txt"
  wrk --threads "$threads" --connections "$connection_count" --duration "$duration" \
    --timeout 10s --script "$lua_script" "$base_url" -- "$requests_file" "$threads" "$mode" \
    >"$output"
  local result
  result=$(grep '^RESULT ' "$output" | cut -d' ' -f2-) || {
    echo "error: wrk printed no RESULT line for $route; its output:" >&2
    cat "$output" >&2
    exit 1
  }
  printf '%s\t%s\t%s\n' "$route" "$connection_count" "$result" >>"$results"
  log "$route, $connection_count connections: $result"
}

load_average_before=$(cut -d' ' -f1-3 /proc/loadavg)
for connection_count in $connections; do
  measure static "$connection_count" "$work_dir/static.txt" repeat
  measure list "$connection_count" "$work_dir/list.txt" repeat

  # Creates go round-robin to companies below their limit, so none is
  # rejected by the limit of 50. Sealing happens before wrk starts.
  create_file="$work_dir/create-$connection_count.txt"
  "$helper_bin" --server "$base_url" create-requests --key-prefix "C${connection_count}" \
    --output "$create_file" "${pool_companies[@]}"
  measure create "$connection_count" "$create_file" once

  # Deletes remove what the creates added, so the pool is empty again for
  # the next connection count.
  delete_file="$work_dir/delete-$connection_count.txt"
  "$helper_bin" --server "$base_url" delete-requests --output "$delete_file" "${pool_companies[@]}"
  measure delete "$connection_count" "$delete_file" once
done
load_average_after=$(cut -d' ' -f1-3 /proc/loadavg)
memory_after=$(memory)
wrk_version=$(wrk --version 2>&1 | awk 'NR == 1 { print $2 }' || true)

# An awk function that reads the key=value fields of a results line into
# the array `field`.
read_fields='
  function read_fields(text,    pairs, pair, i) {
    split(text, pairs, " ")
    for (i in pairs) {
      split(pairs[i], pair, "=")
      field[pair[1]] = pair[2]
    }
  }
'

# Prints the results as a Markdown table, with each route's requests per
# second as a share of the static route's at the same connection count.
print_table() {
  awk -F'\t' "$read_fields"'
    BEGIN {
      print "| route | connections | requests/s | of static | p50 ms | p99 ms | requests | window s | non-2xx |"
      print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    }
    {
      read_fields($3)
      if ($1 == "static") static_rps[$2] = field["rps"]
      printf "| %s | %s | %.0f | %.1f%% | %.2f | %.2f | %d | %.1f | %d |\n",
        $1, $2, field["rps"], 100 * field["rps"] / static_rps[$2],
        field["p50_us"] / 1000, field["p99_us"] / 1000, field["requests"],
        field["window_us"] / 1e6, field["non_2xx"]
    }
  ' "$results"
}

# Prints a line for each run with a non-2xx response or a socket error.
print_failures() {
  awk -F'\t' "$read_fields"'
    {
      read_fields($3)
      sockets = field["connect_errors"] + field["read_errors"] + field["write_errors"] + field["timeouts"]
      if (field["non_2xx"] > 0 || sockets > 0)
        printf "%s, %s connections: %d non-2xx, %d socket errors or timeouts\n",
          $1, $2, field["non_2xx"], sockets
    }
  ' "$results"
}

echo
echo "Command: scripts/load/run.sh --duration $duration --connections \"$connections\"" \
  "--companies $companies${database_url:+ --database-url URL}" \
  "${server_bin_option:+--server-bin $server_bin_option}"
if [[ -n $database_url ]]; then
  echo "Database: PostgreSQL"
else
  echo "Database: SQLite"
fi
echo "Machine: $(nproc) cores," \
  "$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
  "wrk $wrk_version on the same machine;" \
  "load average $load_average_before before the load, $load_average_after after"
echo
print_table
echo
echo "Server memory after seeding: $memory_before"
echo "Server memory after the load: $memory_after"

failures=$(print_failures)
if [[ -n $failures ]]; then
  echo
  echo "Failed requests, which need an explanation:"
  echo "$failures"
  exit 1
fi
