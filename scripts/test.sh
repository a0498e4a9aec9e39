#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration tests (with real SQLite,
# PostgreSQL, GDAL, xmllint, xmlsec1) and the browser end-to-end tests when present.
# System packages: see .ci/run (which installs them and then runs this script).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== web UI tests (static checks, then Debian Chromium driven by playwright-core)"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build -p forewarn-cli
(cd web/e2e && npm ci --no-audit --no-fund && FOREWARN_BIN="$target_dir/debug/forewarn" npm test)
echo "== all tests passed"
