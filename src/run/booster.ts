// A booster composed onto a run (DESIGN.md: "a booster is a schedule plus a ticket collector that asks the
// sparse hook for an exploration or a pause"): its budget is checked before any work, the sparse method is given
// the normal phase, and the hook is built with what it needs from the run (tickets directory, an evaluator).
import { join } from 'node:path';
import type { BatchLoader } from '../data/loader.js';
import type { Kernels } from '../kernels/kernels.js';
import { createModel } from '../models/index.js';
import type { SparseTraining } from '../sparse/training.js';
import { TicketEvaluator } from '../tickets/evaluate.js';
import { SupTickets, supTicketsBudget, type SupTicketsBudget } from '../tickets/suptickets.js';
import type { Provenance } from '../tickets/ticket.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';

/** The Sup-tickets budget of the config, or null without a booster; every impossible setting is a usage error. */
export function planBooster(c: TrainConfig): SupTicketsBudget | null {
  const b = c.booster;
  if (!b) return null;
  const method = c.sparse?.method ?? 'dense';
  if (method === 'dense')
    throw new UsageError(
      'booster suptickets needs a sparse method (--method static|snip|set|rigl|granet|gmp): method dense has no tickets',
    );
  if (c.schedule.kind === 'cyclic')
    throw new UsageError(
      "booster suptickets brings its own cyclic phase; --schedule is the normal phase's (multistep, cosine or constant)",
    );
  const budget = supTicketsBudget(c.epochs, b.cycleRate, c.schedule.cycleEpochs);
  if (budget.tickets === 0)
    throw new UsageError(
      `booster suptickets: ${c.epochs} epochs × cycle rate ${b.cycleRate} = ${+(c.epochs * b.cycleRate).toFixed(4)} ` +
        `epochs is less than one cycle of ${c.schedule.cycleEpochs}: no tickets (need at least ` +
        `${Math.ceil(c.schedule.cycleEpochs / b.cycleRate)} epochs, or a shorter --cycle-epochs / larger --cycle-rate)`,
    );
  if (budget.normalEpochs < 1)
    throw new UsageError(`booster suptickets: the cyclic phase takes all ${c.epochs} epochs; lower --cycle-rate`);
  return budget;
}

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

export function makeSupTickets(c: TrainConfig, ctx: BoosterContext): SupTickets {
  const b = c.booster!;
  const scratch = createModel(c.model, {
    width: c.width,
    numClasses: ctx.classes,
    inputShape: ctx.inputShape,
    seed: c.seed,
  }).useKernels(ctx.kernels);
  const provenance: Omit<Provenance, 'density'> = {
    model: c.model,
    width: c.width,
    classes: ctx.classes,
    dataset: c.dataset,
    dataDir: c.dataDir,
    valFraction: c.valFraction,
    method: `${ctx.sparse.s.method}+suptickets`,
    seed: c.seed,
    source: ctx.runPath,
  };
  return new SupTickets(
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
    {
      sparse: ctx.sparse,
      itersPerEpoch: ctx.itersPerEpoch,
      epochs: c.epochs,
      ticketsDir: join(ctx.runPath, 'tickets'),
      provenance,
      evaluator: new TicketEvaluator({
        model: scratch,
        kernels: ctx.kernels,
        evalSets: ctx.evalSets,
        bnData: ctx.bnData,
      }),
      log: ctx.log,
    },
  );
}
