// "Spending the lottery better" (SPEC §9; papers/spending-the-lottery.txt, Tables A2/A3) as one run of a sweep:
// the lottery rounds (SPEC §5), then every target round's mask retrained with every listed tweak set (retrain.ts:
// from the lottery's rewind point, the tweaks only in the retraining), and optionally the evaluation suite's
// Hessian and activation sparsity (SPEC §10) of each tweak set's ticket at one target. A tweak set without
// tweaks is vanilla LTH: exactly the lottery round's own training (same start, mask, seed and recipe), so its row
// is the round's and nothing is trained twice. Everything lands in the pipeline directory:
//   config.json, lottery.json, round-NN/, rounds.*   the lottery (lottery.ts)
//   retrain/<tweaks>-NN/                            round NN's mask retrained with a tweak set (a run directory)
//   eval-<tweaks>-NN.json                           the suite's Hessian / activation sparsity of that ticket
//   spending.md, summary.json                       one row per (target, tweak set): what `report` tabulates
// Finished retrainings are never redone; an interrupted one resumes from its checkpoint.
import { join } from 'node:path';
import { runSuite, type SuiteMetric, type SuiteReport } from '../eval/suite.js';
import { EXTRA_SKIP_MODELS } from '../models/index.js';
import type { TrainConfig } from '../run/config.js';
import type { PipelineConfig } from '../run/pipeline_config.js';
import { ticketEvaluator } from '../run/ticket_data.js';
import { describeTweaks, hasTweaks, tweakName } from '../run/tweak_config.js';
import { writeFileAtomic } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import { accuracyCell, markdownTable } from '../util/markdown.js';
import {
  cached,
  lotteryStage,
  pick,
  type PipelineOptions,
  type PipelineRow,
  type PipelineSummary,
} from './pipeline_common.js';
import { retrainTicket } from './retrain.js';
import { applyTicket, loadTicket } from '../tickets/ticket.js';

type SpendingConfig = Extract<PipelineConfig, { kind: 'spending' }>;
type SpendingTweaks = SpendingConfig['retrain']['tweaks'][number];

/** The epoch a set retrains from: its own, the pipeline's, or the lottery's rewind point. */
const rewindOf = (p: SpendingConfig, t: SpendingTweaks) =>
  t.rewindEpoch ?? p.retrain.rewindEpoch ?? p.lottery.rewindEpoch;

/** A set's name in rows and run names: its own, or its tag (with the epoch when the set's own rewind differs). */
const setName = (p: SpendingConfig, t: SpendingTweaks) =>
  t.name ?? `${tweakName(t)}${t.rewindEpoch !== undefined ? `-rewind${t.rewindEpoch}` : ''}`;

export interface SpendingRow extends PipelineRow {
  point: { target: number; density: number; tweaks: string };
  /** The row's ticket, relative to the pipeline directory. */
  ticket: string;
}

/** Checks before any work: the settings that depend on each other. */
export function checkSpendingPipeline(c: TrainConfig, p: SpendingConfig): void {
  const rounds = p.lottery.kind === 'omp' ? 2 : p.lottery.rounds;
  if (p.lottery.kind === 'ltr')
    throw new UsageError('pipeline: spending retrains IMP or OMP tickets from their rewind point; LTR keeps none');
  for (const j of p.retrain.targets ?? [])
    if (j >= rounds)
      throw new UsageError(`pipeline: target ${j} is out of range: the pruned rounds are 1 … ${rounds - 1}`);
  const k = p.lottery.rewindEpoch;
  for (const rewind of [p.retrain.rewindEpoch ?? k, ...p.retrain.tweaks.map((t) => rewindOf(p, t))])
    if (rewind !== k && rewind !== 0)
      throw new UsageError(
        `pipeline: rewindEpoch ${rewind}: the lottery keeps its rewind point (epoch ${k}) and the initialisation (0)`,
      );
  const names = p.retrain.tweaks.map((t) => setName(p, t));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`pipeline: two tweak sets are named '${twice}'; name them apart (name: …)`);
  if (p.retrain.tweaks.some((t) => t.extraSkips) && !EXTRA_SKIP_MODELS.includes(c.model))
    throw new UsageError(
      `pipeline: extra skips need BasicBlocks; ${c.model} has none (${EXTRA_SKIP_MODELS.join(', ')} have them)`,
    );
  const e = p.evaluation;
  if (e && !e.hessian && !e.sparsity)
    throw new UsageError('pipeline: evaluation asks for neither hessian nor sparsity');
  if (e?.target !== undefined && p.retrain.targets && !p.retrain.targets.includes(e.target))
    throw new UsageError(`pipeline: evaluation.target ${e.target} is not one of the retrained targets`);
  if (e?.target !== undefined && e.target >= rounds)
    throw new UsageError(`pipeline: evaluation.target ${e.target} is out of range (1 … ${rounds - 1})`);
}

