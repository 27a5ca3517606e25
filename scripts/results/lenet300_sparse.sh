#!/usr/bin/env bash
# docs/RESULTS.md, issue "sparse core": lenet300 on MNIST, 20 epochs, SGD lr 0.1 momentum 0.9 wd 5e-4,
# batch 128, ×0.1 at 50%/75%; ΔT 100, drop fraction 0.3 cosine to 0 at 75% of training; sparsity 0.9 and
# 0.98; dense, static, SET, RigL, GraNet; seeds 0, 1, 2 (SEEDS="0 1 2"), one thread each (THREADS=1).
# Usage: npm ci && scripts/results/lenet300_sparse.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs/results}
common=(--model lenet300 --dataset mnist --epochs 20 --lr 0.1 --momentum 0.9 --weight-decay 5e-4 --batch 128
  --milestones 0.5,0.75 --runs-dir "$runs" --threads "${THREADS:-1}" --backend native --quiet --overwrite)
dst=(--update-interval 100 --drop-fraction 0.3 --drop-schedule cosine --update-end 0.75)
for seed in ${SEEDS:-0 1 2}; do
  node dist/src/cli/main.js train "${common[@]}" --seed "$seed" --name "lenet300-dense-s$seed"
  for s in 0.9 0.98; do
    node dist/src/cli/main.js train "${common[@]}" --seed "$seed" --method static --sparsity "$s" --name "lenet300-static-$s-s$seed"
    for m in set rigl granet; do
      node dist/src/cli/main.js train "${common[@]}" "${dst[@]}" --seed "$seed" --method "$m" --sparsity "$s" --name "lenet300-$m-$s-s$seed"
    done
  done
done
node scripts/results/summarize.mjs "$runs" lenet300-
