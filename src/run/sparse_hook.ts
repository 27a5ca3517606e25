// The sparse-training hook of a run's config (null for dense training), and the execution mode it must agree with.
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import { summarizeModel } from '../nn/summary.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SparseTraining } from '../sparse/training.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { resolveSparse } from './sparse_settings.js';

/** The sparse-training hook of the config's method (null for dense training); bad settings are usage errors. */
export function makeSparse(
  c: TrainConfig,
  model: Module,
  kernels: Kernels,
  optimizer: Optimizer,
  inputShape: [number, number, number],
  itersPerEpoch: number,
  epochs: number,
  log: (line: string) => void,
): SparseTraining | null {
  const settings = resolveSparse(c, epochs);
  if (!settings) {
    if (c.mode === 'sparse')
      throw new UsageError('train: --mode sparse: method dense has no masks to run sparse (use --mode dense)');
    return null;
  }
  if (c.mode === 'dense') {
    throw new UsageError(
      `train: --mode dense runs without masks, but method ${settings.method} has them (use masked, sparse or auto)`,
    );
  }
  const summary = summarizeModel(model, inputShape);
  const layerFlops = new Map(summary.layers.map((l) => [l.name, l.flops_dense]));
  try {
    return new SparseTraining(settings, {
      model,
      kernels,
      optimizer,
      seed: c.seed,
      itersPerEpoch,
      totalIterations: itersPerEpoch * epochs,
      layerFlops,
      otherFlops: summary.other_flops,
      execution: c.mode,
      log,
    });
  } catch (e) {
    throw new UsageError(`sparse: ${(e as Error).message}`);
  }
}
