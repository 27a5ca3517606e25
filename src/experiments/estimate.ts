// What a preset's runs cost: the samples each run trains on (forward, backward and SGD step) and the samples it
// only predicts (evaluation, BatchNorm refreshes, the pools' searches), turned into hours with a per-step time of
// its model. The times are tables of measurements (step_times.ts); the counts follow the pipelines:
//   - a plain run (Sup-tickets and EDST included): epochs × the training split;
//   - IMP / LTR lottery rounds (SPEC §5): round 0 trains epochs 0…E, every later round E − k epochs from the rewind
//     point k; OMP: round 0 and one pruned round;
//   - the spending pipeline (SPEC §9): the rounds, then every target's mask retrained E − r epochs by each tweak set
//     (r its rewind epoch; a set of no tweaks at the lottery's rewind epoch is the round itself, free), GradInit's
//     iterations counted as 4 steps each (gradients on two batches, one Hessian-vector product);
//   - the Lottery Pools pipeline (SPEC §7): the rounds, then for every target and variant each merge tried costs a
//     BatchNorm refresh over the training split and a validation pass; corruption metrics of LT and the pool;
//   - the LTR Ensemble (SPEC §8): GMP over E epochs, then M retrains of E − k epochs;
//   - evaluation: validation and test after every evalEvery epochs; a sweep's ensembles stage predicts every run's
//     test, corrupted, OOD and FGSM sets, alone and in its ensemble.
// A prediction is taken as a third of a training step (forward only). Not counted: the Hessian power iterations
// and the activation sparsity (a few batches), data loading, checkpoints. Sparse runs are counted at the dense
// step time: on a GPU masked layers run dense, and on this project's CPU engine --mode auto is at most as slow.
import { flatten } from './sweep_file.js';

/** Training examples (before the validation split) and test examples of each dataset. */
const SIZES: Record<string, { train: number; test: number }> = {
  mnist: { train: 60000, test: 10000 },
  'fashion-mnist': { train: 60000, test: 10000 },
  cifar10: { train: 50000, test: 10000 },
  cifar100: { train: 50000, test: 10000 },
  synthetic: { train: 1024, test: 256 },
  imagenet: { train: 1281167, test: 50000 },
  'tiny-imagenet': { train: 100000, test: 10000 },
};

/** The generated corruptions: 19 types (SPEC §10). */
const CORRUPTION_TYPES = 19;
/** The OOD sets the ensembles stage generates: Gaussian noise, uniform noise, severity-5 corruptions. */
const OOD_SETS = 3;
/** A forward pass as a fraction of a training step. */
export const FORWARD_FRACTION = 1 / 3;
/** GradInit's iteration as training steps (SPEC §9: gradients on two batches and a Hessian-vector product). */
const GRADINIT_STEPS_PER_ITERATION = 4;

export interface RunCost {
  /** Examples trained on (each one forward + backward + step). */
  trainSamples: number;
  /** Examples only predicted. */
  forwardSamples: number;
  /** The run's batch (the unit of a step). */
  batch: number;
}

type Raw = Record<string, unknown>;

const num = (f: Raw, key: string, fallback: number): number =>
  typeof f[key] === 'number' ? (f[key] as number) : fallback;

/** The split sizes of a run: training part, validation part, test set. */
export function splitSizes(config: Raw): { train: number; val: number; test: number } {
  const f = flatten(config);
  const size = SIZES[String(f.dataset)] ?? SIZES.cifar10;
  const val = Math.round(size.train * num(f, 'valFraction', 0.1));
  const train = Math.min(size.train - val, num(f, 'trainSubset', Infinity));
  return { train, val, test: size.test };
}

/** The cost of one run of a sweep (its config as the sweep file merges it; defaults as the schema's). The
 * ensembles stage's share is added by the caller (ensembleStageCost), as it depends on the sweep. */
