// Sparsity diagnostics (SPEC §10): activation sparsity per activation layer (fraction of post-activation values
// with |a| ≤ 1e-2 over a data set), the layer-wise density table (Sup-tickets appendix Table 9), and effective
// sparsity: the fraction of weights that lie on no input-to-output path. A pruned layer can leave a unit with no
// incoming (or no outgoing) kept weight; every weight feeding or leaving such a dead unit is then inert even
// though its mask says kept.
//
// Effective weights are found by running the network itself on 0/1 quantities: weights replaced by their masks,
// biases 0, BatchNorm made the identity, an all-ones input; each Conv2d/Linear output is thresholded to 0/1
// (reached from the input or not), and in the backward pass from all-ones output gradients each layer's input
// gradient is thresholded to 0/1 (reaches the output or not). A kept weight is effective iff its gradient is
// positive: its input unit is reached from the input at some position where its output unit reaches the output.
// Max pooling passes the gradient to every positive input of its window (any path, not the one argmax).
import type { BatchLoader } from '../data/loader.js';
import type { Kernels } from '../kernels/kernels.js';
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pool.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../nn/tensor.js';
import { countNonzeros, nonzeroPattern } from '../util/nonzeros.js';

export const ACTIVATION_THRESHOLD = 1e-2;

export interface ActivationSparsity {
  layer: string;
  values: number;
  /** Fraction with |a| ≤ threshold. */
  sparsity: number;
}

/** Per activation module, over the loader's batches in eval mode. */
export function activationSparsity(
  model: Module,
  loader: BatchLoader,
  threshold = ACTIVATION_THRESHOLD,
): ActivationSparsity[] {
  const acts = model.namedModules().filter(([, m]) => m instanceof Activation) as [string, Activation][];
  const counts = acts.map(() => ({ values: 0, small: 0 }));
  const originals = acts.map(([, a]) => a.forward);
  acts.forEach(([, a], i) => {
    const orig = originals[i];
    a.forward = (x: Tensor) => {
      const y = orig.call(a, x);
      const d = y.data;
      let s = 0;
      for (let t = 0; t < d.length; t++) if (Math.abs(d[t]) <= threshold) s++;
      counts[i].values += d.length;
      counts[i].small += s;
      return y;
    };
  });
  const wasTraining = model.training;
  model.eval();
  try {
    for (const b of loader.epoch(0)) model.forward({ data: b.x, shape: b.shape });
  } finally {
    acts.forEach(([, a], i) => (a.forward = originals[i]));
    model.train(wasTraining);
  }
  return acts.map(([name], i) => ({
    layer: name,
    values: counts[i].values,
    sparsity: counts[i].values ? counts[i].small / counts[i].values : 0,
  }));
}

export interface LayerDensity {
  layer: string;
  shape: number[];
  size: number;
  /** Kept weights by the mask (nonzeros where no mask is given). */
  kept: number;
  density: number;
  /** Kept weights on some input-to-output path. */
  effective: number;
  effectiveDensity: number;
}

export interface SparsityTable {
  layers: LayerDensity[];
  size: number;
  kept: number;
  effective: number;
  density: number;
  sparsity: number;
  effectiveDensity: number;
  effectiveSparsity: number;
}

/** The kept pattern of each prunable weight: its mask, or its nonzeros. */
function keptPattern(name: string, data: Float32Array, masks?: Map<string, Uint8Array>): Uint8Array {
  const m = masks?.get(name);
  return m && m.length === data.length ? m : nonzeroPattern(data);
}

/**
 * The layer-wise density table with effective densities. `model` must be a dense (uncompressed) model of the
 * input shape `inputShape` [c, h, w]; its state is saved and restored.
 */
