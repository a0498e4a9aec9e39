#!/usr/bin/env bash
# Replays every attack from issue 11 against a live `forewarn serve --demo` on loopback and
# prints the response each now gets. Usage: scripts/replay-attacks.sh [path/to/forewarn]
# Each scripts/attacks/<area>.sh is sourced in turn with BASE set; see scripts/attacks/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/forewarn}"
[ -x "$bin" ] || { echo "no forewarn binary at $bin (cargo build -p forewarn-cli)" >&2; exit 2; }
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export BASE="http://127.0.0.1:$port" JAR_DIR="$work/jars"
mkdir -p "$JAR_DIR"
"$bin" serve --demo --bind "127.0.0.1:$port" --db "sqlite://$work/forewarn.db" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/api/health" >/dev/null && break; sleep 0.2; done
curl -sf "$BASE/api/health" >/dev/null || { echo "server did not start; log:"; cat "$work/server.log"; exit 1; }
for f in scripts/attacks/*.sh; do
  [ "$(basename "$f")" = lib.sh ] && continue
  echo "== $f"
  (source scripts/attacks/lib.sh; source "$f")
done
if kill -0 $pid 2>/dev/null; then echo "== server still running after all attacks (pid $pid)"; else echo "== SERVER DIED"; exit 1; fi
