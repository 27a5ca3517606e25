// What every ticket pipeline run as one run of a sweep shares (pools_pipeline.ts, spending_pipeline.ts): the
// pipeline directory with its config.json, the lottery rounds it starts with (resumed where an earlier invocation
// stopped), steps cached as files written atomically, and summary.json with one row per table entry — the rows
// `report` tabulates (a row's point joins the run's config, its metrics stand where a run's final metrics do).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../eval/metrics.js';
import type { TrainConfig } from '../run/config.js';
import type { LotterySettingsConfig, PipelineConfig } from '../run/pipeline_config.js';
import type { Hook } from '../train/hooks.js';
import { writeFileAtomic } from '../train/rundir.js';
import { readJson } from '../util/json.js';
import { checkLottery, runLottery, type LotterySummary, type RoundRecord } from './lottery.js';

/** One entry of a pipeline's table: where it stands (e.g. target, density, method or tweaks) and its metrics. */
export interface PipelineRow {
  point: Record<string, string | number>;
  metrics: {
    test: Metrics;
    val?: Metrics;
    /** Mean over corruption types and severities. */
    corruption?: Metrics;
    /** Top Hessian eigenvalue of the training loss and the fraction of near-zero activations (SPEC §10). */
    hessian?: number;
    activation_sparsity?: number;
    /** OOD detection ROC-AUC by maximum softmax probability, per OOD set. */
    ood?: Record<string, number>;
    fgsm?: Metrics;
  };
  /** Lottery Pools: the search's cost per candidate. */
  seconds_per_candidate?: number;
  /** What the row's result was made of (tickets, runs). */
  ingredients?: (number | string)[];
  /** Training FLOPs × one dense run (an ensemble's). */
  training_flops?: number;
  /** Parameters kept (over an ensemble's members). */
  parameters?: number;
}

export interface PipelineSummary<Row extends PipelineRow = PipelineRow> {
  status: 'completed' | 'interrupted';
  /** The pipeline's kind, or 'ensemble' for a sweep's ensembles stage. */
  kind: PipelineConfig['kind'] | 'ensemble';
  wall_seconds: number;
  rounds: RoundRecord[];
  rows: Row[];
}

export interface PipelineOptions {
  log?: (line: string) => void;
  quiet?: boolean;
  /** Hooks added to every training run (a sweep's parent watchdog). */
  hooks?: () => Hook[];
  /** Testing aid: interrupt the lottery after this many training iterations. */
  haltAfter?: number;
}

/** One step's result, computed once: read from `file` when an earlier invocation wrote it. */
export function cached<T>(file: string, compute: () => T): T {
  const done = readJson<T>(file);
  if (done !== undefined) return done;
  const value = compute();
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
  return value;
}

/** The val and test metrics of a split → metrics record. */
export function pick(m: Record<string, Metrics>): { test: Metrics; val?: Metrics } {
  return { test: m.test, ...(m.val ? { val: m.val } : {}) };
}

export interface PipelineStage<Row extends PipelineRow> {
  dir: string;
  name: string;
  lottery: LotterySummary;
  /** Writes summary.json with these rows and returns it. */
  finish(rows: Row[], status: PipelineSummary['status']): PipelineSummary<Row>;
}

/** The pipeline's directory <runsDir>/<name>, created with its config.json the first time. */
export function openPipelineDir(c: TrainConfig): { dir: string; name: string } {
  const name = c.name ?? `${c.model}-${c.dataset}-${c.pipeline!.kind}-s${c.seed}`;
  const dir = join(c.runsDir, name);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'config.json')))
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(c, null, 2) + '\n');
  return { dir, name };
}

/** Writes the pipeline's summary.json (its time counted from `started`, a performance.now()) and returns it. */
export function writePipelineSummary<Row extends PipelineRow>(
  dir: string,
  p: Omit<PipelineSummary<Row>, 'wall_seconds'> & { started: number },
): PipelineSummary<Row> {
  const { status, kind, started, rounds, rows } = p;
  const s = { status, kind, wall_seconds: (performance.now() - started) / 1000, rounds, rows };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
  return s;
}

/** Opens the pipeline directory (config.json the first time) and runs or resumes its lottery rounds; an
 * interrupted lottery has already written the interrupted summary. */
export async function lotteryStage<Row extends PipelineRow>(
  c: TrainConfig,
  lotterySettings: LotterySettingsConfig,
  o: PipelineOptions,
): Promise<PipelineStage<Row>> {
  const started = performance.now();
  const { pipeline: _, ...recipe } = c;
  checkLottery(recipe, lotterySettings);
  const kind = c.pipeline!.kind;
  const { dir, name } = openPipelineDir(c);
  const lottery = await runLottery(
    recipe,
    { ...lotterySettings },
    {
      name,
      runsDir: c.runsDir,
      resume: existsSync(join(dir, 'lottery.json')),
      quiet: o.quiet,
      log: o.log,
      hooks: o.hooks,
      haltAfter: o.haltAfter,
    },
  );
  const finish = (rows: Row[], status: PipelineSummary['status']): PipelineSummary<Row> =>
    writePipelineSummary(dir, { status, kind, started, rounds: lottery.rounds, rows });
  if (lottery.status !== 'completed') finish([], 'interrupted');
  return { dir, name, lottery, finish };
}
