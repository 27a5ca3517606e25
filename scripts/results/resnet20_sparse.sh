#!/usr/bin/env bash
# docs/RESULTS.md, issue "sparse core": resnet20 (width 1) on CIFAR-10 (../shared/datasets/cifar10-jpeg),
# the workflow recipe (15 epochs, SGD lr 0.1 momentum 0.9 wd 5e-4, batch 128, ×0.1 at 50%/75%, crop+flip),
# sparsity 0.9 with ERK densities, RigL (ΔT 100, drop fraction 0.3 cosine to 0 at 75%) vs static;
# seeds 0, 1, 2 (SEEDS), THREADS threads per run, JOBS runs at once (default 1); masked layers run compressed
# (MODE, default sparse: the same trajectory as masked, faster).
# Usage: npm ci && scripts/results/resnet20_sparse.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs/results}
data=${DATA_DIR:-../shared/datasets/cifar10-jpeg}
common=(--model resnet20 --dataset cifar10 --data-dir "$data" --epochs 15 --lr 0.1 --momentum 0.9
  --weight-decay 5e-4 --batch 128 --milestones 0.5,0.75 --sparsity 0.9 --runs-dir "$runs"
  --threads "${THREADS:-2}" --backend native --mode "${MODE:-sparse}" --quiet --overwrite)
dst=(--update-interval 100 --drop-fraction 0.3 --drop-schedule cosine --update-end 0.75)
jobs=()
for seed in ${SEEDS:-0 1 2}; do
  jobs+=("--method rigl ${dst[*]} --seed $seed --name resnet20-rigl-0.9-s$seed")
  jobs+=("--method static --seed $seed --name resnet20-static-0.9-s$seed")
done
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-1}" -I{} sh -c "node dist/src/cli/main.js train ${common[*]} {}"
node scripts/results/summarize.mjs "$runs" resnet20-
