// A booster composed onto a run (docs/ARCHITECTURE.md: "a booster is a schedule plus a ticket collector that asks the
// sparse hook for an exploration or a pause"). Each kind gives a plan, checked before any work: the epochs the
// sparse method's own schedules span, the run's LR schedule, and the hook, built with what it needs from the run
// (tickets directory, an evaluator with a scratch model).
import { join } from 'node:path';
import type { BatchLoader } from '../data/loader.js';
import type { Kernels } from '../kernels/kernels.js';
import { architectureOf, createModel } from '../models/index.js';
import type { Schedule } from '../optim/schedules.js';
import { growthOf, type Method } from '../sparse/method.js';
import type { SparseTraining } from '../sparse/training.js';
import type { Hook } from '../train/hooks.js';
import { Edst } from '../tickets/edst.js';
import { TicketEvaluator } from '../tickets/evaluate.js';
import { SupTickets, supTicketsBudget } from '../tickets/suptickets.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { runProvenance } from './provenance.js';
import { edstSchedule, supTicketsSchedule } from './schedule.js';

export interface BoosterContext {
  sparse: SparseTraining;
  kernels: Kernels;
  itersPerEpoch: number;
  classes: number;
  inputShape: [number, number, number];
  runPath: string;
  evalSets: Record<string, BatchLoader>;
  /** Training data as the run sees it (BU's cumulative pass). */
  bnData: BatchLoader;
  log: (line: string) => void;
}

export interface BoosterPlan {
  kind: 'suptickets' | 'edst';
  /** The epochs the sparse method's schedules span (update end, drop-fraction decay, pruning window). */
  sparseEpochs: number;
  schedule(itersPerEpoch: number): Schedule;
  hook(ctx: BoosterContext): Hook;
}

/** The booster of the config, or null; every impossible setting is a usage error naming it. */
export function planBooster(c: TrainConfig): BoosterPlan | null {
  const b = c.booster;
  if (!b) return null;
  const method = c.sparse?.method ?? 'dense';
  if (method === 'dense')
    throw new UsageError(
      `booster ${b.kind} needs a sparse method (--method ${b.kind === 'edst' ? 'set|rigl|granet' : 'static|snip|set|rigl|granet|gmp'}): method dense has no tickets`,
    );
  if (c.schedule.kind === 'cyclic')
    throw new UsageError(`booster ${b.kind} brings its own LR schedule; drop --schedule cyclic`);
  return b.kind === 'suptickets' ? supTicketsPlan(c, b) : edstPlan(c, b, method);
}

type SupTicketsConfig = Extract<NonNullable<TrainConfig['booster']>, { kind: 'suptickets' }>;
type EdstConfig = Extract<NonNullable<TrainConfig['booster']>, { kind: 'edst' }>;

function supTicketsPlan(c: TrainConfig, b: SupTicketsConfig): BoosterPlan {
  const budget = supTicketsBudget(c.epochs, b.cycleRate, c.schedule.cycleEpochs);
  if (budget.tickets === 0)
    throw new UsageError(
      `booster suptickets: ${c.epochs} epochs × cycle rate ${b.cycleRate} = ${+(c.epochs * b.cycleRate).toFixed(4)} ` +
        `epochs is less than one cycle of ${c.schedule.cycleEpochs}: no tickets (need at least ` +
        `${Math.ceil(c.schedule.cycleEpochs / b.cycleRate)} epochs, or a shorter --cycle-epochs / larger --cycle-rate)`,
    );
  if (budget.normalEpochs < 1)
    throw new UsageError(`booster suptickets: the cyclic phase takes all ${c.epochs} epochs; lower --cycle-rate`);
  return {
    kind: 'suptickets',
    // The base method trains the normal phase unchanged (SPEC §6).
    sparseEpochs: budget.normalEpochs,
    schedule: (ipe) => supTicketsSchedule(c, ipe, budget.normalEpochs),
    hook: (ctx) =>
      new SupTickets(
        {
          cycleEpochs: c.schedule.cycleEpochs,
          cycleRate: b.cycleRate,
          superpose: b.superpose,
          cimaBeta: b.cimaBeta,
          bn: b.bn,
          exploreRate: b.exploreRate,
          exploreCriteria: b.exploreCriteria,
          cyclicUpdates: b.cyclicUpdates,
          includeEndpoint: b.includeEndpoint,
        },
        { ...common(c, ctx, 'suptickets'), epochs: c.epochs },
      ),
  };
}

function edstPlan(c: TrainConfig, b: EdstConfig, method: Method): BoosterPlan {
  if (growthOf(method) === 'none')
    throw new UsageError(
      `booster edst needs a dynamic sparse method (set, rigl, snfs or granet): ${method} has no prune-and-grow updates`,
    );
  const rest = c.epochs - b.exploreEpochs;
  const refineEpochs = b.refineEpochs ?? rest / b.members;
  if (
    !(rest > 0) ||
    !Number.isInteger(refineEpochs) ||
    refineEpochs < 1 ||
    b.exploreEpochs + b.members * refineEpochs !== c.epochs
  )
    throw new UsageError(
      `booster edst: ${c.epochs} epochs must be --explore-epochs (${b.exploreEpochs}) + --members (${b.members}) × ` +
        `--refine-epochs (${b.refineEpochs ?? `${rest}/${b.members}`}): ${rest} epochs are left after exploration, ` +
        `${b.refineEpochs === undefined ? `which do not split into ${b.members} whole phases` : `not ${b.members * b.refineEpochs}`}; e.g. 450 = 150 + 3 × 100`,
    );
  return {
    kind: 'edst',
    // DST updates continue through every phase (SPEC §8).
    sparseEpochs: c.epochs,
    schedule: (ipe) => edstSchedule(c.optimizer.lr, ipe, b.exploreEpochs, refineEpochs),
    hook: (ctx) =>
      new Edst(
        { exploreEpochs: b.exploreEpochs, members: b.members, refineEpochs, q: b.q, ticket: b.ticket },
        common(c, ctx, 'edst'),
      ),
  };
}

/** What every booster hook gets from the run: its tickets directory, provenance and an evaluator. */
function common(c: TrainConfig, ctx: BoosterContext, kind: string) {
  const scratch = createModel(c.model, {
    width: c.width,
    numClasses: ctx.classes,
    inputShape: ctx.inputShape,
    seed: c.seed,
    ...architectureOf(c),
  }).useKernels(ctx.kernels);
  const provenance = runProvenance(c, ctx.classes, `${ctx.sparse.s.method}+${kind}`, ctx.runPath);
  return {
    updates: ctx.sparse.requests,
    itersPerEpoch: ctx.itersPerEpoch,
    ticketsDir: join(ctx.runPath, 'tickets'),
    provenance,
    evaluator: new TicketEvaluator({
      model: scratch,
      kernels: ctx.kernels,
      evalSets: ctx.evalSets,
      bnData: ctx.bnData,
    }),
    log: ctx.log,
  };
}
