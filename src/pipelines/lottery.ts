// Lottery tickets (SPEC §5): iterative magnitude pruning with rewinding (IMP), one-shot magnitude pruning (OMP)
// and learning-rate rewinding (LTR), as a pipeline of training runs in one directory:
//   <runs>/<name>/lottery.json      the settings and the base config
//   <runs>/<name>/rewind.safetensors the whole model state at the rewind point (epoch k of round 0)
//   <runs>/<name>/round-NN/         each round a run directory (model.safetensors is its ticket)
//   <runs>/<name>/rounds.json, rounds.md  the table of rounds
// Round 0 trains the dense network for epochs 0…E. Round j ≥ 1 prunes the previous round's ticket (its final
// weights; option: its best-validation weights) by global magnitude over the scope to density (1 − r)^j (IMP, LTR;
// OMP: once, to the target density), then IMP restores the rewind point's whole state and trains epochs k…E with
// the LR schedule resumed at k and a fresh optimiser; LTR keeps the previous weights (masked) and rewinds only the
// schedule. Finished rounds are never redone: re-running the pipeline resumes the round in progress from its
// checkpoint, so an interrupted pipeline ends exactly as an uninterrupted one.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Metrics } from '../eval/metrics.js';
import { zerosAt } from '../sparse/distribution.js';
import type { EpochRecord, Hook, StepContext, TrainerView } from '../train/hooks.js';
import { writeFileAtomic } from '../train/rundir.js';
import { checkedJson } from '../util/checked_json.js';
import { UsageError } from '../util/errors.js';
import { accuracyCell, markdownTable } from '../util/markdown.js';
import type { TrainConfig } from '../run/config.js';
import { runProvenance } from '../run/provenance.js';
import type { RunHookContext } from '../run/build.js';
import { runOnce } from '../run/run_once.js';
import type { RunSummary } from '../run/summary.js';
import { prunableNames, pruneTicket } from '../tickets/prune.js';
import {
  cloneTicket,
  keptDensity,
  loadTicket,
  maskNonzeros,
  saveTicket,
  ticketFromModel,
  weightCount,
  type Ticket,
} from '../tickets/ticket.js';

import { LOTTERY_KINDS, type LotteryKind } from '../run/pipeline_config.js';
export { LOTTERY_KINDS, type LotteryKind };

export interface LotterySettings {
  kind: LotteryKind;
  /** IMP/LTR: tickets at density (1 − r)^j, j = 0 … rounds − 1 (round 0 is the dense network). OMP: 2. */
  rounds: number;
  /** r: the fraction of the remaining weights each IMP/LTR round prunes (0.2). */
  rate: number;
  /** OMP: the target density of the one prune. */
  density?: number;
  /** k: the epoch rewound to (0: initialisation, vanilla LTH; Lottery Pools 9, ToST 33 of 182). */
  rewindEpoch: number;
  /** Which weights are pruned: every Conv2d/Linear weight, or the convolutions only (Lottery Pools, ToST). */
  scope: 'all' | 'conv-only';
  /** The round's ticket: its final-epoch weights, or its best-validation checkpoint (the Lottery Pools code). */
  ticket: 'final' | 'best-val';
}

export interface RoundRecord {
  round: number;
  /** Density of the weights in scope, and over every prunable weight. */
  density: number;
  overall_density: number;
  nonzeros: number;
  status: RunSummary['status'];
  test?: Metrics;
  val?: Metrics;
  best_val?: { epoch: number; accuracy: number };
  /** The round's ticket file, relative to the pipeline directory. */
  ticket: string;
  wall_seconds: number;
}

export interface LotterySummary {
  pipeline: string;
  kind: LotteryKind;
  status: 'completed' | 'interrupted';
  rounds: RoundRecord[];
}

/** Kept weights of round j over a scope of n weights: n − round((1 − (1−r)^j)·n), i.e. density (1 − r)^j with
 * SPEC §4's exact counts. */
