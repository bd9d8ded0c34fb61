#!/usr/bin/env bash
# Puts the distlint binary that the extension starts by default into bin/.
#
#   scripts/bundle-binary.sh                 build the release binary for this machine, copy it
#   DISTLINT_BINARY=path scripts/bundle-binary.sh   copy that binary instead (e.g. one built
#                                            with `cargo build --release --target <triple>`)
#
# CARGO_TARGET_DIR is honoured. The .vsix must then be packaged for the matching VS Code
# target (`vsce package --target linux-x64`, `darwin-arm64`, `win32-x64`, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/../.." && pwd)

binary=${DISTLINT_BINARY:-}
if [ -z "$binary" ]; then
  (cd "$repo" && cargo build --release --locked -p distlint)
  target_dir=${CARGO_TARGET_DIR:-$repo/target}
  binary=$target_dir/release/distlint
fi
[ -f "$binary" ] || { echo "bundle-binary: $binary does not exist" >&2; exit 1; }

name=distlint
case "$binary" in *.exe) name=distlint.exe ;; esac
mkdir -p "$here/bin"
rm -f "$here/bin/distlint" "$here/bin/distlint.exe"
cp "$binary" "$here/bin/$name"
chmod 755 "$here/bin/$name"
echo "bundle-binary: bin/$name <- $binary ($("$here/bin/$name" --version 2>/dev/null || echo 'foreign binary'))"
