// Times training steps of a zoo model: forward, softmax cross-entropy, backward, SGD (lr 0.01, momentum 0.9,
// weight decay 5e-4) — the same step as ../shared/bench/pytorch_reference.py — and, in masked mode, ERK masks
// at the sparsity with the mask discipline of SPEC §4 (gradients masked before the update, weights and
// momentum after it).
import { getKernels, type Backend } from '../kernels/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { createModel, modelInputShape } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import { plannedDensities, prunableParams } from '../sparse/layers.js';
import { Masks } from '../sparse/masks.js';
import { cpuDescription } from '../util/cpu.js';
import { Rng } from '../util/rng.js';

export type BenchMode = 'dense' | 'masked';

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
  masks: Masks | null,
  scratch: { dlogits?: Float32Array; probs?: Float32Array },
): number {
  model.zeroGrad();
  const logits = model.forward({ data: x, shape });
  const [n, c] = logits.shape;
  if (scratch.dlogits?.length !== n * c) {
    scratch.dlogits = new Float32Array(n * c);
    scratch.probs = new Float32Array(n * c);
  }
  const loss = k.softmaxCrossEntropy(scratch.dlogits, scratch.probs!, logits.data, y, n, c, 0);
  model.backward({ data: scratch.dlogits, shape: [n, c] });
  masks?.maskGradients(k);
  sgd.step();
  masks?.maskWeights(k, (name) => sgd.buffers(name));
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
  const erk = {
    distribution: 'erk' as const,
    denseFirst: false,
    denseLast: false,
    denseLayers: [],
    layerDensities: {},
  };
  const prunable = prunableParams(params);
  const masks =
    o.mode === 'masked' ? Masks.random(prunable, plannedDensities(prunable, erk, o.sparsity), o.seed) : null;
  masks?.maskWeights(k);
  const scratch = {};
  const total = o.warmup + o.steps;
  const times: number[] = [];
  for (let s = 0; s < total; s++) {
    const t0 = process.hrtime.bigint();
    const loss = trainingStep(k, model, x, shape, y, sgd, masks, scratch);
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!Number.isFinite(loss)) throw new Error(`bench: the loss became ${loss} at step ${s}`);
    if (s >= o.warmup) times.push(dt);
    progress?.(s + 1, total);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  return {
    engine: 'sparsetickets',
    model: o.model,
    batch: o.batch,
    threads: k.threads(),
    mode: o.mode,
    sparsity: o.sparsity,
    steps: o.steps,
    ms_per_step: Math.round(ms * 1000) / 1000,
    samples_per_s: Math.round((o.batch / ms) * 1000 * 10) / 10,
    ms_min: Math.round(times[0] * 1000) / 1000,
    ms_max: Math.round(times[times.length - 1] * 1000) / 1000,
    width: o.width,
    backend: k.name,
    isa: k.isa,
    cpu: cpuDescription().model,
  };
}
