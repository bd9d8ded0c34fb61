#!/usr/bin/env bash
# End-to-end test of the VS Code extension in real VS Code (code-server) and headless Chromium:
# builds the .vsix (bundling $DISTLINT_BINARY, else a release build), installs it into
# code-server, opens a fixture workspace and checks the Problems panel, the hover, the
# commands, restart, the quick fix, and that the bundled binary is the one running (test.mjs).
#
#   bash tests/e2e/vscode/run.sh
#
# Installs what is missing: Chromium (apt), code-server (install-code-server.sh here: a pinned
# version from npm, into $E2E_CACHE/code-server), the npm packages.
# Environment: E2E_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/distlint-e2e), CARGO_TARGET_DIR,
# DISTLINT_BINARY, CODE_SERVER (an installed code-server binary), E2E_CHROMIUM, E2E_KEEP=1
# (keep the temporary directory).
#
# Exit codes: 0 all passed; 1 a check failed, or our own artefact failed: the .vsix could not
# be built or installed, code-server with our extension did not start or answer;
# 77 skipped: this machine could not provide Chromium or code-server
# (prints "vscode e2e: SKIPPED: <reason>"; tests/e2e/run.sh counts it, and fails under CI=true).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ext="$repo/editors/vscode"
cache=${E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/distlint-e2e}
artifacts="$repo/tests/e2e/artifacts"
started=$SECONDS
run_started=$(date +%s)
mkdir -p "$cache" "$artifacts"
rm -f "$artifacts"/vscode*.png "$artifacts"/vscode*.log "$artifacts"/code-server*.log

