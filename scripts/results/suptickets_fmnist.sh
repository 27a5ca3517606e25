#!/usr/bin/env bash
# docs/RESULTS.md, issue "tickets and Sup-tickets", the fast table: lenet300 on Fashion-MNIST, sparsity 0.9,
# 30 epochs (SGD lr 0.1 momentum 0.9 wd 5e-4, batch 128, ×0.1 at 50%/75% — of the normal phase with
# Sup-tickets), ERK, ΔT 100, drop fraction 0.5 constant (Sup-tickets' base settings; GraNet its own cosine-floor
# from d_i 0.5); RigL and GraNet, each alone and + Sup-tickets (C 1 epoch, cycle rate 0.1 → 27 + 3 epochs, M 3,
# CIA, BN AV, exploration 0.5 with the base criteria); seeds 0–4; one thread per run, JOBS runs at once.
# Usage: npm ci && scripts/results/suptickets_fmnist.sh [RUNS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUNS=${1:-runs/suptickets-fmnist}
common="--model lenet300 --dataset fashion-mnist --epochs 30 --lr 0.1 --momentum 0.9 --weight-decay 5e-4
  --batch 128 --milestones 0.5,0.75 --sparsity 0.9 --update-interval 100 --threads 1 --backend native --mode masked"
rigl="--method rigl --drop-fraction 0.5 --drop-schedule constant"
granet="--method granet"
sup="--booster suptickets --cycle-epochs 1 --cycle-rate 0.1"
for seed in ${SEEDS:-0 1 2 3 4}; do
  for m in rigl granet; do
    base=${!m}
    echo "lenet300-$m-0.9-s$seed $(echo $common) $base --seed $seed"
    echo "lenet300-$m-sup-0.9-s$seed $(echo $common) $base $sup --seed $seed"
  done
done | sed 's/  */ /g' | scripts/results/run_cells.sh
node scripts/results/suptickets_summary.mjs "$RUNS"
