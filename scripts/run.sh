#!/usr/bin/env bash
# Runs the whole platform locally: the embedded store in ./data, the demo organisation and its
# content, the browser bundle, on http://127.0.0.1:3000 (APP_BIND to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh run
scripts/build-assets.sh
exec cargo run -p web -- serve
