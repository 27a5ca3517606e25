// A model summary: every Conv2d/Linear layer with its weight shape, parameter count, and forward FLOPs,
// found by running one sample through the model and recording each leaf module's input and output shapes.
// FLOPs count multiplies + adds of the dense layer (2 per multiply-accumulate, RigL's counting); a sparse
// layer's are the dense ones × its density (SPEC §4). BatchNorm, activations and pooling are counted once,
// dense, in `other_flops`.
import { BatchNorm1d, BatchNorm2d } from './layers/batchnorm.js';
import { Conv2d } from './layers/conv.js';
import { Linear } from './layers/linear.js';
import { Activation } from './layers/activation.js';
import { AvgPool2d, GlobalAvgPool2d, MaxPool2d } from './layers/pool.js';
import type { Module } from './module.js';
import { sizeOf, type Tensor } from './tensor.js';

export interface LayerSummary {
  /** Parameter path of the weight, e.g. 'layer1.0.conv1.weight'. */
  name: string;
  kind: 'conv' | 'linear';
  shape: number[];
  params: number;
  density: number;
  nnz: number;
  input: number[];
  output: number[];
  flops_dense: number;
  flops_sparse: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  /** Parameters of the prunable layers' weights (what density refers to). */
  params: number;
  nnz: number;
  density: number;
  /** All parameters, biases and BatchNorm included. */
  total_params: number;
  /** Elements of every layer's output for one sample (the activations a forward pass keeps). */
  activations: number;
  other_flops: number;
  flops: { forward_dense: number; forward_sparse: number };
}

/** `densities` maps weight paths to their density (absent: 1). */
export function summarizeModel(
  model: Module,
  inputShape: readonly number[],
  densities = new Map<string, number>(),
): ModelSummary {
  const shapes = new Map<Module, { input: number[]; output: number[] }>();
  const leaves = model.namedModules().filter(([, m]) => m.namedChildren().length === 0);
  const originals = leaves.map(([, m]) => [m, m.forward] as const);
  for (const [m, forward] of originals) {
    m.forward = (x: Tensor) => {
      const y = forward.call(m, x);
      shapes.set(m, { input: [...x.shape], output: [...y.shape] });
      return y;
    };
  }
  const wasTraining = model.training;
  try {
    model.eval();
    const shape = [1, ...inputShape];
    model.forward({ data: new Float32Array(sizeOf(shape)), shape });
  } finally {
    for (const [m, forward] of originals) m.forward = forward;
    model.train(wasTraining);
  }

  const layers: LayerSummary[] = [];
  const fixed = new Set<string>();
  let other = 0;
  let activations = 0;
  for (const [path, m] of leaves) {
    const io = shapes.get(m);
    if (!io) continue; // not on the forward path
    const out = sizeOf(io.output);
    activations += out;
    if (m instanceof Conv2d || m instanceof Linear) {
      const name = path === '' ? 'weight' : `${path}.weight`;
      const w = m.weight;
      // Every output element takes fan_in multiply-accumulates: C/g·R·S for a conv, in_features for a Linear.
      const macs = out * (w.size / w.shape[0]);
      const density = densities.get(name) ?? 1;
      if (!w.prunable) fixed.add(name);
      layers.push({
        name,
        kind: m instanceof Conv2d ? 'conv' : 'linear',
        shape: [...w.shape],
        params: w.size,
        density,
        nnz: Math.round(density * w.size),
        input: io.input,
        output: io.output,
        flops_dense: 2 * macs,
        flops_sparse: 2 * macs * density,
      });
    } else if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) other += 2 * out;
    else if (m instanceof Activation) other += out;
    else if (m instanceof MaxPool2d || m instanceof AvgPool2d) other += out * m.kernelSize * m.kernelSize;
    else if (m instanceof GlobalAvgPool2d) other += sizeOf(io.input);
  }
  // Density refers to the prunable weights only (not the never-pruned jump paths of SPEC §9).
  const prunable = layers.filter((l) => !fixed.has(l.name));
  const params = prunable.reduce((s, l) => s + l.params, 0);
  const nnz = prunable.reduce((s, l) => s + l.nnz, 0);
  const dense = layers.reduce((s, l) => s + l.flops_dense, 0);
  const sparse = layers.reduce((s, l) => s + l.flops_sparse, 0);
  return {
    layers,
    params,
    nnz,
    density: params > 0 ? nnz / params : 1,
    total_params: model.numParameters(),
    activations,
    other_flops: other,
    flops: { forward_dense: dense + other, forward_sparse: sparse + other },
  };
}
