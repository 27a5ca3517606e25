// Learning-rate schedules as plain functions of the iteration (0-based, counted over the whole run), as
// optax does: the trainer asks for the rate before every step (SPEC §3, applied per iteration).
export type Schedule = (iteration: number) => number;

export const constant =
  (lr: number): Schedule =>
  () =>
    lr;

/** lr · gamma^(number of milestones ≤ iteration); milestones in iterations (torch MultiStepLR per iteration). */
export function multistep(lr: number, milestones: number[], gamma = 0.1): Schedule {
  const sorted = [...milestones].sort((a, b) => a - b);
  return (it) => {
    let r = lr;
    for (const m of sorted) if (it >= m) r *= gamma;
    return r;
  };
}

/** Cosine annealing from lr to minLr over `total` iterations (torch CosineAnnealingLR), flat afterwards. */
export function cosine(lr: number, total: number, minLr = 0): Schedule {
  if (!(total > 0)) throw new Error(`cosine schedule: total iterations must be > 0, got ${total}`);
  return (it) => minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * Math.min(it, total)) / total))) / 2;
}

/** Linear warm-up from lr·start/… to the inner schedule over `iterations`, then the inner schedule. */
export function warmup(inner: Schedule, iterations: number, startFactor = 0): Schedule {
  if (!(iterations >= 0)) throw new Error(`warm-up: iterations must be ≥ 0, got ${iterations}`);
  return (it) =>
    it >= iterations ? inner(it) : inner(it) * (startFactor + ((1 - startFactor) * (it + 1)) / (iterations + 1));
}

/**
 * The Sup-tickets cyclic triangle (SPEC §6, Sup-tickets Algorithm 1 and eq. 3), per iteration: within cycles of C
 * epochs, t = ((epoch mod C) + b/itersPerEpoch)/C ∈ [0, 1) with b the 0-based batch index in the epoch;
 * α = (1−2t)·low + 2t·high for t < ½, else (2−2t)·high + (2t−1)·low. The first batch of a cycle gets exactly
 * `low`, mid-cycle is `high`. `iteration` counts from the start of the cyclic phase.
 */
export function cyclicTriangle(low: number, high: number, cycleEpochs: number, itersPerEpoch: number): Schedule {
  if (!(cycleEpochs >= 1 && itersPerEpoch >= 1))
    throw new Error('cyclic schedule: cycle and epoch lengths must be ≥ 1');
  return (it) => {
    const epoch = Math.floor(it / itersPerEpoch);
    const b = it % itersPerEpoch;
    const t = ((epoch % cycleEpochs) + b / itersPerEpoch) / cycleEpochs;
    return t < 0.5 ? (1 - 2 * t) * low + 2 * t * high : (2 - 2 * t) * high + (2 * t - 1) * low;
  };
}

/** `first` for iterations before `switchAt`, then `second` counted from 0 at the switch (a booster's phases:
 * Sup-tickets' normal then cyclic phase). */
export function phased(first: Schedule, switchAt: number, second: Schedule): Schedule {
  return (it) => (it < switchAt ? first(it) : second(it - switchAt));
}

/** The LR of EDST at an epoch (SPEC §8): lr during the exploration's `exploreEpochs`; in each refinement phase of
 * `refineEpochs`, lr/10 for its first half (relative epoch < t_re/2) and lr/100 for the second. */
export function edstLearningRate(
  lr: number,
  epoch: number,
  s: { readonly exploreEpochs: number; readonly refineEpochs: number },
): number {
  if (epoch < s.exploreEpochs) return lr;
  const rel = (epoch - s.exploreEpochs) % s.refineEpochs;
  return rel < s.refineEpochs / 2 ? lr / 10 : lr / 100;
}
