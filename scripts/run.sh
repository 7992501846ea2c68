#!/usr/bin/env bash
# Installs what is missing, builds the SPA, the server and the `secrets`
# client in release mode, and runs the product on 127.0.0.1:8080 with its
# data in ./data.
#
# Environment: SECRETS_ADDR (default 127.0.0.1:8080), SECRETS_DATA_DIR
# (default ./data), and everything `secrets-server serve --help` lists.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

addr=${SECRETS_ADDR:-127.0.0.1:8080}
data_dir=${SECRETS_DATA_DIR:-$root/data}

scripts/install.sh
trunk build --release
cargo build --release -p secrets-server -p secrets-client
server=target/release/secrets-server

# A first start prints its own login link. Later starts get a fresh one here,
# because each link works once.
if [[ -f "$data_dir/secrets.db" ]]; then
  echo "Open this link to sign in as owner of acme (it works once):"
  "$server" login-link --data-dir "$data_dir" --company acme --name owner --base-url "http://$addr"
fi
echo "After signing in, the demo shell is at http://$addr/demo/?company=acme"
exec "$server" serve --addr "$addr" --data-dir "$data_dir" --dist-dir "$root/dist"
