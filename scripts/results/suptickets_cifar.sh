#!/usr/bin/env bash
# docs/RESULTS.md, issue "tickets and Sup-tickets", a reduced Table 1: resnet20 at width 0.5 on CIFAR-10
# (../shared/datasets/cifar10-jpeg), sparsity 0.9, 10 epochs (SGD lr 0.1 momentum 0.9 wd 5e-4, batch 128, crop+flip,
# ×0.1 at 50%/75% — of the normal phase with Sup-tickets), ERK, ΔT 100, drop fraction 0.5 constant (GraNet: its
# cosine-floor from d_i 0.5); RigL and GraNet, each alone and + Sup-tickets (C 1 epoch, cycle rate 0.3 → 7 + 3
# epochs, M 3 — the paper's 0.1 would give no ticket in 10 epochs; CIA, BN AV); seeds 0–2; truly sparse
# execution; one thread per run, JOBS runs at once.
# Usage: npm ci && scripts/results/suptickets_cifar.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUNS=${1:-runs/suptickets-cifar}
data=${DATA_DIR:-../shared/datasets/cifar10-jpeg}
common="--model resnet20 --width 0.5 --dataset cifar10 --data-dir $data --epochs 10 --lr 0.1 --momentum 0.9
  --weight-decay 5e-4 --batch 128 --milestones 0.5,0.75 --sparsity 0.9 --update-interval 100 --threads 1
  --backend native --mode sparse"
rigl="--method rigl --drop-fraction 0.5 --drop-schedule constant"
granet="--method granet"
sup="--booster suptickets --cycle-epochs 1 --cycle-rate 0.3"
for seed in ${SEEDS:-0 1 2}; do
  for m in rigl granet; do
    base=${!m}
    echo "resnet20w05-$m-0.9-s$seed $(echo $common) $base --seed $seed"
    echo "resnet20w05-$m-sup-0.9-s$seed $(echo $common) $base $sup --seed $seed"
  done
done | sed 's/  */ /g' | scripts/results/run_cells.sh
node scripts/results/suptickets_summary.mjs "$RUNS"