export function roundKeep(n: number, rate: number, j: number): number {
  return n - zerosAt(n, (1 - rate) ** j);
}

/** Everything checkable before work: one line each (exit 2 at the command line). */
export function checkLottery(c: TrainConfig, s: LotterySettings): void {
  if ((c.sparse?.method ?? 'dense') !== 'dense')
    throw new UsageError(`lottery: the pipeline finds its own masks; drop sparse.method ${c.sparse!.method}`);
  if (c.booster) throw new UsageError('lottery: a booster does not apply to lottery rounds');
  const tweaks = retrainingTweaks(c);
  if (tweaks.length)
    throw new UsageError(
      `lottery: ${tweaks.join(', ')}: retraining tweaks (SPEC §9) apply when a found mask is retrained, never to ` +
        'mask finding; find the tickets plainly, then retrain one (sparsetickets retrain)',
    );
  if (!(s.rate > 0 && s.rate < 1)) throw new UsageError(`lottery: --rate must be in (0, 1), got ${s.rate}`);
  if (!(Number.isInteger(s.rounds) && s.rounds >= 2))
    throw new UsageError(`lottery: --rounds must be an integer ≥ 2 (round 0 is the dense network), got ${s.rounds}`);
  if (!(Number.isInteger(s.rewindEpoch) && s.rewindEpoch >= 0 && s.rewindEpoch < c.epochs))
    throw new UsageError(
      `lottery: --rewind-epoch ${s.rewindEpoch} must be an epoch before the end of training (0 … ${c.epochs - 1})`,
    );
  if (s.kind === 'omp' && !(s.density !== undefined && s.density > 0 && s.density < 1))
    throw new UsageError('lottery: OMP needs --density in (0, 1), the target of its one prune');
  if (s.ticket === 'best-val' && c.valFraction === 0)
    throw new UsageError('lottery: --ticket best-val needs a validation split (--val-fraction > 0)');
}

/** The tweaks of SPEC §9 a config asks for (config keys): what mask finding must not use. */
export function retrainingTweaks(c: TrainConfig): string[] {
  return [
    c.activation && c.activation !== 'relu' ? `activation ${c.activation}` : '',
    c.extraSkips ? 'extraSkips' : '',
    c.gradinit ? 'gradinit' : '',
    c.loss.labelSmoothing > 0 ? 'loss.labelSmoothing' : '',
    c.loss.distill ? 'loss.distill' : '',
  ].filter(Boolean);
}

/** Saves the whole model state when training reaches the rewind point (before the first step of epoch k). */
export class RewindPoint implements Hook {
  readonly name = 'rewind-point';
  constructor(
    private readonly file: string,
    private readonly iteration: number,
    private readonly provenance: () => Ticket['provenance'],
  ) {}

  beforeStep(ctx: StepContext): void {
    if (ctx.iteration !== this.iteration || existsSync(this.file)) return;
    saveTicket(this.file, ticketFromModel(ctx.trainer.model, new Map(), { ...this.provenance(), kind: 'rewind' }));
  }
}

const BEST_VAL_STATE = z.object({ best: z.number() });
type BestValState = z.infer<typeof BEST_VAL_STATE>;

/** Keeps the round's best-validation weights as a ticket (best.safetensors), when the pipeline asks for them. */
class BestValidation implements Hook<BestValState> {
  readonly name = 'best-validation';
  private best = -1;
  constructor(
    private readonly file: string,
    private readonly masks: () => Map<string, ArrayLike<number>>,
    private readonly provenance: () => Ticket['provenance'],
  ) {}

  epochEnd(record: EpochRecord, trainer: TrainerView): void {
    const acc = record.eval.val?.accuracy;
    if (acc === undefined || acc <= this.best) return;
    this.best = acc;
    saveTicket(
      this.file,
      ticketFromModel(trainer.model, this.masks(), {
        ...this.provenance(),
        epoch: record.epoch,
        iteration: record.iteration,
        kind: 'best-val',
        metrics: record.eval,
      }),
    );
  }

  saveState(): BestValState {
    return { best: this.best };
  }

