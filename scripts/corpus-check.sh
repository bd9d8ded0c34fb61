#!/usr/bin/env bash
# Lints real Elixir code (Elixir 1.14's own source and RabbitMQ's CLI, from
# Debian source packages) and prints every finding and the count per rule,
# for false-positive review and rough timing. The corpus is never committed.
#   bash scripts/corpus-check.sh [CORPUS_DIR]   (default .cache/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-.cache/corpus}
FETCH=${DISTLINT_CORPUS_FETCH:-../shared/corpus/fetch-debian-corpus.sh}
if [ ! -d "$CORPUS/elixir-lang" ] || [ ! -d "$CORPUS/rabbitmq-server" ]; then
  bash "$FETCH" "$CORPUS"
fi
cargo build --release --locked -q
BIN=$PWD/target/release/distlint
# RabbitMQ's CLI sits under deps/, which distlint skips by default: lint it as its own project.
for tree in "$CORPUS/elixir-lang" "$CORPUS/rabbitmq-server/deps/rabbitmq_cli"; do
  echo "== $tree"
  start=$(date +%s.%N)
  (cd "$tree" && "$BIN" check . --format json --color never) > /tmp/distlint-corpus.json || true
  end=$(date +%s.%N)
  python3 - "$start" "$end" <<'PY'
import json, sys, collections
d = json.load(open("/tmp/distlint-corpus.json"))
s = d["summary"]
print(f"files: {s['files_checked']}  parse errors: {len(s['parse_errors'])}  skipped: {len(s['skipped'])}  "
      f"time: {float(sys.argv[2]) - float(sys.argv[1]):.2f}s")
for x in d["diagnostics"]:
    r = x["range"]["start"]
    print(f"  {x['severity']:7} {x['rule']:45} {x['path']}:{r['line']}:{r['column']}")
print("  per rule:", dict(collections.Counter(x["rule"] for x in d["diagnostics"])))
PY
done
