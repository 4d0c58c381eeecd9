#!/usr/bin/env bash
# Runs the whole platform locally: the embedded store in ./data, the demo organisation and its
# content, the browser bundle, on http://127.0.0.1:3000 (APP_BIND to change it), and the local
# OpenID provider (panva's oidc-provider, e2e/oidc/provider.mjs) for the demo's "Sign in with the
# demo identity provider" on 127.0.0.1:3001 (OIDC_BIND to change it; OIDC_CLAIMS=id_token puts
# the claims in the ID token, by default they come only from UserInfo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prerequisites.sh run
scripts/build-assets.sh
cargo build -p web
bin="${CARGO_TARGET_DIR:-target}/debug"

bind="${APP_BIND:-127.0.0.1:3000}"
oidc_bind="${OIDC_BIND:-127.0.0.1:3001}"
secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
OIDC_BIND="$oidc_bind" OIDC_CLIENT_ID=demo-web OIDC_CLIENT_SECRET="$secret" \
  OIDC_REDIRECT_URIS="http://$bind/sign-in/sso/demo/callback" \
  OIDC_USERS_CSV=content/organisations/demo-people.csv \
  node e2e/oidc/provider.mjs &
oidc=$!
trap 'kill $oidc 2>/dev/null || true' EXIT

APP_BIND="$bind" APP_SSO_DEMO_ISSUER="http://$oidc_bind" APP_SSO_DEMO_CLIENT_SECRET="$secret" \
  "$bin/web" serve
