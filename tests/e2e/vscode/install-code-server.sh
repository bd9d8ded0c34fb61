#!/usr/bin/env bash
# Puts a pinned code-server (VS Code served to a browser) into a cache directory for the
# VS Code end-to-end test, using nothing but the npm registry and Debian's packages.
#
#   bash tests/e2e/vscode/install-code-server.sh [DIR]
#
# DIR defaults to $E2E_CACHE/code-server, and E2E_CACHE to ${XDG_CACHE_HOME:-~/.cache}/distlint-e2e.
# When DIR already holds this version, nothing is done; another version there is replaced.
# The binary is then DIR/node_modules/.bin/code-server.
#
# Why it is not a plain `npm install code-server`: the package's install scripts fetch
# prebuilt binaries (ripgrep, native modules) from outside the npm registry, which machines
# without general internet access cannot reach. So the scripts are skipped, the native
# modules are compiled here against the local Node.js headers, and ripgrep is Debian's.
#
# The version is pinned on purpose: 4.100.x is the last code-server line that runs on
# Node.js 20 (later ones need Node.js 22), and a test that changes VS Code under us
# would not be a test of our extension.
set -euo pipefail

VERSION=4.100.3
cache=${E2E_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/distlint-e2e}
dir=${1:-$cache/code-server}
marker="$dir/.distlint-e2e-installed"

say() { echo "install-code-server: $*"; }
die() { say "ERROR: $*" >&2; exit 1; }

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$VERSION" ] && [ -x "$dir/node_modules/.bin/code-server" ]; then
  say "code-server $VERSION is already installed in $dir"
  exit 0
fi

# --- prerequisites, checked before anything is installed ------------------------------------
command -v node >/dev/null || die "Node.js 20 is needed (node is not on PATH)"
command -v npm >/dev/null || die "npm is needed (it is not on PATH)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || die "code-server $VERSION needs Node.js 20; this is Node.js $(node --version)"
node_headers="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node"
[ -f "$node_headers/node_api.h" ] ||
  die "the native modules are compiled against Node.js's headers, and $node_headers/node_api.h is missing"

# What the native modules need to compile (node-gyp: python3, make, a C++ compiler;
# kerberos: the Kerberos headers and pkg-config), and ripgrep for VS Code's search.
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v krb5-config >/dev/null || missing+=(libkrb5-dev)
[ -x /usr/bin/rg ] || missing+=(ripgrep)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages needed to build code-server's native modules: ${missing[*]} (about a minute)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing: ${missing[*]}. Install them (Debian: sudo apt-get install ${missing[*]}) and run this again"
  fi
fi

# npm 7 and later run install scripts as root when root owns the directory; npm 6 needs
# --unsafe-perm for that.
npm_flags=(--no-audit --no-fund --loglevel=error)
npm_major=$(npm --version | cut -d. -f1)
if [ "$(id -u)" = 0 ] && [ "$npm_major" -lt 7 ]; then
  npm_flags+=(--unsafe-perm)
fi
export npm_config_update_notifier=false
# node-pty's post-install step runs `npx node-gyp`, which would stop to ask before fetching it.
export npm_config_yes=true

# --- install into a staging directory, move it into place when complete -----------------------
say "installing code-server $VERSION from the npm registry into $dir"
say "this downloads about 150 MB of npm packages and compiles four native modules: 1 to 8 minutes on 2 cores"
started=$SECONDS
mkdir -p "$(dirname "$dir")"
stage=$(mktemp -d "$dir.partial.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cd "$stage"
echo '{"private": true}' >package.json

step() { say "[$((SECONDS - started)) s] $*"; }
step "npm install code-server@$VERSION (install scripts skipped)"
npm install "${npm_flags[@]}" --ignore-scripts "code-server@$VERSION" >/dev/null
step "compiling argon2 (password hashing; unused with --auth none, but loaded)"
npm rebuild "${npm_flags[@]}" argon2 >/dev/null

vscode=node_modules/code-server/lib/vscode
step "npm install of VS Code's own dependencies"
(cd "$vscode" && npm install "${npm_flags[@]}" --omit=dev --ignore-scripts >/dev/null)
# @vscode/ripgrep's install script downloads rg; Debian's does the same job.
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp /usr/bin/rg "$vscode/node_modules/@vscode/ripgrep/bin/rg"
step "compiling kerberos, node-pty, @parcel/watcher, @vscode/spdlog"
(cd "$vscode" && npm rebuild "${npm_flags[@]}" kerberos node-pty @parcel/watcher @vscode/spdlog >/dev/null)
# Links that code-server's own postinstall script would have made.
ln -sfn node_modules "$vscode/node_modules.asar"
ln -sf code-linux.sh "$vscode/bin/remote-cli/code-server"
ln -sf browser-linux.sh "$vscode/bin/helpers/browser.sh"
step "npm install of the built-in extensions' dependencies"
(cd "$vscode/extensions" && npm install "${npm_flags[@]}" --omit=dev --ignore-scripts >/dev/null)

bin="$stage/node_modules/.bin/code-server"
[ -x "$bin" ] || die "no node_modules/.bin/code-server after the install"
# (XDG_CONFIG_HOME: code-server writes a default config.yaml there on every start.)
got=$(XDG_CONFIG_HOME="$stage/.config" "$bin" --version 2>/dev/null | grep -Eo '^[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
rm -rf "$stage/.config"
[ "$got" = "$VERSION" ] || die "the installed code-server says its version is '$got', expected $VERSION"
echo "$VERSION" >.distlint-e2e-installed

cd /
rm -rf "$dir"
mv "$stage" "$dir"
trap - EXIT
say "code-server $VERSION installed in $dir after $((SECONDS - started)) s"