say() { echo "vscode e2e: $*"; }
skip() { say "SKIPPED: $*"; exit 77; }
fail() { say "FAILED: $*"; say "0 passed, 1 failed"; exit 1; }
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --- Chromium -------------------------------------------------------------------------------
chromium=${E2E_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  say "installing Debian's chromium with apt-get (about 100 MB, a minute or two)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || skip "chromium is not installed and apt-get install chromium failed"
  [ -x "$chromium" ] || skip "no $chromium after installing chromium"
fi

# --- code-server ----------------------------------------------------------------------------
if [ -n "${CODE_SERVER:-}" ]; then
  code_server=$CODE_SERVER
  [ -x "$code_server" ] || fail "CODE_SERVER=$code_server is not executable"
else
  # Does nothing when the pinned version is already in the cache.
  bash "$here/install-code-server.sh" "$cache/code-server" 2>&1 | tee "$artifacts/code-server-install.log" \
    || skip "code-server could not be installed (see tests/e2e/artifacts/code-server-install.log)"
  code_server=$cache/code-server/node_modules/.bin/code-server
  [ -x "$code_server" ] || skip "no code-server binary after the install"
fi

# code-server's extension gallery is on the internet; point it at a closed local port instead.
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'

# --- npm packages, binary, .vsix --------------------------------------------------------------
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci in tests/e2e/vscode"
(cd "$ext" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci in editors/vscode"

work=$(mktemp -d "${TMPDIR:-/tmp}/distlint-e2e-vscode.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    # code-server was started in its own process group (setsid): end the whole group.
    kill -- "-$server_pid" 2>/dev/null || true
    sleep 1
    kill -9 -- "-$server_pid" 2>/dev/null || true
  fi
  if [ "${E2E_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "building the .vsix${DISTLINT_BINARY:+ around $DISTLINT_BINARY}"
vsix="$work/distlint.vsix"
(cd "$ext" && npm run --silent package -- --out "$vsix") > "$artifacts/vscode-package.log" 2>&1 \
  || { tail -30 "$artifacts/vscode-package.log"; fail "building the .vsix (see tests/e2e/artifacts/vscode-package.log)"; }

# --- code-server profile with the extension -------------------------------------------------
data="$work/data"
extensions="$work/extensions"
mkdir -p "$data/User" "$extensions"
# --config: code-server writes a default config file on every start; keep it out of $HOME.
# Our own .vsix must install: a failure here is a failure of what we ship, not a skip.
"$code_server" --config "$work/code-server.yaml" --install-extension "$vsix" \
  --extensions-dir "$extensions" --user-data-dir "$data" \
  > "$artifacts/vscode-install-extension.log" 2>&1 \
  || { cat "$artifacts/vscode-install-extension.log"; fail "code-server --install-extension of our .vsix failed"; }
installed=$(find "$extensions" -mindepth 1 -maxdepth 1 -type d -name 'distlint.distlint-*' | head -n 1)
[ -n "$installed" ] || fail "the extension is not in $extensions after --install-extension"
bundled="$installed/bin/distlint"
[ -x "$bundled" ] || fail "the installed extension has no executable bin/distlint"
if [ -n "${DISTLINT_BINARY:-}" ]; then
  cmp -s "$bundled" "$DISTLINT_BINARY" || fail "the installed extension's bin/distlint is not a copy of $DISTLINT_BINARY"
fi

# --- fixture workspace ----------------------------------------------------------------------
ws="$work/workspace"
mkdir -p "$ws/lib"
cat > "$ws/mix.exs" <<'EOF'
defmodule App.MixProject do
  use Mix.Project

  def project do
    [app: :app, version: "0.1.0", deps: []]
  end
end
EOF
cat > "$ws/lib/app.ex" <<'EOF'
defmodule App do
  def f(n), do: :erpc.call(n, Worker, :run, [])
end
EOF

# --- start code-server ----------------------------------------------------------------------
# It binds port 0, so the kernel hands it a free port, which it then logs: no port is picked
# beforehand and released for another process to take.
log="$artifacts/code-server.log"
say "starting code-server on 127.0.0.1 (a free port)"
setsid "$code_server" --config "$work/code-server.yaml" --auth none --bind-addr "127.0.0.1:0" \
  --disable-telemetry --disable-update-check --user-data-dir "$data" --extensions-dir "$extensions" \
  "$ws" > "$log" 2>&1 < /dev/null &
server_pid=$!
port=""
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -20 "$log"
    fail "code-server with our extension exited while starting (see tests/e2e/artifacts/code-server.log)"
  fi
  port=$(sed -n 's|.*HTTP server listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$log" | head -n 1)
  if [ -n "$port" ] && node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))' \
    "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    break
  fi
  port=""
  sleep 0.5
done
[ -n "$port" ] || { tail -20 "$log"; fail "code-server with our extension did not answer within 60 s"; }
say "code-server is up on 127.0.0.1:$port after $((SECONDS - started)) s"

# User settings. The workbench reads them when the browser opens it, so they can name the port.
# Reference links point at this code-server (a 404 page), so opening one stays on this machine.
# Quiet, predictable workbench. Workspace trust stays on: distlint supports untrusted
# workspaces, and test.mjs clicks the trust prompt away if one comes up.
docs_url="http://127.0.0.1:$port/distlint-docs"
cat > "$data/User/settings.json" <<EOF
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "extensions.ignoreRecommendations": true,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.hover.delay": 300,
  "files.autoSave": "off",
  "security.workspace.trust.startupPrompt": "never",
  "distlint.trace.server": "verbose",
  "distlint.docsBaseUrl": "$docs_url"
}
EOF

# --- the test -------------------------------------------------------------------------------
status=0
E2E_URL="http://127.0.0.1:$port/?folder=$ws" E2E_WORKSPACE="$ws" E2E_ARTIFACTS="$artifacts" \
  E2E_CHROMIUM="$chromium" E2E_DOCS_URL="$docs_url" E2E_DATA="$data" E2E_RUN_STARTED="$run_started" \
  E2E_BUNDLED_BINARY="$bundled" \
  timeout 420 node "$here/test.mjs" || status=$?
# The extension host's log (it includes the "distlint" output channel and the LSP trace).
find "$data/logs" -name '*distlint*.log' -exec cp {} "$artifacts/vscode-distlint-output.log" \; 2>/dev/null || true
if [ "$status" = 124 ]; then
  say "the browser test did not finish within 420 s; screenshots in tests/e2e/artifacts/"
  say "0 passed, 1 failed"
fi
exit $([ "$status" = 0 ] && echo 0 || echo 1)
