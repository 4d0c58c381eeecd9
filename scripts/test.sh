#!/usr/bin/env bash
# Runs the platform's tests. With no argument, every stage in order; with stage names, only
# those (e.g. `scripts/test.sh unit web` while working on a handler):
#   fmt    formatting, clippy (also of the Lambda build's features) and the content check
#   unit   the crates' unit tests and doc tests (no services)
#   store  the integration tests of the core, notify and reminders: the storage conformance
#          suite on both backends (DynamoDB Local really started), the domain and Lambda tests
#   web    the web function's HTTP and Lambda tests (builds the browser bundle first)
#   infra  cfn-lint and checkov on the templates
#   e2e    the browser tests in headless Chromium with axe (builds the bundle and the server)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }

all=(fmt unit store web infra e2e)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=("${all[@]}")
for s in "${stages[@]}"; do
  case " ${all[*]} " in
    *" $s "*) ;;
    *) echo "unknown stage '$s'; the stages are: ${all[*]}" >&2; exit 2 ;;
  esac
done

step "prerequisites"
scripts/prerequisites.sh

bundle_built=
bundle() {
  if [ -z "$bundle_built" ]; then
    step "browser bundle"
    scripts/build-assets.sh
    bundle_built=1
  fi
}

for s in "${stages[@]}"; do
  started=$SECONDS
  case "$s" in
    fmt)
      step "formatting and lints"
      cargo fmt --all -- --check
      cargo clippy --workspace --all-targets -- -D warnings
      # the Lambda build: the functions without the local run's features (scripts/build-lambda.sh)
      cargo clippy -p web -p notify -p reminders --no-default-features --lib --bins -- -D warnings
      step "content check"
      cargo run -q -p safety-core --bin check-content -- content
      ;;
    unit)
      step "unit tests"
      cargo test --workspace --lib --bins
      cargo test --workspace --doc
      ;;
    store)
      step "core, notify and reminders integration tests (both stores)"
      cargo test --workspace --exclude web --test '*'
      ;;
    web)
      bundle
      step "web function tests"
      cargo test -p web --test '*'
      ;;
    infra)
      step "infrastructure lint"
      infra/check.sh
      ;;
    e2e)
      bundle
      step "browser tests (Chromium + axe)"
      cargo build -q -p web
      (cd e2e && npm test)
      ;;
  esac
  printf '==> %s: %ss\n' "$s" "$((SECONDS - started))"
done

printf '\nall tests passed (%s)\n' "${stages[*]}"
