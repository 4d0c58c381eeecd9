#!/usr/bin/env bash
# Prints the platform's speed and size figures (a benchmark, not a test): cold start (local, and
# each Lambda function's under a fake Runtime API on DynamoDB Local), latency and
# throughput of the module page and the worry submission under wrk on loopback, sign-in time for
# registered and unregistered addresses, bytes transferred
# (gzip) per page, release binary and WASM sizes. Uses the release build and the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -f target/site/manifest.json ] || scripts/build-assets.sh >/dev/null
cargo build -q -p web -p notify -p reminders --release
bin=target/release/web
port=${BENCH_PORT:-3917}
threads=2; conns=16; secs=${BENCH_SECONDS:-10}
# every request comes from 127.0.0.1: lift the per-address worry limit so the store path is
# what is measured (the counter update is still made on every submission)
export APP_SITE_DIR="$PWD/target/site" APP_LOG=json APP_WORRY_LIMIT=100000000
module=/learn/four-cs-of-online-risk
guidance=/parents/talking-with-your-child

echo "== machine: $(nproc) cores, $(uname -m); wrk -t$threads -c$conns -d${secs}s on loopback"
python3 bench/coldstart.py "$bin" "$port" "$module" 10
# the three functions' Lambda cold starts on DynamoDB Local, itemised; each held to 25 ms
python3 bench/lambda_cold_start.py --dir target/release --runs 10 ||
  echo "(a function's cold start is over its budget: see above)"
python3 bench/notify_latency.py "$bin" "$port" 200
python3 bench/sign_in_timing.py "$bin" "$port" 100
python3 bench/learning.py "$bin" "$port"
cargo run -q --release -p safety-core --example inbox_figures
cargo run -q --release -p safety-core --example compliance_figures
cargo run -q --release -p safety-core --example tenancy_figures

data=$(mktemp -d)
APP_BIND=127.0.0.1:$port APP_DATA_DIR=$data RUST_LOG=warn "$bin" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.05; done

latency() { # wrk output -> "p50 .. p99 .. rps .."
  awk '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /^Requests\/sec/{rps=$2} /Non-2xx/{bad=$NF} END{printf "p50 %s, p99 %s, %s req/s%s\n", p50, p99, rps, bad ? ", non-2xx: " bad : ""}'
}
printf 'module page (GET %s): ' "$module"
module_wrk=$(wrk -t$threads -c$conns -d${secs}s --latency "http://127.0.0.1:$port$module")
latency <<<"$module_wrk"

tokens=$(mktemp)
python3 bench/tokens.py "$port" 20000 "$tokens"
printf 'worry submit (POST /tell, a new worry each, stored durably): '
TOKENS_FILE=$tokens WRK_THREADS=$threads wrk -t$threads -c$conns -d${secs}s --latency -s bench/submit.lua "http://127.0.0.1:$port/tell" | latency

# Public pages are served from memory (functions/web/src/edge/public.rs): their p50 against the
# static CSS from the same process in the same run (the goal: within 2x).
p50_us() { # wrk output -> its p50 in microseconds
  awk '/^ +50%/{v=$2; m=1; if (v ~ /us$/) m=1; else if (v ~ /ms$/) m=1000; else if (v ~ /s$/) m=1000000; sub(/[a-z]+$/, "", v); printf "%.1f", v*m}'
}
css_path=/pkg/$(python3 -c 'import json;print(json.load(open("target/site/manifest.json"))["css"])')
printf 'guidance page (GET %s): ' "$guidance"
guidance_wrk=$(wrk -t$threads -c$conns -d${secs}s --latency "http://127.0.0.1:$port$guidance")
latency <<<"$guidance_wrk"
printf 'static CSS (GET %s): ' "$css_path"
css_wrk=$(wrk -t$threads -c$conns -d${secs}s --latency "http://127.0.0.1:$port$css_path")
latency <<<"$css_wrk"
css_p50=$(p50_us <<<"$css_wrk")
for page in module guidance; do
  wrk_out=${page}_wrk
  awk -v page="$page" -v p="$(p50_us <<<"${!wrk_out}")" -v c="$css_p50" \
    'BEGIN{printf "%s page p50 / static CSS p50: %.0f us / %.0f us = %.2fx (goal: 2x at most)\n", page, p, c, p / c}'
done

bytes() { curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$1"; }
css=$(python3 -c 'import json;print(json.load(open("target/site/manifest.json"))["css"])')
js_files=$(python3 -c 'import json;m=json.load(open("target/site/manifest.json"));print(" ".join(f for f in m["files"] if not f.endswith(".css")))')
g_html=$(bytes "$guidance"); m_html=$(bytes "$module"); c=$(bytes "/pkg/$css"); js=0
for f in $js_files; do js=$((js + $(bytes "/pkg/$f"))); done
echo "guidance page transferred (gzip): HTML $g_html + CSS $c + JS/WASM 0 (no islands) = $((g_html + c)) bytes"
echo "module page transferred (gzip): HTML $m_html + CSS $c + JS/WASM $js = $((m_html + c + js)) bytes"
wasm=$(ls target/site/pkg/*.wasm)
echo "release binary: $(stat -c %s "$bin") bytes; WASM: $(stat -c %s "$wasm") bytes ($(gzip -9c "$wasm" | wc -c) gzipped)"
