// The memory a training run (or a bench of training steps) needs, estimated before any work from the model's
// shapes, and the check that refuses, in one line, a run that cannot fit, instead of failing with an
// allocation error minutes later. The figure is a lower bound: parameters with their gradients and optimiser
// state (and masks), plus every layer's output and input gradient for the largest batch; the engine's
// scratch buffers, the dataset and the runtime come on top.
import { createModel } from '../models/index.js';
import { summarizeModel } from '../nn/summary.js';
import { withShapesOnly } from '../nn/tensor.js';
import { UsageError } from '../util/errors.js';
import { availableMemory, formatBytes } from '../util/memory.js';

export interface MemoryNeeds {
  model: string;
  width: number;
  numClasses: number;
  inputShape: [number, number, number];
  /** Training batch; the forward buffers grow to the largest of it and evalBatch. */
  batch: number;
  evalBatch?: number;
  /** Buffers the optimiser keeps per parameter (SGD with momentum 1, AdamW 2). */
  optimizerSlots: number;
  /** Masked training: one float mask per prunable weight. */
  masks: boolean;
}

export interface MemoryEstimate {
  /** Parameters, their gradients, optimiser state and masks. */
  state: number;
  /** Layer outputs and input gradients. */
  activations: number;
  total: number;
}

/** Width at which the activations are measured (then scaled linearly with the width): small enough to be
 * cheap to build and run for every zoo model. */
const PROBE_WIDTH = 0.25;

/** Bytes a run needs at least; undefined when the model cannot be built for these inputs (the caller's own
 * check then says why). Allocates nothing of the model's size. */
export function estimateTrainingMemory(n: MemoryNeeds): MemoryEstimate | undefined {
  const options = { width: n.width, numClasses: n.numClasses, inputShape: n.inputShape };
  try {
    const shapes = withShapesOnly(() => createModel(n.model, options));
    let params = 0;
    let prunable = 0;
    for (const p of shapes.parameters()) {
      params += p.size;
      if (p.prunable) prunable += p.size;
    }
    const probeWidth = Math.min(n.width, PROBE_WIDTH);
    const probe = createModel(n.model, { ...options, width: probeWidth });
    const perSample = summarizeModel(probe, n.inputShape).activations * (n.width / probeWidth);
    const state = 4 * (params * (2 + n.optimizerSlots) + (n.masks ? prunable : 0));
    const activations = 4 * perSample * (Math.max(n.batch, n.evalBatch ?? 0) + n.batch);
    return { state, activations, total: state + activations };
  } catch {
    return undefined;
  }
}

/** Throws a one-line UsageError when the estimate exceeds the memory this process may still allocate. */
export function checkMemory(cmd: string, n: MemoryNeeds): void {
  const need = estimateTrainingMemory(n);
  const have = availableMemory();
  if (!need || !have || need.total <= have.bytes) return;
  throw new UsageError(
    `${cmd}: ${n.model} at width ${n.width} needs at least ${formatBytes(need.total)} ` +
      `(${formatBytes(need.state)} of weights, gradients and optimiser state, ${formatBytes(need.activations)} of ` +
      `activations at batch ${n.batch}), but only ${formatBytes(Math.max(0, have.bytes))} can be allocated ` +
      `(${have.bound}); lower --width or --batch`,
  );
}
