// A run's data and engine: the dataset, the kernels, the training loader (seeded shuffling and augmentation) and
// the evaluation loaders (val when the split has one, test), with the memory check that needs their sizes. Every
// problem is a usage error, found before a model is built.
import { DataError } from '../data/dataset.js';
import { BatchLoader } from '../data/loader.js';
import { loadDataset, type DatasetBundle } from '../data/registry.js';
import { splitValidation } from '../data/split.js';
import { getKernels, type Backend } from '../kernels/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { checkMemory } from './memory_estimate.js';

export interface RunData {
  data: DatasetBundle;
  kernels: Kernels;
  train: BatchLoader;
  evalSets: Record<string, BatchLoader>;
}

function loadData(c: TrainConfig): DatasetBundle {
  try {
    return loadDataset(c.dataset, { dataDir: c.dataDir });
  } catch (e) {
    if (e instanceof DataError) throw new UsageError(e.message);
    throw e;
  }
}

export function runData(c: TrainConfig): RunData {
  const data = loadData(c);
  let kernels;
  try {
    kernels = getKernels(c.backend as Backend, c.threads);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const { train, val } = splitValidation(data.train, c.valFraction, c.trainSubset);
  checkTrainable(c, train.n, data.train.n);
  const augment = c.augment ?? data.augment;
  const norm = data.normalization;
  const trainLoader = new BatchLoader(train, {
    batch: c.batch,
    shuffle: true,
    augment,
    normalization: norm,
    seed: c.seed,
  });
  const evalLoader = (set: typeof train) =>
    new BatchLoader(set, { batch: 500, shuffle: false, augment: false, normalization: norm, seed: c.seed });
  const evalSets: Record<string, BatchLoader> = {};
  if (val.n > 0) evalSets.val = evalLoader(val);
  evalSets.test = evalLoader(data.test);

  checkMemory('train', {
    model: c.model,
    width: c.width,
    numClasses: data.classes,
    inputShape: data.shape,
    batch: c.batch,
    evalBatch: Math.min(500, Math.max(val.n, data.test.n)),
    optimizerSlots: c.optimizer.kind === 'adamw' ? 2 : 1,
    masks: (c.sparse?.method ?? 'dense') !== 'dense' && c.mode !== 'sparse',
  });
  return { data, kernels, train: trainLoader, evalSets };
}

/** An empty training split (a --val-fraction near 1, a tiny dataset) would "complete" without a step. */
function checkTrainable(c: TrainConfig, trainSamples: number, total: number): void {
  if (trainSamples === 0)
    throw new UsageError(
      `train: valFraction ${c.valFraction} leaves no training samples (${total} in ${c.dataset}'s training set); lower --val-fraction`,
    );
}
