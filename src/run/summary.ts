// A run's summary.json: how it ended, its final and best-validation metrics, where the time went, the engine, the
// sparse method's density and training FLOPs, and what its hooks report (a booster's tickets, GradInit's scales).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../eval/metrics.js';
import type { EpochRecord } from '../train/hooks.js';
import type { RunDir } from '../train/rundir.js';
import type { Trainer } from '../train/trainer.js';
import { errorLine } from '../util/errors.js';
import type { BuiltRun } from './build.js';
import { writeLayerReport } from './layer_report.js';
import type { StopSignal } from './signals.js';

export interface RunSummary {
  run: string;
  /** diverged: a non-finite training loss stopped it (Trainer's policy); failed: an error during work. */
  status: 'completed' | 'interrupted' | 'diverged' | 'failed';
  /** diverged or failed: what happened, in the line the user saw. */
  reason?: string;
  /** interrupted by a signal (Ctrl-C, a scheduler's SIGTERM, a closed terminal's SIGHUP). */
  signal?: StopSignal;
  model: string;
  dataset: string;
  epochs: number;
  iterations: number;
  final: Record<string, Metrics>;
  best_val?: { epoch: number; accuracy: number };
  wall_seconds: number;
  seconds: { train: number; data: number; eval: number };
  threads: number;
  backend: string;
  isa: string;
  /** Method, final density, and training FLOPs normalised by dense training (SPEC §4). */
  sparse?: {
    method: string;
    sparsity: number;
    density: number;
    /** Training FLOPs normalised by dense training (SPEC §4). */
    training_flops: number;
    /** Forward FLOPs per sample, dense and with the final masks. */
    forward_flops?: { dense: number; sparse: number };
    mask_updates: number;
  };
  /** A booster's report (Sup-tickets: the ultimate ticket's, the last network's and the tickets' ensemble's
   * metrics), under the hook's name. */
  [hook: string]: unknown;
}

/** How a run's training ended: the trainer where it stopped, the epochs this directory records, and why. */
export interface RunOutcome {
  trainer: Trainer;
  history: EpochRecord[];
  status: RunSummary['status'];
  /** What ended a failed or diverged run. */
  failure?: unknown;
  signal?: StopSignal;
}

/** The summary of what every run has, whatever its end; `started` is the performance.now() of its beginning. */
export function summarize(run: BuiltRun, path: string, end: RunOutcome, started: number): RunSummary {
  const { history, trainer, status, failure } = end;
  const last = history[history.length - 1];
  const withVal = history.filter((h) => h.eval.val);
  const best = withVal.reduce<EpochRecord | undefined>(
    (b, h) => (!b || h.eval.val.accuracy > b.eval.val.accuracy ? h : b),
    undefined,
  );
  const sum = (k: 'train' | 'data' | 'eval') => history.reduce((s, h) => s + h.seconds[k], 0);
  const { config: c, kernels } = run;
  return {
    run: path,
    status,
    ...(failure === undefined ? {} : { reason: errorLine(failure, false) }),
    ...(status === 'interrupted' && end.signal ? { signal: end.signal } : {}),
    model: c.model,
    dataset: c.dataset,
    epochs: trainer.position.epoch,
    iterations: trainer.position.iteration,
    final: last?.eval ?? {},
    best_val: best ? { epoch: best.epoch, accuracy: best.eval.val.accuracy } : undefined,
    wall_seconds: (performance.now() - started) / 1000,
    seconds: { train: sum('train'), data: sum('data'), eval: sum('eval') },
    threads: kernels.threads(),
    backend: kernels.name,
    isa: kernels.isa,
  };
}

/** Adds what a run that did not fail reports: its sparse method's density and FLOPs (and the layer-wise table
 * beside it), its hooks' reports and GradInit's result. */
export function addReports(summary: RunSummary, run: BuiltRun, dir: RunDir): void {
  const { sparse, hooks, config: c } = run;
  if (sparse) {
    const flops = sparse.flopsReport();
    summary.sparse = {
      method: sparse.s.method,
      sparsity: sparse.s.sparsity,
      density: sparse.masks.densities().overall,
      training_flops: flops.training,
      forward_flops: { dense: flops.forward_dense, sparse: flops.forward_sparse },
      mask_updates: sparse.updates.length,
    };
    writeLayerReport(dir, c, sparse);
  } else summary.sparse = { method: 'dense', sparsity: 0, density: 1, training_flops: 1, mask_updates: 0 };
  for (const h of hooks) {
    const r = h.report?.();
    if (r !== undefined) summary[h.name] = r;
  }
  if (c.gradinit && existsSync(join(dir.path, 'gradinit.json')))
    summary.gradinit = JSON.parse(readFileSync(join(dir.path, 'gradinit.json'), 'utf8'));
}
