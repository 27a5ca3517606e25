// Times training steps of a zoo model: forward, softmax cross-entropy, backward, SGD (lr 0.01, momentum 0.9,
// weight decay 5e-4) — the same step as bench/pytorch_reference.py. With masks (modes masked, sparse,
// auto) the step is RigL's at ERK densities: the mask discipline of SPEC §4 every step, and a prune-and-grow
// update every ΔT = 100 steps, timed separately (with the step after it) and amortised into the reported step time.
import { getKernels, type Backend } from '../kernels/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { createModel, modelInputShape } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { profileLeaves, type Profile } from '../nn/profile.js';
import { UsageError } from './args.js';
import { SGD } from '../optim/sgd.js';
import type { StepContext } from '../train/hooks.js';
import type { ExecutionMode } from '../sparse/execution.js';
import { SparseTraining } from '../sparse/training.js';
import { cpuDescription } from '../util/cpu.js';
import { collectGarbage, peakRssMb, resetPeakRss } from '../util/memory.js';
import { Rng } from '../util/rng.js';

export type BenchMode = ExecutionMode;

/** ΔT of the timed RigL updates. */
export const BENCH_UPDATE_INTERVAL = 100;

export interface BenchOptions {
  model: string;
  batch: number;
  threads: number;
  sparsity: number;
  mode: BenchMode;
  /** Timed steps; the reported time is their median. */
  steps: number;
  warmup: number;
  width: number;
  backend: Backend;
  seed: number;
  /** Where auto's per-layer choices go. */
  log?: (line: string) => void;
  /** Also report where the time of a step goes, by kind of layer (a little slower: every layer call is timed). */
  profile?: boolean;
}

export interface BenchResult {
  engine: 'sparsetickets';
  model: string;
  batch: number;
  threads: number;
  mode: BenchMode;
  sparsity: number;
  steps: number;
  ms_per_step: number;
  samples_per_s: number;
  ms_min: number;
  ms_max: number;
  /** Masked modes: the median step without an update, the step with the (second) mask update and the step after
   * it; both excesses over a plain step are amortised over ΔT into ms_per_step. */
  ms_plain_step?: number;
  ms_update_step?: number;
  ms_after_update_step?: number;
  /** The update's own milliseconds by part (SparseTraining.lastUpdateMs). */
  update_ms?: { gradient: number; selection: number; rebuild: number };
  /** Peak resident memory of the whole process, set-up included (getrusage maxrss). */
  peak_rss_mb: number;
  /** Peak resident memory while the timed steps and the update ran, after a garbage collection (Linux only). */
  step_peak_rss_mb?: number;
  /** Bytes of the training state: parameters with their gradients (and, compressed, their patterns), optimiser
   * buffers and masks. */
  state_mb: number;
  /** --profile: mean milliseconds per timed step by kind of layer, and the rest of the step (loss, optimiser,
   * mask discipline) as 'other'. */
  profile?: Record<string, { forward_ms: number; backward_ms: number }>;
  /** auto: how each masked layer ended up running. */
  layers?: Record<string, 'masked' | 'sparse'>;
  width: number;
  backend: string;
  isa: string;
  cpu: string;
}

/** Default number of timed steps: as the PyTorch anchor, many for the small models, few for the large. */
export function defaultSteps(model: string): number {
  return ['lenet300', 'lenet5', 'mlp-cifar'].includes(model) ? 50 : 5;
}

function trainingStep(
  k: Kernels,
  model: Module,
  x: Float32Array,
  shape: number[],
  y: Int32Array,
  sgd: SGD,
  sparse: SparseTraining | null,
  iteration: number,
  scratch: { dlogits?: Float32Array; probs?: Float32Array },
): number {
  const ctx = { iteration } as StepContext;
  sparse?.beforeStep(ctx);
  model.zeroGrad();
  const logits = model.forward({ data: x, shape });
  const [n, c] = logits.shape;
  if (scratch.dlogits?.length !== n * c) {
    scratch.dlogits = new Float32Array(n * c);
    scratch.probs = new Float32Array(n * c);
  }
  const loss = k.softmaxCrossEntropy(scratch.dlogits, scratch.probs!, logits.data, y, n, c, 0);
  model.backward({ data: scratch.dlogits, shape: [n, c] });
  sparse?.afterBackward(ctx);
  sgd.step();
  sparse?.afterStep(ctx);
  return loss;
}

