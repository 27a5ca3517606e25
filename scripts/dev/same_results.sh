#!/usr/bin/env bash
# Do two builds give the same results? Runs the five tiny reproduce presets with each checkout's dist/ (OLD, NEW:
# checkouts with `npm ci` done) and compares every value of their `report --json`, timings left out.
#   scripts/dev/same_results.sh /path/to/old-checkout /path/to/new-checkout
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); work=$(mktemp -d)
presets=(sparse-core suptickets freetickets lottery-pools spending)
for side in old new; do
  dir=${!side}
  for p in "${presets[@]}"; do
    (cd "$dir" && node dist/src/cli/main.js reproduce "$p" --scale tiny --runs-dir "$work/$side" --quiet >/dev/null)
    (cd "$dir" && node dist/src/cli/main.js report "$work/$side/$p-tiny" --json --no-files >"$work/$side-$p.json")
  done
done
python3 - "$work" "${presets[@]}" <<'PY'
import json, sys
work, presets = sys.argv[1], sys.argv[2:]
def values(o, path=''):
    if isinstance(o, dict):
        for k, v in o.items():
            if not any(t in k for t in ('seconds', 'time', 'wall')): yield from values(v, f'{path}.{k}')
    elif isinstance(o, list):
        for i, v in enumerate(o): yield from values(v, f'{path}[{i}]')
    else: yield path, o
bad = 0
for p in presets:
    a = dict(values(json.load(open(f'{work}/old-{p}.json')))); b = dict(values(json.load(open(f'{work}/new-{p}.json'))))
    diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    bad += len(diff)
    print(f'{p}: {len(a)} values, {len(diff)} differ', diff[:5])
sys.exit(1 if bad else 0)
PY
