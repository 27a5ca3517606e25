// What a ticket records of the run that made it: enough to rebuild its model and evaluate it on the same splits.
import { architectureOf } from '../models/index.js';
import type { Provenance } from '../tickets/ticket.js';
import type { TrainConfig } from './config.js';

export function runProvenance(
  c: TrainConfig,
  classes: number,
  method: string,
  source: string,
): Omit<Provenance, 'density'> {
  return {
    model: c.model,
    width: c.width,
    ...architectureOf(c),
    classes,
    dataset: c.dataset,
    dataDir: c.dataDir,
    valFraction: c.valFraction,
    trainSubset: c.trainSubset,
    method,
    seed: c.seed,
    source,
  };
}
