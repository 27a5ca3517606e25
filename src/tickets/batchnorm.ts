// BatchNorm statistics of a combined ticket (SPEC §6, §7). AV averages the running statistics with the weights
// (superpose.ts does that). BU — this file — resets them and recomputes them with one cumulative pass over
// training data, as torch.optim.swa_utils.update_bn: momentum None, i.e. after batch b (1-based) the running
// value is the mean of the b batch statistics (running_var of the unbiased batch variances).
import type { BatchLoader } from '../data/loader.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/batchnorm.js';
import type { Module } from '../nn/module.js';

/** The model's BatchNorm layers; empty for a model without them. */
export function batchNormLayers(model: Module): (BatchNorm1d | BatchNorm2d)[] {
  return model
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is BatchNorm1d | BatchNorm2d => m instanceof BatchNorm1d || m instanceof BatchNorm2d);
}

/** Recomputes every BatchNorm's running statistics with one cumulative pass over `loader` (epoch 0's order),
 * in training mode without gradients or parameter updates; leaves the model in eval mode. Returns the number of
 * batches seen (0 for a model without BatchNorm: nothing is run). */
export function refreshBatchNorm(model: Module, loader: BatchLoader): number {
  const layers = batchNormLayers(model);
  if (layers.length === 0) return 0;
  const momenta = layers.map((l) => l.momentum);
  for (const l of layers) {
    l.runningMean.reset();
    l.runningVar.reset();
    l.numBatchesTracked.reset();
    l.momentum = null;
  }
  model.train();
  let batches = 0;
  try {
    for (const b of loader.epoch(0)) {
      model.forward({ data: b.x, shape: b.shape });
      batches++;
    }
  } finally {
    layers.forEach((l, i) => (l.momentum = momenta[i]));
    model.eval();
  }
  return batches;
}
