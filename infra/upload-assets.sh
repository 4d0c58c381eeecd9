#!/usr/bin/env bash
# Uploads the browser bundle (target/site/pkg/*, built by scripts/build-assets.sh or
# scripts/build-lambda.sh) to the stack's private assets bucket, which CloudFront serves under
# /pkg/. Each file's name carries a hash of its content, so it is uploaded once, cached for a
# year (immutable) and never deleted: pages rendered before a deploy keep working.
#
#   infra/upload-assets.sh <stack name> [region]
#
# Run it BEFORE `sam deploy` of new function code (the new code names the new files). Needs the
# AWS CLI v2 with credentials allowed to s3:PutObject on the bucket and to describe the stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stack="${1:?usage: infra/upload-assets.sh <stack name> [region]}"
region="${2:-${AWS_REGION:-eu-west-2}}"
dir=target/site/pkg
[ -d "$dir" ] && [ -f target/site/manifest.json ] || {
  echo "$dir is missing: run scripts/build-lambda.sh (or scripts/build-assets.sh) first" >&2
  exit 1
}
bucket=$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query "Stacks[0].Outputs[?OutputKey=='AssetsBucketName'].OutputValue" --output text)
[ -n "$bucket" ] && [ "$bucket" != None ] || { echo "stack $stack has no AssetsBucketName output" >&2; exit 1; }

cache="public, max-age=31536000, immutable"
# Content types set explicitly: browsers compile WebAssembly while downloading only when it is
# served as application/wasm, and the CLI's guess depends on the machine.
for pair in "wasm:application/wasm" "js:text/javascript; charset=utf-8" "css:text/css; charset=utf-8"; do
  ext=${pair%%:*}
  type=${pair#*:}
  aws s3 cp --region "$region" --recursive "$dir" "s3://$bucket/pkg/" \
    --exclude "*" --include "*.$ext" --content-type "$type" --cache-control "$cache" --only-show-errors
done
# NAME.br and NAME.gz (pre-compressed for the local server) stay behind: CloudFront compresses.
others=$(find "$dir" -type f ! -name '*.wasm' ! -name '*.js' ! -name '*.css' ! -name '*.br' ! -name '*.gz' | wc -l)
[ "$others" = 0 ] || { echo "warning: $others file(s) of another type in $dir were not uploaded" >&2; }
echo "uploaded $(find "$dir" -type f ! -name '*.br' ! -name '*.gz' | wc -l) file(s) to s3://$bucket/pkg/ (listed in target/site/manifest.json)"
