#!/usr/bin/env bash
# Builds the browser bundle into target/site: the islands' WebAssembly and its JS glue, the boot
# script and the stylesheet, each named by a hash of its content so it can be cached for a year,
# and manifest.json, which the web function reads at start-up.
#
# Needs: rustup target wasm32-unknown-unknown, and wasm-bindgen-cli at exactly the wasm-bindgen
# version in Cargo.lock, binaryen's wasm-opt and esbuild from e2e/node_modules, and node (scripts/prerequisites.sh
# installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${ASSET_PROFILE:-wasm-release}"
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen-cli $want is needed (found: ${have:-none}): cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi

echo "building the islands bundle ($profile)..."
cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate --profile "$profile"

stage=target/site-stage
out=target/site
rm -rf "$stage" && mkdir -p "$stage"
wasm-bindgen --target web --no-typescript --out-dir "$stage" --out-name app \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/app.wasm"
# binaryen's wasm-opt from npm (pinned in e2e/package.json): Debian's older wasm-opt (108) breaks
# wasm-bindgen's externref table, and islands then fail to hydrate.
wasm_opt=e2e/node_modules/.bin/wasm-opt
if [ -x "$wasm_opt" ]; then
  "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-debug --strip-producers \
    "$stage/app_bg.wasm" -o "$stage/app_bg.opt.wasm"
  mv "$stage/app_bg.opt.wasm" "$stage/app_bg.wasm"
else
  echo "warning: $wasm_opt not found (npm ci --prefix e2e); the WASM is not size-optimised" >&2
fi

# The JS glue and the boot script minified (esbuild from npm, pinned in e2e/package.json).
esbuild=e2e/node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "$esbuild not found: npm ci --prefix e2e (scripts/prerequisites.sh)" >&2; exit 1; }
"$esbuild" --minify --log-level=warning "$stage/app.js" --outfile="$stage/app.min.js"
mv "$stage/app.min.js" "$stage/app.js"

hashed() { # file ext -> name-<hash>.ext
  local h; h=$(sha256sum "$1" | cut -c1-16)
  echo "$2-$h.$3"
}
rm -rf "$out" && mkdir -p "$out/pkg"
wasm_name=$(hashed "$stage/app_bg.wasm" app_bg wasm)
cp "$stage/app_bg.wasm" "$out/pkg/$wasm_name"
js_name=$(hashed "$stage/app.js" app js)
cp "$stage/app.js" "$out/pkg/$js_name"
sed -e "s/__APP_JS__/$js_name/" -e "s/__APP_WASM__/$wasm_name/" app/boot.js > "$stage/boot.src.js"
"$esbuild" --minify --log-level=warning "$stage/boot.src.js" --outfile="$stage/boot.js"
boot_name=$(hashed "$stage/boot.js" boot js)
cp "$stage/boot.js" "$out/pkg/$boot_name"
css_name=$(hashed app/style/main.css style css)
cp app/style/main.css "$out/pkg/$css_name"

cat > "$out/manifest.json" <<JSON
{
  "css": "$css_name",
  "boot": "$boot_name",
  "files": ["$css_name", "$boot_name", "$js_name", "$wasm_name"]
}
JSON
rm -rf "$stage"
# Each file also pre-compressed (NAME.br, NAME.gz), served when the browser accepts it.
node scripts/compress-assets.mjs "$out/pkg"
echo "browser bundle in $out:"
( cd "$out/pkg" && for f in *; do
    case "$f" in *.br|*.gz) continue;; esac
    printf '  %-40s %8d bytes, %7d gzip, %7d brotli\n' "$f" "$(wc -c < "$f")" "$(wc -c < "$f.gz")" "$(wc -c < "$f.br")"
  done )
