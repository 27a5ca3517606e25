#!/usr/bin/env bash
# Does NEW resume what OLD interrupted, to OLD's uninterrupted numbers? OLD runs a 3-round lottery and a RigL +
# Sup-tickets run to the end, and again halted mid-run; NEW resumes the halted ones; every summary.json,
# rounds.json and metrics.jsonl is then compared with OLD's, timings left out.
#   scripts/dev/resume_across.sh /path/to/old-checkout /path/to/new-checkout
set -euo pipefail
old="node $(realpath "$1")/dist/src/cli/main.js"; new="node $(realpath "$2")/dist/src/cli/main.js"; w=$(mktemp -d)
lottery=(lottery --model lenet300 --dataset synthetic --epochs 3 --rounds 3 --rate 0.5 --seed 7 --batch 16 --name lot --quiet)
sup=(train --model lenet300 --dataset synthetic --epochs 10 --method rigl --sparsity 0.8 --booster suptickets
  --cycle-rate 0.5 --cycle-epochs 2 --seed 7 --batch 16 --name sup --quiet)
$old "${lottery[@]}" --runs-dir "$w/ref" >/dev/null 2>&1
$old "${sup[@]}" --runs-dir "$w/ref" >/dev/null 2>&1
$old "${lottery[@]}" --runs-dir "$w/cut" --halt-after 130 >/dev/null 2>&1 || true
$old "${sup[@]}" --runs-dir "$w/cut" --halt-after 170 >/dev/null 2>&1 || true
$new lottery --name lot --runs-dir "$w/cut" --resume --quiet >/dev/null 2>&1
$new train --name sup --runs-dir "$w/cut" --resume --quiet >/dev/null 2>&1
python3 - "$w" <<'PY'
import glob, json, sys
w = sys.argv[1]
def strip(o):
    if isinstance(o, dict):
        skip = ('wall_seconds', 'seconds', 'run', 'threads', 'pipeline', 'dir', 'path')
        return {k: strip(v) for k, v in o.items() if k not in skip and 'time' not in k}
    return [strip(v) for v in o] if isinstance(o, list) else o
def load(f):
    return [strip(json.loads(l)) for l in open(f)] if f.endswith('.jsonl') else strip(json.load(open(f)))
files = [f for pat in ('summary.json', 'rounds.json', 'metrics.jsonl') for f in glob.glob(f'{w}/ref/**/{pat}', recursive=True)]
bad = [f for f in files if load(f) != load(f.replace(f'{w}/ref/', f'{w}/cut/', 1))]
print(f'{len(files)} files compared, {len(bad)} differ', bad)
sys.exit(1 if bad else 0)
PY
