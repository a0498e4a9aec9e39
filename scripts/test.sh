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
if [ -x web/e2e/run.sh ]; then
  echo "== browser end-to-end tests"
  bash web/e2e/run.sh
fi
echo "== all tests passed"