export function runCost(config: Raw): RunCost {
  const f = flatten(config);
  const { train, val, test } = splitSizes(config);
  const batch = num(f, 'batch', 128);
  const itersPerEpoch = Math.ceil(train / batch);
  const E = num(f, 'epochs', 1);
  const evalEvery = num(f, 'evalEvery', 1);
  // Validation and test after every evalEvery epochs and after the last (of each training).
  const evalPerTraining = (epochs: number) =>
    (Math.floor(epochs / evalEvery) + (epochs % evalEvery ? 1 : 0)) * (val + test);
  let trainedEpochs = E;
  let trainings = [E];
  let forward = 0;
  const pipeline = f['pipeline.kind'];
  if (pipeline === 'lottery-pools' || pipeline === 'spending') {
    const kind = String(f['pipeline.lottery.kind'] ?? 'imp');
    const rounds = kind === 'omp' ? 2 : num(f, 'pipeline.lottery.rounds', 5);
    const k = num(f, 'pipeline.lottery.rewindEpoch', 0);
    trainings = [E, ...Array.from({ length: rounds - 1 }, () => E - k)];
    if (pipeline === 'spending') {
      const targets = (f['pipeline.retrain.targets'] as number[] | undefined)?.length ?? rounds - 1;
      const sets = (f['pipeline.retrain.tweaks'] as Raw[] | undefined) ?? [{}];
      const defaultRewind = num(f, 'pipeline.retrain.rewindEpoch', k);
      let gradinitSteps = 0;
      for (const set of sets) {
        const rewind = typeof set.rewindEpoch === 'number' ? set.rewindEpoch : defaultRewind;
        const tweaks = Object.keys(set).filter((x) => x !== 'name' && x !== 'rewindEpoch');
        if (tweaks.length === 0 && rewind === k) continue; // the round itself
        for (let t = 0; t < targets; t++) trainings.push(E - rewind);
        if (set.gradinit) {
          const g = set.gradinit as Raw;
          gradinitSteps +=
            targets * (typeof g.iterations === 'number' ? g.iterations : 180) * GRADINIT_STEPS_PER_ITERATION;
        }
      }
      trainedEpochs = trainings.reduce((a, b) => a + b, 0) + gradinitSteps / itersPerEpoch;
    } else {
      trainedEpochs = trainings.reduce((a, b) => a + b, 0);
      const targets = (f['pipeline.pools.targets'] as number[] | undefined)?.length ?? rounds;
      const candidates = Math.min(num(f, 'pipeline.pools.candidates', rounds - 1), rounds - 1);
      const coefficients = (f['pipeline.pools.coefficients'] as number[] | undefined)?.length ?? 11;
      const variants = (f['pipeline.pools.variants'] as string[] | undefined) ?? ['pool', 'average', 'swa', 'ema'];
      const merges = variants.reduce((a, v) => a + candidates * (v === 'pool' ? coefficients : 1), 0);
      // Each merge: a BatchNorm refresh over the training split and a validation pass; each variant's result and
      // LT on validation and test; the ensemble's members on validation and test.
      forward += targets * (merges * (train + val) + (variants.length + 1 + candidates + 1) * (val + test));
      if ((config.pipeline as Raw | undefined)?.corruptions !== undefined)
        forward +=
          targets *
          2 *
          Math.min(num(f, 'pipeline.corruptions.images', 10000), test) *
          CORRUPTION_TYPES *
          ((f['pipeline.corruptions.severities'] as number[] | undefined)?.length ?? 5);
    }
  } else if (pipeline === 'ltr-ensemble') {
    const members = num(f, 'pipeline.members', 3);
    const k = num(f, 'pipeline.rewindEpoch', Math.round(0.05 * E));
    trainings = [E, ...Array.from({ length: members }, () => E - k)];
    trainedEpochs = trainings.reduce((a, b) => a + b, 0);
  } else if (f.gradinit !== undefined) {
    trainedEpochs = E + (num(f, 'gradinit.iterations', 180) * GRADINIT_STEPS_PER_ITERATION) / itersPerEpoch;
  }
  forward += trainings.reduce((a, epochs) => a + evalPerTraining(epochs), 0);
  return { trainSamples: trainedEpochs * itersPerEpoch * batch, forwardSamples: forward, batch };
}

/** What a sweep's ensembles stage predicts for one of its runs: its test set, corrupted and OOD sets and FGSM
 * examples (crafting: a training step's worth), alone and again as a member of its ensemble. */
export function ensembleStageCost(
  config: Raw,
  stage: {
    corruptionSamples?: number;
    oodSamples?: number;
    fgsmSamples?: number;
    metrics?: string[];
    singles?: boolean;
  },
): number {
  const { test } = splitSizes(config);
  const metrics = new Set(stage.metrics ?? ['calibration', 'ensemble']);
  let perPass = test;
  if (metrics.has('corruptions')) perPass += Math.min(stage.corruptionSamples ?? test, test) * CORRUPTION_TYPES * 5;
  if (metrics.has('ood')) perPass += (stage.oodSamples ?? test) * OOD_SETS;
  if (metrics.has('fgsm')) perPass += (stage.fgsmSamples ?? test) * (1 + 1 / FORWARD_FRACTION);
  return perPass * (stage.singles ? 2 : 1);
}

/** Hours of a cost at a step time (milliseconds per step of `stepBatch` examples). */
export function hoursOf(c: RunCost, msPerStep: number, stepBatch: number): number {
  const msPerSample = msPerStep / stepBatch;
  return ((c.trainSamples + c.forwardSamples * FORWARD_FRACTION) * msPerSample) / 3.6e6;
}
