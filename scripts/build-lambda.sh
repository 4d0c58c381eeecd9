#!/usr/bin/env bash
# Builds the Lambda functions for AWS (provided.al2023, arm64) on an x86_64 Debian machine:
# cross-compiles the `web`, `notify` and `reminders` binaries to aarch64-unknown-linux-gnu with
# Debian's cross GCC as linker, and lays them out where infra/template.yaml's CodeUri points:
#
#   target/lambda/web/bootstrap        the web function
#   target/lambda/web/site/manifest.json  the browser bundle's manifest (scripts/build-assets.sh):
#                                      the hashed file names the pages link to, which the web
#                                      function reads from `site/` beside its binary
#   target/lambda/notify/bootstrap     the notify function
#   target/lambda/reminders/bootstrap  the reminders function
#
# The browser bundle itself (target/site/pkg/) is uploaded to the stack's S3 bucket, which
# CloudFront serves (infra/README.md, Deploy); the web function only reads its manifest, so the
# package carries the manifest alone.
#
# The binaries are built lean: without the web function's `local` feature (the embedded store,
# the local notifier and reminders, the demo people, the operator's commands: what only a local
# run needs), with the `lambda-release` profile (Cargo.toml: optimised for size, fat LTO, one
# codegen unit, panic = "abort", stripped) and without unwind tables (a linker script,
# scripts/lambda-discard-unwind-tables.ld). The web package's budget is 10 MB unzipped: the sizes
# are printed at the end, with a warning (or, with --strict, a failure) when web is over.
#
# Then it checks each binary: ELF for aarch64, and no symbol needing a glibc newer than Amazon
# Linux 2023's (2.34; Debian 12 has 2.36). It fails with the offending symbols if one does.
#
#   scripts/build-lambda.sh              everything (builds the browser bundle too)
#   scripts/build-lambda.sh --no-assets  do not rebuild the bundle: use the existing target/site
#   scripts/build-lambda.sh --strict     fail (exit 3) when the web package is over its budget
#
# Installs what is missing first (Debian packages gcc-aarch64-linux-gnu and libc6-dev-arm64-cross,
# the rustup target aarch64-unknown-linux-gnu); the bundle needs what `scripts/prerequisites.sh run`
# installs. Honours CARGO_TARGET_DIR. Slow (a full release build): not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-unknown-linux-gnu
glibc_max=2.34 # Amazon Linux 2023
functions=(web notify reminders)
assets=1
strict=0
for arg in "$@"; do
  case "$arg" in
    --no-assets) assets=0 ;;
    --strict) strict=1 ;;
    -h | --help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
start=$SECONDS

# --- what is missing ---------------------------------------------------------------------------
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! dpkg -s libc6-dev-arm64-cross >/dev/null 2>&1; then
  echo "installing Debian's aarch64 cross compiler (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)..."
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi
objdump=aarch64-linux-gnu-objdump # from binutils-aarch64-linux-gnu, which the cross GCC pulls in

# --- build -------------------------------------------------------------------------------------
# The linker, and the C compiler for crates that compile C or assembly (ring).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}"
export CC_aarch64_unknown_linux_gnu="${CC_aarch64_unknown_linux_gnu:-aarch64-linux-gnu-gcc}"
export AR_aarch64_unknown_linux_gnu="${AR_aarch64_unknown_linux_gnu:-aarch64-linux-gnu-ar}"

if [ "$assets" = 1 ]; then
  scripts/build-assets.sh
fi
[ -f target/site/manifest.json ] || {
  echo "target/site/manifest.json is missing: run scripts/build-assets.sh (or drop --no-assets)" >&2
  exit 1
}

profile=lambda-release
# A target's own rustflags replace .cargo/config.toml's build.rustflags, so Leptos's type-erased
# components (--cfg erase_components, set there for every build) are named again here. The linker
# script leaves out the unwind tables: nothing unwinds under the profile's panic = "abort".
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="--cfg erase_components -C link-arg=-Wl,-T,$PWD/scripts/lambda-discard-unwind-tables.ld"
echo "building ${functions[*]} for $target (profile $profile, without the local run's features)..."
pkgs=()
for f in "${functions[@]}"; do pkgs+=(-p "$f"); done
cargo build --profile "$profile" --no-default-features --target "$target" "${pkgs[@]}"
build_dir="${CARGO_TARGET_DIR:-target}/$target/$profile"