  parseState(json: unknown): BestValState {
    return checkedJson(BEST_VAL_STATE, json, 'the best-validation ticket hook');
  }

  loadState(state: BestValState): void {
    this.best = state.best;
  }
}

const roundName = (j: number) => `round-${String(j).padStart(2, '0')}`;

export interface LotteryOptions {
  name: string;
  runsDir: string;
  /** Continue an existing pipeline (its stored settings); otherwise it must not exist unless overwrite. */
  resume?: boolean;
  quiet?: boolean;
  /** Testing aid: interrupt the pipeline after this many training iterations of this invocation (any round). */
  haltAfter?: number;
  log?: (line: string) => void;
  /** Hooks added to every round's training (a sweep's parent watchdog). */
  hooks?: () => Hook[];
}

export async function runLottery(c: TrainConfig, s: LotterySettings, o: LotteryOptions): Promise<LotterySummary> {
  checkLottery(c, s);
  const dir = join(o.runsDir, o.name);
  openLottery(dir, c, s, o.resume);
  const log = o.log ?? (() => {});
  const rounds = s.kind === 'omp' ? 2 : s.rounds;
  const records: RoundRecord[] = [];
  const end = (status: LotterySummary['status']) => ({ pipeline: dir, kind: s.kind, status, rounds: records });
  const rewindFile = join(dir, 'rewind.safetensors');
  let previous: Ticket | null = null;
  let budget = o.haltAfter;

  for (let j = 0; j < rounds; j++) {
    // --halt-after spent by the rounds this invocation trained: stop before the next one.
    if (budget !== undefined && budget <= 0) return end('interrupted');
    const name = roundName(j);
    const start = j === 0 ? undefined : nextStart(s, j, previous!, rewindFile);
    let steps = 0;
    const counter: Hook = { name: 'step-counter', afterStep: () => void steps++ };
    const summary = await runOnce(roundConfig(c, dir, j), start?.run, {
      quiet: o.quiet,
      haltAfter: budget,
      onBegin: (action) =>
        log(
          `${o.name}: ${name} ${action}${start && action === 'starts' ? ` at density ${start.density.toFixed(4)}` : ''}`,
        ),
      hooks: (ctx) => [...roundHooks(c, s, dir, j, ctx), counter, ...(o.hooks?.() ?? [])],
    });
    if (budget !== undefined) budget -= steps;
    const ticketFile = s.ticket === 'best-val' ? 'best.safetensors' : 'model.safetensors';
    records.push(roundRecord(j, summary, s, join(name, ticketFile), dir));
    writeRounds(dir, s, records);
    if (summary.status !== 'completed') return end('interrupted');
    previous = loadTicket(join(dir, name, ticketFile), { allowDense: true });
  }
  return end('completed');
}

/** The pipeline directory with its lottery.json: a new pipeline's settings, or those a continued one stored. */
function openLottery(dir: string, c: TrainConfig, s: LotterySettings, resume?: boolean): void {
  const settingsFile = join(dir, 'lottery.json');
  if (!resume && existsSync(settingsFile))
    throw new UsageError(
      `lottery: ${dir} already holds a pipeline; pass --resume to continue it or choose another --name`,
    );
  if (resume && !existsSync(settingsFile)) throw new UsageError(`lottery --resume: ${dir} holds no pipeline`);
  mkdirSync(dir, { recursive: true });
  if (!resume) writeFileAtomic(settingsFile, JSON.stringify({ settings: s, config: c }, null, 2) + '\n');
}

/** Round j's run: the recipe in round-NN of the pipeline directory; rounds after the first retrain a fixed mask
 * (the static method, its masks given at the start). */
function roundConfig(c: TrainConfig, dir: string, j: number): TrainConfig {
  return { ...c, name: roundName(j), runsDir: dir, sparse: j === 0 ? undefined : staticSparse(c) };
}

