#!/usr/bin/env bash
# Runs every test of the platform: formatting and lints, the content check, unit tests, the
# storage conformance suite on both backends (with DynamoDB Local really started), the web
# function's HTTP and Lambda tests, cfn-lint and checkov on the infrastructure, and the browser
# tests in headless Chromium with axe.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

step "prerequisites"
scripts/prerequisites.sh

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

step "content check"
cargo run -q -p safety-core --bin check-content -- content

step "browser bundle"
scripts/build-assets.sh

step "unit, conformance and web tests"
cargo test --workspace

step "infrastructure lint"
infra/check.sh

step "browser tests (Chromium + axe)"
cargo build -q -p web
(cd e2e && npm test)

printf '\nall tests passed\n'