# --- lay out what SAM zips (CodeUri: ../target/lambda/<name>/, relative to infra/) ---------------
for f in "${functions[@]}"; do
  out=target/lambda/$f
  rm -rf "$out" && mkdir -p "$out"
  cp "$build_dir/$f" "$out/bootstrap"
  chmod 755 "$out/bootstrap"
done
mkdir -p target/lambda/web/site
cp target/site/manifest.json target/lambda/web/site/

# --- checks ------------------------------------------------------------------------------------
failed=0
for f in "${functions[@]}"; do
  bin=target/lambda/$f/bootstrap
  if command -v file >/dev/null; then
    kind=$(file -b "$bin")
    case "$kind" in
      *"ELF 64-bit"*"ARM aarch64"*) ;;
      *) echo "error: $bin is not a 64-bit aarch64 ELF executable: $kind" >&2; failed=1; continue ;;
    esac
  else
    kind=$(readelf -h "$bin" | awk -F: '/Machine:/{gsub(/^ +/,"",$2); print $2}')
    [ "$kind" = AArch64 ] || { echo "error: $bin is not an aarch64 ELF executable (machine: $kind)" >&2; failed=1; continue; }
  fi
  # Dynamic symbols with their version, e.g. "... (GLIBC_2.17) pthread_create"; readelf if the
  # cross objdump is somehow absent.
  if command -v "$objdump" >/dev/null; then
    syms=$("$objdump" -T "$bin")
  else
    syms=$(readelf --dyn-syms -W "$bin")
  fi
  versions=$( (grep -o 'GLIBC_[0-9][0-9.]*' <<<"$syms" || true) | sed 's/^GLIBC_//' | sort -uV)
  highest=$(tail -1 <<<"$versions")
  too_new=$(awk -v max="$glibc_max" '
    function newer(a, b,   x, y, i, n) {
      n = split(a, x, "."); split(b, y, ".")
      for (i = 1; i <= 3; i++) { if ((x[i] + 0) != (y[i] + 0)) return (x[i] + 0) > (y[i] + 0) }
      return 0
    }
    { if (newer($0, max)) print $0 }' <<<"$versions")
  if [ -n "$too_new" ]; then
    echo "error: $bin needs glibc newer than $glibc_max (Amazon Linux 2023 has $glibc_max), it would not start on Lambda:" >&2
    for v in $too_new; do
      grep -F "GLIBC_$v" <<<"$syms" | sed 's/^ */  /' >&2
    done
    failed=1
  fi
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ')
  echo "$f: $kind"
  echo "$f: highest glibc symbol version GLIBC_${highest:-none} (limit $glibc_max); needs: $needed"
done
[ "$failed" = 0 ] || { echo "the Lambda build FAILED its checks (see above)" >&2; exit 1; }

# --- sizes ---------------------------------------------------------------------------------------
# SAM zips each directory; Lambda allows 250 MB unzipped and 50 MB zipped for a direct upload.
# Our own budget: the web package within 10 MB unzipped (issue 23: a smaller package loads
# faster at a cold start).
web_budget=$((10 * 1000 * 1000))
zipped_size() { # the directory as SAM uploads it: a zip of its contents (deflate)
  local tmp
  tmp=$(mktemp -u --suffix=.zip)
  (cd "$1" && zip -q -r -6 "$tmp" .)
  stat -c %s "$tmp"
  rm -f "$tmp"
}
echo "Lambda packages (built in $((SECONDS - start)) s):"
printf '  %-28s %12s %12s %12s\n' package bootstrap unzipped zipped
over=0
for f in "${functions[@]}"; do
  dir=target/lambda/$f
  unzipped=$(du -sb "$dir" | cut -f1)
  printf '  %-28s %12d %12d %12d bytes\n' "$dir/" "$(stat -c %s "$dir/bootstrap")" "$unzipped" "$(zipped_size "$dir")"
  if [ "$f" = web ]; then web_unzipped=$unzipped; fi
done
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }
if [ "$web_unzipped" -gt "$web_budget" ]; then
  echo "WARNING: target/lambda/web/ is $(mb "$web_unzipped") unzipped, OVER its budget of $(mb "$web_budget") by $(mb $((web_unzipped - web_budget)))" >&2
  over=1
else
  echo "  web: $(mb "$web_unzipped") unzipped, within its budget of $(mb "$web_budget")"
fi
echo "next: scripts/check-lambda-build.sh runs them under emulation through the Lambda tests"
if [ "$over" = 1 ] && [ "$strict" = 1 ]; then exit 3; fi
