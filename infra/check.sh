#!/usr/bin/env bash
# Lints the AWS templates (infra/template.yaml, and infra/waf.yaml for us-east-1) with cfn-lint
# (which also runs the SAM transform), then scans them with checkov (security and good
# practice). Exits non-zero on any cfn-lint error or warning and on any failed checkov check;
# every check skipped is named at its resource in the template with its reason
# (`Metadata: checkov: skip:`). Works from any directory.
# Needs cfn-lint and checkov (scripts/prerequisites.sh installs both, pinned).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

templates=(infra/template.yaml infra/waf.yaml)

for tool in cfn-lint checkov; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool not found; install it with scripts/prerequisites.sh (python3 -m pip install $tool)" >&2
    exit 127
  fi
done

echo "$(cfn-lint --version)"
# cfn-lint exits non-zero on errors (2) and warnings (4), and on informational findings (8)
# only if asked; `set -e` turns any of that into a failure of this script.
cfn-lint "${templates[@]}"
echo "cfn-lint: ${templates[*]}: OK"

echo "checkov $(checkov --version)"
# --skip-download: no call to Prisma Cloud for its guidelines (offline, and the same result).
# checkov exits 1 when any check fails; the summary line has the passed/failed/skipped counts.
for template in "${templates[@]}"; do
  checkov --file "$template" --framework cloudformation --quiet --compact --skip-download
  echo "checkov: $template: OK"
done
