// The evaluation suite (SPEC §10): one model or an ensemble of members, each run once per data set, every metric
// derived from the stored probabilities. Metrics: calibration (accuracy, NLL, ECE and the reliability diagram,
// per member and for the ensemble), ensemble (disagreement and KL matrices), corruptions (cAcc/cNLL/cECE per
// type and severity, their means, pooled ECE), ood (ROC-AUC by MSP and by negative entropy), fgsm, hessian,
// sparsity (activation sparsity, layer-wise densities, effective sparsity). Every phase is timed.
import { CORRUPTIONS, corruptSet } from '../data/corruptions.js';
import type { ImageSet } from '../data/dataset.js';
import { BatchLoader } from '../data/loader.js';
import { gaussianNoiseSet, uniformNoiseSet } from '../data/ood.js';
import type { Normalization } from '../data/registry.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import { reliabilityDiagram, type ReliabilityBin } from './calibration.js';
import {
  corruptedSets,
  corruptionMetrics,
  firstN,
  meanMetrics,
  type CorruptionOptions,
  type CorruptionReport,
} from './corruption_bench.js';
import { diversity, type Diversity } from './ensemble.js';
import { fgsmPredictions, FGSM_EPSILON } from './fgsm.js';
import { topHessianEigenvalue } from './hessian.js';
import type { Metrics } from './metrics.js';
import { oodAuroc, type OodScore } from './ood.js';
import { meanPredictions, metricsOf, predict, type Predictions } from './predict.js';
import { activationSparsity, sparsityTable, type ActivationSparsity, type SparsityTable } from './sparsity.js';

export const SUITE_METRICS = ['calibration', 'ensemble', 'corruptions', 'ood', 'fgsm', 'hessian', 'sparsity'] as const;
export type SuiteMetric = (typeof SUITE_METRICS)[number];

export interface SuiteInput {
  /** Number of members (1 for a single model). */
  members: number;
  /** Makes member i current and returns its model (a scratch model may take member i's state). */
  use: (i: number) => Module;
  masks?: (i: number) => Map<string, Uint8Array> | undefined;
  kernels: Kernels;
  test: ImageSet;
  train: ImageSet;
  normalization: Normalization;
  metrics: readonly SuiteMetric[];
  batch?: number;
  seed?: number;
  corruptions?: CorruptionOptions;
  /** Extra OOD sets (files, other datasets) beside the generated noise and severity-5 corruptions. */
  oodSets?: { name: string; set: ImageSet }[];
  oodSamples?: number;
  fgsmSamples?: number;
  hessian?: { batches?: number; batchSize?: number };
  progress?: (line: string) => void;
}

type Scored = Metrics & { reliability?: ReliabilityBin[] };

export interface SuiteReport {
  members: number;
  samples: number;
  timings: Record<string, number>;
  calibration?: { members: Scored[]; ensemble?: Scored };
  ensemble?: Diversity;
  corruptions?: CorruptionReport;
  ood?: Record<string, { samples: number } & Record<OodScore, number>>;
  fgsm?: {
    epsilon: number;
    samples: number;
    members?: Metrics[];
    ensemble?: { min: Metrics; mean: Metrics; max: Metrics; bySource: Metrics[] };
  };
  hessian?: {
    members: { mean: number; eigenvalues: number[]; iterations: number[] }[];
    batches: number;
    batchSize: number;
  };
  sparsity?: { members: { activation: ActivationSparsity[]; table: SparsityTable }[] };
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

export function runSuite(inp: SuiteInput): SuiteReport {
  const k = inp.kernels;
  const M = inp.members;
  const B = inp.batch ?? 500;
  const seed = inp.seed ?? 0;
  const say = inp.progress ?? (() => {});
  const timings: Record<string, number> = {};
  const timed = <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    timings[name] = (timings[name] ?? 0) + (performance.now() - t0) / 1000;
    return r;
  };
  const loaderOf = (set: ImageSet) =>
    new BatchLoader(set, { batch: B, shuffle: false, augment: false, normalization: inp.normalization, seed: 0 });
  /** Each member's predictions and the ensemble's (mean of softmaxes) on a set. */
  const predictAll = (set: ImageSet): { members: Predictions[]; combined: Predictions } => {
    const loader = loaderOf(set);
    const members = Array.from({ length: M }, (_, i) => predict(inp.use(i), loader, k));
    return { members, combined: M > 1 ? meanPredictions(members) : members[0] };
  };
  const want = new Set(inp.metrics);
  const report: SuiteReport = { members: M, samples: inp.test.n, timings };

  say(`predicting the test set (${inp.test.n} samples, ${M} member${M > 1 ? 's' : ''})`);
  const clean = timed('predict_test', () => predictAll(inp.test));
  if (want.has('calibration')) {
    const scored = (p: Predictions): Scored => ({ ...metricsOf(p), reliability: reliabilityDiagram(p) });
    report.calibration = {
      members: clean.members.map(scored),
      ...(M > 1 ? { ensemble: scored(clean.combined) } : {}),
    };
  }
  if (want.has('ensemble') && M > 1) report.ensemble = timed('ensemble', () => diversity(clean.members));

