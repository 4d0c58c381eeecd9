#!/usr/bin/env bash
# Runs the aarch64 Lambda build (target/lambda/*/bootstrap, from scripts/build-lambda.sh) on this
# x86_64 machine under qemu user-mode emulation, through the same tests that check the x86_64
# binaries as Lambda runs them:
#
#   web        functions/web/tests/it/lambda_runtime.rs: the Lambda Runtime API conversation
#              with API Gateway HTTP API events on DynamoDB Local (pages, a worry sent and
#              looked up, a cross-site post refused), and the refusals to start without
#              secrets. The rest of the suite serves locally on the embedded store, which the
#              lean Lambda build (without the `local` feature) does not have.
#   notify     functions/notify/tests/lambda_runtime.rs: a sweep on DynamoDB Local, one email
#   reminders  functions/reminders/tests/lambda_runtime.rs: the template's schedule event on
#              DynamoDB Local, one reminder, nothing twice
#
# The tests start a fake Lambda Runtime API and DynamoDB Local; `<NAME>_TEST_BINARY` points
# them at `qemu-aarch64 -L /usr/aarch64-linux-gnu target/lambda/<name>/bootstrap`.
#
#   scripts/check-lambda-build.sh            check the binaries already built
#   scripts/check-lambda-build.sh --build    run scripts/build-lambda.sh first
#
# Installs what is missing (Debian's qemu-user; the test prerequisites: Java and DynamoDB Local).
# Not part of scripts/test.sh: it needs the release build (slow).
set -euo pipefail
cd "$(dirname "$0")/.."

build=0
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
start=$SECONDS

[ "$build" = 0 ] || scripts/build-lambda.sh
for f in web notify reminders; do
  [ -x "target/lambda/$f/bootstrap" ] || {
    echo "target/lambda/$f/bootstrap is missing: run scripts/build-lambda.sh (or pass --build)" >&2
    exit 1
  }
done
if ! command -v qemu-aarch64 >/dev/null; then
  echo "installing Debian's qemu-user (qemu-aarch64)..."
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends qemu-user >/dev/null
fi
# The aarch64 C library and loader come with the cross compiler build-lambda.sh installs.
sysroot=/usr/aarch64-linux-gnu
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || {
  echo "$sysroot/lib/ld-linux-aarch64.so.1 is missing: run scripts/build-lambda.sh (it installs libc6-dev-arm64-cross)" >&2
  exit 1
}
scripts/prerequisites.sh

emulated() { echo "qemu-aarch64 -L $sysroot $PWD/target/lambda/$1/bootstrap"; }
export WEB_TEST_BINARY NOTIFY_TEST_BINARY REMINDERS_TEST_BINARY
WEB_TEST_BINARY=$(emulated web)
NOTIFY_TEST_BINARY=$(emulated notify)
REMINDERS_TEST_BINARY=$(emulated reminders)

echo "==> web (aarch64, emulated)"
cargo test -q -p web --test it lambda_runtime
echo "==> notify (aarch64, emulated)"
cargo test -q -p notify --test lambda_runtime
echo "==> reminders (aarch64, emulated)"
cargo test -q -p reminders --test lambda_runtime
echo "the aarch64 Lambda build passed its checks under emulation in $((SECONDS - start)) s"
