#!/usr/bin/env bash
# Runs a libFuzzer campaign on every fuzz target in turn (1 job each; the machine is shared),
# then minimises each corpus into fuzz/corpus/<target>/ with -merge=1. Prints one summary line
# per target (executions, cov, ft, corpus size, crashes, seconds). See docs/reliability.md.
# Usage: scripts/fuzz.sh [RUNS] [TARGET...]   (default 1000000 runs, every target)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs="${1:-1000000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(cap_xml nrml usgs_geojson esri_ascii geotiff lisflood_par lisflood_bci lisflood_bdy
           flood_toml exercise_toml sites_csv api_json)
fi
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  features=()
  [ "$t" = api_json ] && features=(--features server)
  mkdir -p "corpus-raw/$t" "corpus/$t" "seeds/$t" "artifacts/$t"
  log="corpus-raw/$t.log"
  start=$(date +%s)
  status=0
  cargo fuzz run -s none "${features[@]}" "$t" "corpus-raw/$t" "corpus/$t" "seeds/$t" -- \
    -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  secs=$(( $(date +%s) - start ))
  # Minimise into a fresh directory, then replace the committed corpus.
  rm -rf "corpus-new/$t" && mkdir -p "corpus-new/$t"
  cargo fuzz run -s none "${features[@]}" "$t" -- -merge=1 "corpus-new/$t" "corpus/$t" \
    "corpus-raw/$t" "seeds/$t" >"corpus-raw/$t.merge.log" 2>&1 || true
  if [ -n "$(ls -A "corpus-new/$t")" ]; then rm -rf "corpus/$t"; mv "corpus-new/$t" "corpus/$t"; fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  crashes=$(find "artifacts/$t" -type f | wc -l)
  files=$(find "corpus/$t" -type f | wc -l)
  bytes=$(du -sk "corpus/$t" | cut -f1)
  echo "$t execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} corpus=${files}files/${bytes}KB crashes=$crashes exit=$status secs=$secs"
done