export function benchmarkTrainingStep(o: BenchOptions, progress?: (done: number, total: number) => void): BenchResult {
  const k = getKernels(o.backend, o.threads);
  const model = createModel(o.model, { width: o.width, seed: o.seed });
  model.useKernels(k).train();
  const inShape = modelInputShape(o.model);
  const shape = [o.batch, ...inShape];
  const rng = new Rng(o.seed, 1);
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Int32Array(o.batch);
  for (let i = 0; i < y.length; i++) y[i] = rng.int(10);
  const params = model.namedParameters();
  const sgd = new SGD(k, params, { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const sparse = o.mode === 'dense' ? null : benchRigL(o, model, k, sgd);
  const scratch = {};
  // Plain steps take iterations 0, 1, … (none is an update: at most ΔT − 1 of them); the updates come after them.
  const total = Math.min(o.warmup + o.steps, BENCH_UPDATE_INTERVAL - 1);
  const times: number[] = [];
  const step = (iteration: number): number => {
    const t0 = process.hrtime.bigint();
    const loss = trainingStep(k, model, x, shape, y, sgd, sparse, iteration, scratch);
    if (!Number.isFinite(loss)) throw new Error(`bench: the loss became ${loss} at step ${iteration}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  let measuring = false;
  let profile: Profile | undefined;
  for (let s = 0; s < total; s++) {
    if (s === total - o.steps) {
      collectGarbage();
      measuring = resetPeakRss();
      if (o.profile) profile = profileLeaves(model);
    }
    const dt = step(s);
    if (s >= total - o.steps) times.push(dt);
    progress?.(s + 1, total + 1);
  }
  profile?.stop();
  // The state of a training step (before the update, which rebuilds the patterns and their gradients).
  let stateBytes = 0;
  for (const [name, p] of params) {
    stateBytes += p.bytes;
    for (const b of sgd.buffers(name)) stateBytes += b.byteLength;
  }
  for (const l of sparse?.masks.layers ?? []) stateBytes += l.mask?.byteLength ?? 0;
  // In a run the update recurs every ΔT steps, so it is timed as the second one (the first pays for V8 compiling
  // its code), together with the step after it, whose new patterns start with fresh gradient arrays.
  let updateSteps: { update: number; after: number } | undefined;
  if (sparse) {
    step(BENCH_UPDATE_INTERVAL - 1);
    step(BENCH_UPDATE_INTERVAL);
    updateSteps = { update: step(2 * BENCH_UPDATE_INTERVAL - 1), after: step(2 * BENCH_UPDATE_INTERVAL) };
  }
  progress?.(total + 1, total + 1);
  const stepPeak = measuring ? peakRssMb() : undefined;
  times.sort((a, b) => a - b);
  const plain = times[Math.floor(times.length / 2)];
  const ms = updateSteps
    ? plain + (updateSteps.update - plain + (updateSteps.after - plain)) / BENCH_UPDATE_INTERVAL
    : plain;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    engine: 'sparsetickets',
    model: o.model,
    batch: o.batch,
    threads: k.threads(),
    mode: o.mode,
    sparsity: o.sparsity,
    steps: o.steps,
    ms_per_step: round(ms),
    samples_per_s: Math.round((o.batch / ms) * 1000 * 10) / 10,
    ms_min: round(times[0]),
    ms_max: round(times[times.length - 1]),
    ...(updateSteps === undefined
      ? {}
      : {
          ms_plain_step: round(plain),
          ms_update_step: round(updateSteps.update),
          ms_after_update_step: round(updateSteps.after),
          update_ms: {
            gradient: round(sparse!.lastUpdateMs.gradient),
            selection: round(sparse!.lastUpdateMs.selection),
            rebuild: round(sparse!.lastUpdateMs.rebuild),
          },
        }),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(stepPeak === undefined ? {} : { step_peak_rss_mb: Math.round(stepPeak) }),
    state_mb: round(stateBytes / 2 ** 20),
    ...(profile ? { profile: profileReport(profile, times) } : {}),
    ...(o.mode === 'auto' && sparse ? { layers: Object.fromEntries(sparse.execution) } : {}),
    width: o.width,
    backend: k.name,
    isa: k.isa,
    cpu: cpuDescription().model,
  };
}

/** RigL at ERK densities, as the bench times it; a model or mode that cannot run it is a usage error. */
function benchRigL(o: BenchOptions, model: Module, k: Kernels, sgd: SGD): SparseTraining {
  try {
    return new SparseTraining(
      {
        method: 'rigl',
        sparsity: o.sparsity,
        distribution: 'erk',
        denseFirst: false,
        denseLast: false,
        denseLayers: [],
        layerDensities: {},
        updateInterval: BENCH_UPDATE_INTERVAL,
        dropFraction: 0.3,
        dropSchedule: 'constant',
        updateEnd: null,
        initialDensity: 1,
        pruneStartEpoch: 0,
        pruneEndEpoch: 1,
        pruning: 'layerwise',
        snfsMomentum: 0.9,
      },
      {
        model,
        kernels: k,
        optimizer: sgd,
        seed: o.seed,
        itersPerEpoch: 1,
        totalIterations: Number.MAX_SAFE_INTEGER,
        layerFlops: new Map(),
        otherFlops: 0,
        execution: o.mode,
        log: o.log,
      },
    );
  } catch (e) {
    throw new UsageError(`bench: ${(e as Error).message}`);
  }
}

/** Per-step means of the profiled layer times, and what the steps spent outside the layers. */
function profileReport(p: Profile, times: number[]): Record<string, { forward_ms: number; backward_ms: number }> {
  const steps = times.length;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const out: Record<string, { forward_ms: number; backward_ms: number }> = {};
  let layers = 0;
  for (const [kind, t] of [...p.times].sort(
    (a, b) => b[1].forward_ms + b[1].backward_ms - a[1].forward_ms - a[1].backward_ms,
  )) {
    out[kind] = { forward_ms: r3(t.forward_ms / steps), backward_ms: r3(t.backward_ms / steps) };
    layers += t.forward_ms + t.backward_ms;
  }
  const total = times.reduce((a, b) => a + b, 0);
  out.other = { forward_ms: 0, backward_ms: r3((total - layers) / steps) };
  return out;
}
