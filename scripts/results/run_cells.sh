#!/usr/bin/env bash
# Runs a list of training jobs (one per line of stdin: "NAME ARGS…") JOBS at a time, resumably: a run whose
# summary.json says completed is skipped, one with a checkpoint is resumed, anything else starts afresh.
# Usage: printf 'name --flag v …\n' | RUNS=runs/x JOBS=2 scripts/results/run_cells.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:?set RUNS to the runs directory}
mkdir -p "$runs"
one() {
  local name=$1; shift
  local dir="$runs/$name"
  if [ -f "$dir/summary.json" ] && grep -q '"status": "completed"' "$dir/summary.json"; then
    echo "skip $name (completed)"; return 0
  fi
  if [ -f "$dir/checkpoints/last.safetensors" ]; then
    echo "resume $name"
    node dist/src/cli/main.js train --name "$name" --runs-dir "$runs" --resume --quiet ${THREADS:+--threads $THREADS} > "$runs/$name.log" 2>&1
  else
    echo "start $name"
    node dist/src/cli/main.js train "$@" --name "$name" --runs-dir "$runs" --overwrite --quiet > "$runs/$name.log" 2>&1
  fi
  echo "done $name: $(tail -1 "$runs/$name.log")"
}
export -f one
export runs
xargs -P "${JOBS:-2}" -L 1 bash -c 'one "$@"' _
