// What evaluating or refreshing a ticket needs from outside it: the dataset its provenance names (or the
// user's), split as the run split it, and a scratch model of its architecture — a TicketEvaluator.
import { BatchLoader } from '../data/loader.js';
import { DataError } from '../data/dataset.js';
import { isDatasetName, loadDataset, DATASET_NAMES } from '../data/registry.js';
import { splitValidation } from '../data/split.js';
import { getKernels, type Backend } from '../kernels/index.js';
import { architectureOf, isModelName } from '../models/index.js';
import { TicketEvaluator } from '../tickets/evaluate.js';
import type { Provenance } from '../tickets/ticket.js';
import { UsageError } from '../util/errors.js';
import { createModelFor } from './model_fit.js';

export interface TicketDataOptions {
  /** Overrides of the provenance's dataset and its directory. */
  dataset?: string;
  dataDir?: string;
  /** Splits to evaluate on (default: val and test). */
  splits?: ('train' | 'val' | 'test')[];
  batch?: number;
  threads?: number;
  backend?: Backend;
  /** Seed of the BU pass's shuffling and augmentation (default: the ticket's). */
  seed?: number;
}

export function ticketEvaluator(cmd: string, p: Provenance, o: TicketDataOptions = {}): TicketEvaluator {
  if (!isModelName(p.model)) throw new UsageError(`${cmd}: the ticket names an unknown model '${p.model}'`);
  const name = o.dataset ?? p.dataset;
  if (!name || !isDatasetName(name))
    throw new UsageError(
      `${cmd}: ${name ? `unknown dataset '${name}'` : 'the ticket names no dataset'}; pass --dataset (${DATASET_NAMES.join(', ')})`,
    );
  let data;
  try {
    data = loadDataset(name, { dataDir: o.dataDir ?? p.dataDir });
  } catch (e) {
    if (e instanceof DataError) throw new UsageError(`${cmd}: ${e.message}`);
    throw e;
  }
  if (p.classes !== undefined && p.classes !== data.classes)
    throw new UsageError(`${cmd}: the ticket has ${p.classes} classes, dataset ${name} ${data.classes}`);
  let kernels;
  try {
    kernels = getKernels(o.backend ?? 'auto', o.threads);
  } catch (e) {
    throw new UsageError(`${cmd}: ${(e as Error).message}`);
  }
  const { train, val } = splitValidation(data.train, p.valFraction ?? 0.1, p.trainSubset);
  const norm = data.normalization;
  const loader = (set: typeof train) =>
    new BatchLoader(set, { batch: o.batch ?? 500, shuffle: false, augment: false, normalization: norm, seed: 0 });
  const sets = { train, val, test: data.test };
  const evalSets: Record<string, BatchLoader> = {};
  for (const s of o.splits ?? ['val', 'test']) if (sets[s].n > 0) evalSets[s] = loader(sets[s]);
  const model = createModelFor(
    cmd,
    p.model,
    { name, shape: data.shape },
    {
      width: p.width,
      numClasses: data.classes,
      kernels,
      ...architectureOf(p),
    },
  );
  const bnData = new BatchLoader(train, {
    batch: 128,
    shuffle: true,
    augment: data.augment,
    normalization: norm,
    seed: o.seed ?? p.seed ?? 0,
  });
  return new TicketEvaluator({ model, kernels, evalSets, bnData, normalization: norm });
}
