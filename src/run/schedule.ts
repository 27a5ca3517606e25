// The learning-rate schedule of a run (SPEC §3), over the whole run or — with a booster — over its normal phase,
// followed by the booster's own (Sup-tickets' cyclic triangle, SPEC §6).
import {
  constant,
  cosine,
  cyclicTriangle,
  edstLearningRate,
  multistep,
  phased,
  warmup,
  type Schedule,
} from '../optim/schedules.js';
import type { TrainConfig } from './config.js';

/** The config's schedule over `epochs` (the run's, or a booster's normal phase). */
export function makeSchedule(c: TrainConfig, itersPerEpoch: number, epochs = c.epochs): Schedule {
  const total = epochs * itersPerEpoch;
  const s = c.schedule;
  const base =
    s.kind === 'constant'
      ? constant(c.optimizer.lr)
      : s.kind === 'cosine'
        ? cosine(c.optimizer.lr, total, s.minLr)
        : s.kind === 'cyclic'
          ? cyclicTriangle(s.lowLr, s.highLr, s.cycleEpochs, itersPerEpoch)
          : multistep(
              c.optimizer.lr,
              s.milestoneEpochs
                ? s.milestoneEpochs.map((e) => e * itersPerEpoch)
                : s.milestones.map((f) => Math.round(f * total)),
              s.gamma,
            );
  return s.warmupEpochs > 0 ? warmup(base, Math.round(s.warmupEpochs * itersPerEpoch)) : base;
}

/** Sup-tickets: the config's schedule over the normal phase, then the cyclic triangle (schedule.cycleEpochs,
 * lowLr at the cycle ends, highLr mid-cycle) from the first cyclic iteration. */
export function supTicketsSchedule(c: TrainConfig, itersPerEpoch: number, normalEpochs: number): Schedule {
  const s = c.schedule;
  return phased(
    makeSchedule(c, itersPerEpoch, normalEpochs),
    normalEpochs * itersPerEpoch,
    cyclicTriangle(s.lowLr, s.highLr, s.cycleEpochs, itersPerEpoch),
  );
}

/** EDST (SPEC §8): lr in the exploration phase; in each refinement phase lr/10 for its first half, lr/100 for
 * the second, by epoch (optim/schedules.ts edstLearningRate). */
export function edstSchedule(lr: number, itersPerEpoch: number, exploreEpochs: number, refineEpochs: number): Schedule {
  return (it) => edstLearningRate(lr, Math.floor(it / itersPerEpoch), { exploreEpochs, refineEpochs });
}
