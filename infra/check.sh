#!/usr/bin/env bash
# Lints the SAM template with cfn-lint (which also runs the SAM transform).
# Exits non-zero on any error or warning. Works from any directory.
# Needs cfn-lint: `pip install cfn-lint`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint not found; install it with: pip install cfn-lint" >&2
  exit 127
fi

echo "$(cfn-lint --version)"
# cfn-lint exits non-zero on errors (2) and warnings (4), and on informational findings (8)
# only if asked; `set -e` turns any of that into a failure of this script.
cfn-lint infra/template.yaml
echo "infra/template.yaml: OK"
