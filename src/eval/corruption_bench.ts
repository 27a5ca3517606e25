// Corruption metrics (SPEC §10): the corrupted copies of a test set — generated (CIFAR-10-C's 19 types at
// severities 1–5) or read from the real .npy files — and cAcc/cNLL/cECE per type and severity, their mean and the
// pooled metrics. The sets can be produced once and scored for many models (the Lottery Pools pipeline scores
// every ticket on the same ones).
import { CORRUPTIONS, type Corruption } from '../data/corruptions.js';
import { corruptSeverities } from '../data/corrupt_parallel.js';
import type { ImageSet } from '../data/dataset.js';
import type { CorruptionFiles } from '../data/npy.js';
import { pooledMetrics } from './calibration.js';
import type { Metrics } from './metrics.js';
import { metricsOf, type Predictions } from './predict.js';

export interface CorruptionOptions {
  types?: readonly Corruption[];
  severities?: readonly number[];
  /** The real CIFAR-10-C files; absent: generated. */
  files?: CorruptionFiles;
  /** Use the first `limit` test images (generated corruptions). */
  limit?: number;
  /** Worker threads generating them (default: all cores). */
  threads?: number;
}

export interface CorruptedSet {
  type: Corruption;
  severity: number;
  set: ImageSet;
}

export interface CorruptionReport {
  source: 'generated' | 'files';
  samples: number;
  table: Record<string, Record<string, Metrics>>;
  mean: Metrics;
  pooled: Metrics;
  bySeverity: Record<string, Metrics>;
  generateSeconds: number;
  predictSeconds: number;
}

export function firstN(set: ImageSet, n: number): ImageSet {
  if (n >= set.n) return set;
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return { images: set.images.subarray(0, n * per), labels: set.labels.subarray(0, n), n, shape: set.shape };
}

export function meanMetrics(ms: Metrics[]): Metrics {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    accuracy: mean(ms.map((m) => m.accuracy)),
    nll: mean(ms.map((m) => m.nll)),
    ece: mean(ms.map((m) => m.ece)),
  };
}

/** The corrupted sets one type at a time (all its severities together, across worker threads), lazily: the
 * suite scores each as it comes; `[...corruptedSets(…)]` keeps them all for scoring several models. */
export function* corruptedSets(test: ImageSet, o: CorruptionOptions, seed: number): Generator<CorruptedSet> {
  const types = o.types ?? CORRUPTIONS;
  const sevs = o.severities ?? [1, 2, 3, 4, 5];
  const base = firstN(test, o.limit ?? test.n);
  for (const type of types) {
    const generated = o.files ? null : corruptSeverities(base, type, sevs, seed, o.threads);
    for (const [i, severity] of sevs.entries())
      yield { type, severity, set: generated ? generated[i] : o.files!.load(type, severity) };
  }
}

/** Scores `predictSet` on every corrupted set; `say` hears each type/severity's accuracy. */
export function corruptionMetrics(
  sets: Iterable<CorruptedSet>,
  predictSet: (set: ImageSet) => Predictions,
  source: CorruptionReport['source'],
  say: (line: string) => void = () => {},
): CorruptionReport {
  const table: Record<string, Record<string, Metrics>> = {};
  const all: Predictions[] = [];
  const bySev: Record<string, Predictions[]> = {};
  let gen = 0;
  let pred = 0;
  let samples = 0;
  let t0 = performance.now();
  for (const { type, severity, set } of sets) {
    const t1 = performance.now();
    gen += (t1 - t0) / 1000;
    const p = predictSet(set);
    t0 = performance.now();
    pred += (t0 - t1) / 1000;
    samples = set.n;
    (table[type] ??= {})[severity] = metricsOf(p);
    all.push(p);
    (bySev[severity] ??= []).push(p);
    say(`${type} severity ${severity}: accuracy ${(100 * table[type][severity].accuracy).toFixed(2)}%`);
  }
  return {
    source,
    samples,
    table,
    mean: meanMetrics(Object.values(table).flatMap((r) => Object.values(r))),
    pooled: pooledMetrics(all),
    bySeverity: Object.fromEntries(Object.entries(bySev).map(([s, ps]) => [s, meanMetrics(ps.map(metricsOf))])),
    generateSeconds: gen,
    predictSeconds: pred,
  };
}
