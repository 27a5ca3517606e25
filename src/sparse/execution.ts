// How the masked layers run (issue "truly sparse execution"): `masked` keeps dense weights multiplied by a mask
// (what every reference implementation does), `sparse` stores them compressed and runs the sparse kernels, `auto`
// measures both per layer on the layer's real input and takes the faster. `dense` is no sparsity at all.
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../nn/tensor.js';
import { Rng } from '../util/rng.js';
import type { GradientRows } from './scores.js';

export const EXECUTION_MODES = ['dense', 'masked', 'sparse', 'auto'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];
export type LayerExecution = 'masked' | 'sparse';

/** A layer whose weight can run compressed. */
export type SparseCapable = (Linear | Conv2d) & GradientRows;

/** The module that owns a parameter, by the parameter's dotted name ('features.3.weight' → 'features.3'). */
export function ownerOf(model: Module, paramName: string): Module | undefined {
  const cut = paramName.lastIndexOf('.');
  const path = cut < 0 ? '' : paramName.slice(0, cut);
  return model.namedModules().find(([p]) => p === path)?.[1];
}

/** The layer owning the weight `paramName` when it can run compressed; otherwise why it cannot. */
export function sparseOwner(model: Module, paramName: string): SparseCapable | string {
  const m = ownerOf(model, paramName);
  if (m instanceof Linear) return m;
  if (m instanceof Conv2d)
    return m.groups === 1 ? m : `it is a grouped convolution (groups ${m.groups}), which has no sparse kernel`;
  return `its layer (${m?.constructor.name ?? 'none'}) has no sparse kernel`;
}

/**
 * Milliseconds of one forward + backward of `m` on its last input, in its current storage (median of `reps`
 * after a warm-up). Gradients accumulate into the parameters: call between steps, before they are zeroed.
 */
export function timeLayer(m: SparseCapable, reps = 3): number {
  const x = m.lastInput;
  if (!x) throw new Error('timeLayer: the layer has not run forward yet');
  const y = m.forward(x);
  const dy: Tensor = { data: new Float32Array(y.data.length), shape: [...y.shape] };
  const rng = new Rng(0, 7);
  for (let i = 0; i < dy.data.length; i++) dy.data[i] = rng.normal();
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    m.forward(x);
    m.backward(dy);
    if (r > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