export function sparsityTable(
  model: Module,
  inputShape: number[],
  k: Kernels,
  masks?: Map<string, Uint8Array>,
): SparsityTable {
  const params = model.namedParameters();
  for (const [name, p] of params) if (p.csr) throw new Error(`sparsityTable: ${name} is compressed; use a dense model`);
  const saved = params.map(([, p]) => p.data.slice());
  const savedBuffers = model.namedBuffers().map(([, b]) => b.data.slice());
  const kept = new Map<string, Uint8Array>();
  for (const [name, p] of params) if (p.prunable) kept.set(name, keptPattern(name, p.data, masks));
  const mods = model.namedModules();
  const patched: [Module, Module['forward'], Module['backward']][] = [];
  const binarize = (t: Tensor) => {
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i] > 0 ? 1 : 0;
  };
  for (const [, m] of mods) {
    if (m instanceof Conv2d || m instanceof Linear) {
      const f = m.forward;
      const b = m.backward;
      patched.push([m, f, b]);
      m.forward = (x: Tensor) => {
        const y = f.call(m, x);
        binarize(y);
        return y;
      };
      m.backward = (dy: Tensor) => {
        const dx = b.call(m, dy);
        binarize(dx);
        return dx;
      };
    } else if (m instanceof MaxPool2d) {
      const f = m.forward;
      const b = m.backward;
      patched.push([m, f, b]);
      let lastX: Tensor | undefined;
      m.forward = (x: Tensor) => {
        lastX = x;
        return f.call(m, x);
      };
      m.backward = (dy: Tensor) => {
        // every positive input of a window with a positive gradient
        const dx = b.call(m, dy);
        const x = lastX!;
        const [N, C, H, W] = x.shape;
        const [, , OH, OW] = dy.shape;
        const K = m.kernelSize;
        const S = m.stride;
        const P = m.padding;
        dx.data.fill(0);
        for (let nc = 0; nc < N * C; nc++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++) {
              if (!(dy.data[(nc * OH + oy) * OW + ox] > 0)) continue;
              for (let ky = 0; ky < K; ky++)
                for (let kx = 0; kx < K; kx++) {
                  const iy = oy * S - P + ky;
                  const ix = ox * S - P + kx;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                  const at = (nc * H + iy) * W + ix;
                  if (x.data[at] > 0) dx.data[at] = 1;
                }
            }
        return dx;
      };
    }
  }
  const wasTraining = model.training;
  try {
    for (const [name, p] of params) {
      const kp = kept.get(name);
      if (kp) for (let i = 0; i < p.data.length; i++) p.data[i] = kp[i];
      else p.data.fill(0); // biases, BatchNorm β
    }
    for (const [, m] of mods)
      if (m instanceof BatchNorm) {
        m.weight.data.fill(1);
        m.bias.data.fill(0);
        m.runningMean.data.fill(0);
        m.runningVar.data.fill(1 - m.eps);
      }
    model.eval();
    model.zeroGrad();
    const shape = [1, ...inputShape];
    const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1);
    const out = model.forward({ data: x, shape });
    const dy = new Float32Array(out.data.length).fill(1);
    model.backward({ data: dy, shape: out.shape });
    const layers: LayerDensity[] = [];
    for (const [name, p] of params) {
      const kp = kept.get(name);
      if (!kp) continue;
      const nk = countNonzeros(kp);
      let ne = 0;
      for (let i = 0; i < kp.length; i++) if (kp[i] && p.grad[i] > 0) ne++;
      layers.push({
        layer: name,
        shape: p.shape,
        size: p.size,
        kept: nk,
        density: nk / p.size,
        effective: ne,
        effectiveDensity: ne / p.size,
      });
    }
    const size = layers.reduce((s, l) => s + l.size, 0);
    const nk = layers.reduce((s, l) => s + l.kept, 0);
    const ne = layers.reduce((s, l) => s + l.effective, 0);
    return {
      layers,
      size,
      kept: nk,
      effective: ne,
      density: nk / size,
      sparsity: 1 - nk / size,
      effectiveDensity: ne / size,
      effectiveSparsity: 1 - ne / size,
    };
  } finally {
    for (const [m, f, b] of patched) {
      m.forward = f;
      m.backward = b;
    }
    params.forEach(([, p], i) => p.data.set(saved[i]));
    model.namedBuffers().forEach(([, b], i) => b.data.set(savedBuffers[i]));
    model.zeroGrad();
    model.train(wasTraining);
  }
}