/** Round 0 of IMP and OMP keeps the rewind point; with --ticket best-val every round keeps its best weights. */
function roundHooks(c: TrainConfig, s: LotterySettings, dir: string, j: number, ctx: RunHookContext): Hook[] {
  const provenance = (round: number) => ({
    ...runProvenance(c, ctx.classes, s.kind, join(dir, roundName(round))),
    density: 1,
  });
  const out: Hook[] = [];
  if (j === 0 && s.kind !== 'ltr')
    out.push(new RewindPoint(join(dir, 'rewind.safetensors'), s.rewindEpoch * ctx.itersPerEpoch, () => provenance(0)));
  if (s.ticket === 'best-val')
    out.push(
      new BestValidation(
        join(dir, roundName(j), 'best.safetensors'),
        () => ctx.sparse?.ticketMasks() ?? new Map(),
        () => provenance(j),
      ),
    );
  return out;
}

export function staticSparse(c: TrainConfig): TrainConfig['sparse'] {
  // The placeholder masks of 'static' (uniform, dense) are replaced by the pipeline's before the first step.
  return {
    method: 'static',
    sparsity: 0,
    distribution: 'uniform',
    denseFirst: false,
    denseLast: false,
    denseLayers: [],
    layerDensities: {},
    updateInterval: 100,
    snfsMomentum: c.sparse?.snfsMomentum ?? 0.9,
  };
}

/** The mask of round j from the previous round's ticket, and where its training starts (SPEC §5). */
function nextStart(s: LotterySettings, j: number, previous: Ticket, rewindFile: string) {
  const pruned = pruneTicket(cloneTicket(previous), keepOptions(s, previous, j));
  const density = keptDensity(pruned, prunableNames(pruned, s.scope));
  // IMP and OMP rewind the whole state to the rewind point; LTR keeps the trained weights (masked on load).
  const state = s.kind === 'ltr' ? pruned.state : loadTicket(rewindFile, { allowDense: true }).state;
  return { density, run: { state, masks: pruned.masks, epoch: s.rewindEpoch } };
}

function keepOptions(s: LotterySettings, t: Ticket, j: number) {
  const n = weightCount(t, prunableNames(t, s.scope));
  const keep = s.kind === 'omp' ? n - zerosAt(n, s.density!) : roundKeep(n, s.rate, j);
  return { scope: s.scope, pruning: 'global' as const, keep };
}

function roundRecord(j: number, summary: RunSummary, s: LotterySettings, ticket: string, dir: string): RoundRecord {
  const file = join(dir, ticket);
  let density = 1;
  let overall = 1;
  let nonzeros = 0;
  if (existsSync(file)) {
    const t = loadTicket(file, { allowDense: true });
    const all = prunableNames(t, 'all');
    density = keptDensity(t, prunableNames(t, s.scope));
    overall = keptDensity(t, all);
    nonzeros = t.masks.size ? maskNonzeros(t) : weightCount(t, all);
  }
  return {
    round: j,
    density,
    overall_density: overall,
    nonzeros,
    status: summary.status,
    test: summary.final.test,
    val: summary.final.val,
    best_val: summary.best_val,
    ticket,
    wall_seconds: Math.round(summary.wall_seconds * 10) / 10,
  };
}

function writeRounds(dir: string, s: LotterySettings, records: RoundRecord[]): void {
  writeFileAtomic(join(dir, 'rounds.json'), JSON.stringify(records, null, 2) + '\n');
  const table = markdownTable(
    ['round', 'density (scope)', 'density (all prunable)', 'test acc %', 'val acc %', 'ticket'],
    records.map((r) => [
      String(r.round),
      r.density.toFixed(4),
      r.overall_density.toFixed(4),
      accuracyCell(r.test),
      accuracyCell(r.val),
      r.ticket,
    ]),
  );
  const title = `# ${s.kind.toUpperCase()} rounds (rate ${s.rate}, rewind epoch ${s.rewindEpoch}, scope ${s.scope}, ticket ${s.ticket})`;
  writeFileAtomic(join(dir, 'rounds.md'), `${title}\n\n${table}`);
}
