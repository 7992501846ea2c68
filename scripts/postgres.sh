#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the tests, listening
# only on 127.0.0.1, with its data in a new temporary directory.
#
#   scripts/postgres.sh start DIR   creates a cluster in DIR, starts it and
#                                   prints its URL (postgres://...)
#   scripts/postgres.sh stop DIR    stops it and removes DIR
#
# The cluster trusts every connection from 127.0.0.1 without a password,
# which is only fit for tests. PostgreSQL refuses to run as root, so under
# root the cluster runs as the `postgres` user that Debian's package
# creates.
set -euo pipefail

# Port of the test server; SECRETS_TEST_POSTGRES_PORT changes it.
port="${SECRETS_TEST_POSTGRES_PORT:-54329}"

bin_dir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$dir" ]]; then
    echo "PostgreSQL is not installed; run scripts/install.sh --tests" >&2
    exit 1
  fi
  echo "$dir"
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir="$1" bin
  bin=$(bin_dir)
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
  fi
  as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  # The socket goes into the cluster's own directory, so no system
  # directory is needed.
  as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait \
    --options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300" \
    start >/dev/null
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir="$1" bin
  bin=$(bin_dir)
  if [[ -d "$dir/data" ]]; then
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?give a directory}" ;;
  stop) stop "${2:?give a directory}" ;;
  *)
    echo "usage: scripts/postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