/** Runs (or resumes) the pipeline a config with `pipeline.kind: spending` describes. */
export async function runSpendingPipeline(
  c: TrainConfig,
  o: PipelineOptions = {},
): Promise<PipelineSummary<SpendingRow>> {
  const p = c.pipeline as SpendingConfig;
  checkSpendingPipeline(c, p);
  const log = o.log ?? (() => {});
  const { dir, name, lottery, finish } = await lotteryStage<SpendingRow>(c, p.lottery, o);
  if (lottery.status !== 'completed') return finish([], 'interrupted');
  const rounds = lottery.rounds;
  const targets = p.retrain.targets ?? rounds.slice(1).map((r) => r.round);
  const rows: SpendingRow[] = [];
  for (const j of targets) {
    for (const set of p.retrain.tweaks) {
      const { rewindEpoch: _, ...t } = set; // the tweaks proper
      const rewind = rewindOf(p, set);
      const tweaks = setName(p, set);
      const point = { target: j, density: rounds[j].density, tweaks };
      if (!hasTweaks(t) && rewind === p.lottery.rewindEpoch) {
        rows.push({
          point,
          metrics: { test: rounds[j].test!, ...(rounds[j].val ? { val: rounds[j].val } : {}) },
          ticket: rounds[j].ticket,
        });
        continue;
      }
      const run = `${tweaks.replace(/\+/g, '_')}-${String(j).padStart(2, '0')}`;
      const summary = await retrainTicket(join(dir, rounds[j].ticket), {
        tweaks: t,
        rewindEpoch: rewind,
        name: run,
        runsDir: join(dir, 'retrain'),
        mode: 'once',
        quiet: o.quiet,
        hooks: o.hooks,
        onBegin: () => log(`${name}: round ${j} retrained with ${describeTweaks(t)}`),
      });
      if (summary.status !== 'completed') return finish(rows, 'interrupted');
      rows.push({ point, metrics: pick(summary.final), ticket: join('retrain', run, 'model.safetensors') });
    }
  }
  if (p.evaluation)
    evaluateRows(
      dir,
      c,
      p.evaluation,
      rows.filter((r) => r.point.target === (p.evaluation!.target ?? Math.max(...targets))),
      log,
    );
  writeFileAtomic(join(dir, 'spending.md'), spendingTable(rows));
  return finish(rows, 'completed');
}

/** The suite's Hessian top eigenvalue and activation sparsity of each row's ticket, cached per row. */
function evaluateRows(
  dir: string,
  c: TrainConfig,
  e: NonNullable<SpendingConfig['evaluation']>,
  rows: SpendingRow[],
  log: (line: string) => void,
): void {
  const metrics: SuiteMetric[] = [
    ...(e.hessian ? (['hessian'] as const) : []),
    ...(e.sparsity ? (['sparsity'] as const) : []),
  ];
  for (const row of rows) {
    const file = join(
      dir,
      `eval-${row.point.tweaks.replace(/\+/g, '_')}-${String(row.point.target).padStart(2, '0')}.json`,
    );
    const r = cached<Pick<SuiteReport, 'hessian' | 'sparsity'>>(file, () => {
      log(`evaluating ${row.ticket} (${metrics.join(', ')})`);
      const t = loadTicket(join(dir, row.ticket), { allowDense: true });
      const ev = ticketEvaluator('pipeline', t.provenance, { threads: c.threads, splits: ['test'] });
      applyTicket(ev.o.model, t);
      const report = runSuite({
        members: 1,
        use: () => ev.o.model,
        masks: () => t.masks,
        kernels: ev.o.kernels,
        test: ev.o.evalSets.test.set,
        train: ev.o.bnData!.set,
        normalization: ev.o.normalization!,
        metrics,
        hessian: e.hessian,
        seed: c.seed,
      });
      return { hessian: report.hessian, sparsity: report.sparsity };
    });
    if (r.hessian) row.metrics.hessian = r.hessian.members[0].mean;
    if (r.sparsity) {
      // SPEC §10: the fraction of post-activation values with |a| ≤ 1e-2, here over every activation layer together.
      const layers = r.sparsity.members[0].activation;
      const values = layers.reduce((a, l) => a + l.values, 0);
      row.metrics.activation_sparsity = layers.reduce((a, l) => a + l.sparsity * l.values, 0) / values;
    }
  }
}

function spendingTable(rows: SpendingRow[]): string {
  const num = (x?: number) => (x === undefined ? '' : x.toPrecision(4));
  return markdownTable(
    [
      'target',
      'density',
      'tweaks',
      'test acc %',
      'val acc %',
      'Hessian top eigenvalue',
      'activation sparsity',
      'ticket',
    ],
    rows.map((r) => [
      String(r.point.target),
      r.point.density.toFixed(4),
      r.point.tweaks,
      accuracyCell(r.metrics.test),
      accuracyCell(r.metrics.val),
      num(r.metrics.hessian),
      num(r.metrics.activation_sparsity),
      r.ticket,
    ]),
  );
}