  if (want.has('corruptions')) {
    const c = inp.corruptions ?? {};
    report.corruptions = corruptionMetrics(
      corruptedSets(inp.test, c, seed),
      (set) => predictAll(set).combined,
      c.files ? 'files' : 'generated',
      say,
    );
    timings.corruptions_generate = report.corruptions.generateSeconds;
    timings.corruptions_predict = report.corruptions.predictSeconds;
  }

  if (want.has('ood')) {
    const n = Math.min(inp.oodSamples ?? inp.test.n, inp.test.n);
    const shape = inp.test.shape;
    const sets: { name: string; set: ImageSet }[] = [
      { name: 'gaussian-noise', set: gaussianNoiseSet(n, shape, seed) },
      { name: 'uniform-noise', set: uniformNoiseSet(n, shape, seed) },
    ];
    if (shape[0] === 3) {
      // CIFAR-style data against its own corruptions at severity 5: image i under type i mod 19
      const base = firstN(inp.test, n);
      const per = shape[0] * shape[1] * shape[2];
      const images = new Uint8Array(base.n * per);
      timed('ood_generate', () => {
        for (const [ti, t] of CORRUPTIONS.entries()) {
          const idx = Array.from({ length: base.n }, (_, i) => i).filter((i) => i % CORRUPTIONS.length === ti);
          if (!idx.length) continue;
          const sub = new Uint8Array(idx.length * per);
          idx.forEach((i, j) => sub.set(base.images.subarray(i * per, (i + 1) * per), j * per));
          const cs = corruptSet(
            { images: sub, labels: new Int32Array(idx.length), n: idx.length, shape },
            t,
            5,
            seed + 1,
          );
          idx.forEach((i, j) => images.set(cs.images.subarray(j * per, (j + 1) * per), i * per));
        }
      });
      sets.push({ name: 'corruptions-s5', set: { images, labels: base.labels, n: base.n, shape } });
    }
    sets.push(...(inp.oodSets ?? []));
    report.ood = {};
    for (const { name, set } of sets) {
      say(`OOD: ${name} (${set.n} samples)`);
      const p = timed('ood_predict', () => predictAll(set).combined);
      report.ood[name] = { samples: set.n, ...oodAuroc(clean.combined, p) };
    }
  }

  if (want.has('fgsm')) {
    const set = firstN(inp.test, inp.fgsmSamples ?? inp.test.n);
    say(`FGSM ε = 8/255 on ${set.n} samples`);
    timed('fgsm', () => {
      const single = Array.from({ length: M }, (_, i) =>
        metricsOf(
          fgsmPredictions(
            set,
            inp.normalization,
            k,
            () => inp.use(i),
            1,
            () => inp.use(i),
            { batch: B },
          ),
        ),
      );
      report.fgsm = { epsilon: FGSM_EPSILON, samples: set.n, members: single };
      if (M > 1) {
        const bySource = Array.from({ length: M }, (_, src) =>
          metricsOf(fgsmPredictions(set, inp.normalization, k, () => inp.use(src), M, inp.use, { batch: B })),
        );
        const pick = (f: (a: number, b: number) => boolean) =>
          bySource.reduce((best, m) => (f(m.accuracy, best.accuracy) ? m : best));
        report.fgsm.ensemble = {
          min: pick((a, b) => a < b),
          mean: meanMetrics(bySource),
          max: pick((a, b) => a > b),
          bySource,
        };
      }
    });
  }

  if (want.has('hessian')) {
    const nb = inp.hessian?.batches ?? 10;
    const bs = Math.min(inp.hessian?.batchSize ?? 128, inp.train.n);
    say(`Hessian: top eigenvalue on ${nb} training batches of ${bs}`);
    timed('hessian', () => {
      const loader = new BatchLoader(inp.train, {
        batch: bs,
        shuffle: true,
        augment: false,
        normalization: inp.normalization,
        seed,
        dropLast: true,
      });
      const members = Array.from({ length: M }, (_, i) => {
        const model = inp.use(i);
        const eig: number[] = [];
        const its: number[] = [];
        for (const b of loader.epoch(0)) {
          if (eig.length >= nb) break;
          const r = topHessianEigenvalue(model, { x: b.x.slice(), shape: [...b.shape], labels: b.y.slice() }, k, {
            seed: seed + eig.length,
            masks: inp.masks?.(i),
          });
          eig.push(r.eigenvalue);
          its.push(r.iterations);
        }
        return { mean: mean(eig), eigenvalues: eig, iterations: its };
      });
      report.hessian = { members, batches: nb, batchSize: bs };
    });
  }

  if (want.has('sparsity')) {
    say('sparsity: activations, layer densities, effective sparsity');
    timed('sparsity', () => {
      const loader = loaderOf(inp.test);
      report.sparsity = {
        members: Array.from({ length: M }, (_, i) => {
          const model = inp.use(i);
          return {
            activation: activationSparsity(model, loader),
            table: sparsityTable(model, [...inp.test.shape], k, inp.masks?.(i)),
          };
        }),
      };
    });
  }
  return report;
}
