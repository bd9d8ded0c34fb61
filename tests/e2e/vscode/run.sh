#!/usr/bin/env bash
# End-to-end test of the VS Code extension in real VS Code (code-server) and headless Chromium:
# builds the release binary and the .vsix, installs it into code-server, opens a fixture
# workspace and checks the Problems panel, the hover and the quick fix (test.mjs).
#
#   bash tests/e2e/vscode/run.sh
#
# Installs what is missing: Chromium (apt), code-server (shared/tools/install-code-server.sh,
# from npm, into $E2E_CACHE/code-server; default .cache/ in the repository), the npm packages.
# Environment: E2E_CACHE, CARGO_TARGET_DIR, CODE_SERVER (an installed code-server binary),
# E2E_KEEP=1 (keep the temporary directory).
#
# Exit codes: 0 all passed; 1 a check failed or something could not be built;
# 77 skipped: Chromium or code-server could not be installed or started
# (prints "vscode e2e: SKIPPED: <reason>"; the caller decides what that means).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
ext="$repo/editors/vscode"
cache=${E2E_CACHE:-$repo/.cache}
artifacts="$repo/tests/e2e/artifacts"
started=$SECONDS
run_started=$(date +%s)
mkdir -p "$cache" "$artifacts"
rm -f "$artifacts"/vscode*.png "$artifacts"/vscode*.log "$artifacts"/code-server.log

say() { echo "vscode e2e: $*"; }
skip() { say "SKIPPED: $*"; exit 77; }
fail() { say "FAILED: $*"; say "0 passed, 1 failed"; exit 1; }
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# --- Chromium -------------------------------------------------------------------------------
chromium=${E2E_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  say "installing chromium (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || skip "chromium is not installed and apt-get install chromium failed"
  [ -x "$chromium" ] || skip "no $chromium after installing chromium"
fi

# --- code-server ----------------------------------------------------------------------------
code_server=${CODE_SERVER:-$cache/code-server/node_modules/.bin/code-server}
if [ ! -x "$code_server" ]; then
  installer=""
  for candidate in "$repo/../shared/tools/install-code-server.sh" "$repo/shared/tools/install-code-server.sh"; do
    [ -f "$candidate" ] && { installer=$candidate; break; }
  done
  [ -n "$installer" ] || skip "code-server is not installed and shared/tools/install-code-server.sh was not found"
  say "installing code-server into $cache/code-server (a few minutes)"
  bash "$installer" "$cache/code-server" > "$artifacts/code-server-install.log" 2>&1 \
    || skip "installing code-server failed (see tests/e2e/artifacts/code-server-install.log)"
  [ -x "$code_server" ] || skip "no code-server binary after the install"
fi

# code-server's extension gallery is on the internet; point it at a closed local port instead.
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item"}'

# --- npm packages, release binary, .vsix ----------------------------------------------------
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

say "building the release binary and the .vsix"
vsix="$work/distlint.vsix"
(cd "$ext" && npm run --silent package -- --out "$vsix") > "$artifacts/vscode-package.log" 2>&1 \
  || { tail -30 "$artifacts/vscode-package.log"; fail "building the .vsix (see tests/e2e/artifacts/vscode-package.log)"; }

# --- code-server profile with the extension -------------------------------------------------
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# Reference links point at this code-server (a 404 page), so opening one stays on this machine.
docs_url="http://127.0.0.1:$port/distlint-docs"
data="$work/data"
extensions="$work/extensions"
mkdir -p "$data/User" "$extensions"
# Quiet, predictable workbench. Workspace trust stays on: distlint supports untrusted
# workspaces, and test.mjs clicks the trust prompt away if one comes up.
cat > "$data/User/settings.json" <<'EOF'
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
  "distlint.trace.server": "messages",
  "distlint.docsBaseUrl": "@DOCS_URL@"
}
EOF
sed -i "s|@DOCS_URL@|$docs_url|" "$data/User/settings.json"
"$code_server" --install-extension "$vsix" --extensions-dir "$extensions" --user-data-dir "$data" \
  > "$artifacts/vscode-install-extension.log" 2>&1 \
  || { cat "$artifacts/vscode-install-extension.log"; skip "code-server --install-extension failed"; }
ls "$extensions" | grep -q '^distlint\.distlint-' || fail "the extension is not in $extensions after --install-extension"

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
log="$artifacts/code-server.log"
say "starting code-server on 127.0.0.1:$port"
setsid "$code_server" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --user-data-dir "$data" --extensions-dir "$extensions" \
  "$ws" > "$log" 2>&1 < /dev/null &
server_pid=$!
up=""
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    tail -20 "$log"; skip "code-server exited while starting (see tests/e2e/artifacts/code-server.log)"
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))' \
      "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    up=1; break
  fi
  sleep 0.5
done
[ -n "$up" ] || { tail -20 "$log"; skip "code-server did not answer on 127.0.0.1:$port within 60 s"; }
say "code-server is up after $((SECONDS - started)) s"

# --- the test -------------------------------------------------------------------------------
status=0
E2E_URL="http://127.0.0.1:$port/?folder=$ws" E2E_WORKSPACE="$ws" E2E_ARTIFACTS="$artifacts" \
  E2E_CHROMIUM="$chromium" E2E_DOCS_URL="$docs_url" E2E_DATA="$data" E2E_RUN_STARTED="$run_started" \
  timeout 420 node "$here/test.mjs" || status=$?
# The extension host's log (it includes the "distlint" output channel and the LSP trace).
find "$data/logs" -name '*distlint*.log' -exec cp {} "$artifacts/vscode-distlint-output.log" \; 2>/dev/null || true
if [ "$status" = 124 ]; then
  say "the browser test did not finish within 420 s; screenshots in tests/e2e/artifacts/"
  say "0 passed, 1 failed"
fi
exit $([ "$status" = 0 ] && echo 0 || echo 1)
