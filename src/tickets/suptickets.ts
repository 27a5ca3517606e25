// Sup-tickets (Yin et al. 2022; papers/suptickets.txt Algorithm 1, SPEC §6) as a booster over a sparse method:
// the base method trains the normal phase unchanged; the last cycle_rate of the epochs is a cyclic phase of M
// cycles of C epochs with the triangle LR (optim/schedules.ts cyclicTriangle). At every cycle start the sparse
// hook explores once with the large rate p (k = ceil(p·nnz) per layer), the regular updates are paused (option:
// on), at every cycle end the current subnetwork is a cheap ticket θᵗ, superposed into θ̃ᵗ (CIA/CAA/CIMA, one
// extra copy of the weights) and magnitude-pruned globally back to the budget; training goes on from the
// un-averaged network. The last θ̃ is the ultimate ticket (BatchNorm: AV, or BU recomputed over training data).
import { join } from 'node:path';
import { z } from 'zod';
import type { Metrics } from '../eval/metrics.js';
import type { ExplorationCriteria, UpdateRequests, UpdateTimetable } from '../sparse/training.js';
import type { Hook, StepContext, TrainerView } from '../train/hooks.js';
import { checkedJson } from '../util/checked_json.js';
import type { TensorMap } from '../util/safetensors.js';
import { Superposition, type SuperposeKind } from './superpose.js';
import type { TicketEvaluator } from './evaluate.js';
import { loadTicket, maskNonzeros, saveTicket, ticketFromModel, type Provenance } from './ticket.js';

export interface SupTicketsSettings {
  /** C: epochs per cycle (CIFAR 8, ImageNet 2). */
  cycleEpochs: number;
  /** Fraction of the epochs given to the cyclic phase (0.1). */
  cycleRate: number;
  superpose: SuperposeKind;
  cimaBeta: number;
  bn: 'av' | 'bu';
  /** p: rate of the cycle-start exploration (0.5). */
  exploreRate: number;
  exploreCriteria: ExplorationCriteria;
  /** The base method's regular ΔT updates during the cyclic phase (the authors' commands: off). */
  cyclicUpdates: boolean;
  /** Also superpose the normal phase's end point (the authors' code does; the paper averages the M tickets). */
  includeEndpoint: boolean;
}

export interface SupTicketsBudget {
  normalEpochs: number;
  cyclicEpochs: number;
  /** M: the number of cheap tickets. */
  tickets: number;
}

/** cyclic = floor(epochs·cycle_rate / C)·C, normal = epochs − cyclic, M = cyclic / C (SPEC §6: 250 epochs →
 * 226 + 24, M 3). */
export function supTicketsBudget(epochs: number, cycleRate: number, cycleEpochs: number): SupTicketsBudget {
  // The small epsilon keeps floor(250·0.1/8) from losing a cycle to 25.000000000000004-style rounding.
  const cycles = Math.floor((epochs * cycleRate) / cycleEpochs + 1e-9);
  const cyclicEpochs = cycles * cycleEpochs;
  return { normalEpochs: epochs - cyclicEpochs, cyclicEpochs, tickets: cycles };
}

export interface SupTicketsContext {
  /** The sparse hook's masks: the booster's pauses and explorations, its tickets' masks. */
  updates: UpdateRequests;
  itersPerEpoch: number;
  epochs: number;
  /** Where the cheap and ultimate tickets are written (runs/<name>/tickets). */
  ticketsDir: string;
  /** Provenance shared by the run's tickets (model, width, classes, dataset, seed, method, source). */
  provenance: Omit<Provenance, 'density'>;
  /** Evaluates tickets (a scratch model), refreshes BatchNorm for BU. */
  evaluator: TicketEvaluator;
  log?: (line: string) => void;
}

export interface SupTicketsReport {
  normal_epochs: number;
  cyclic_epochs: number;
  cycle_epochs: number;
  tickets: number;
  superpose: SuperposeKind;
  bn: 'av' | 'bu';
  /** Nonzeros of the masked weights: the budget every superposition is pruned back to, and the ultimate's. */
  budget: number;
  ultimate_nnz: number;
  /** The ultimate ticket, the last un-averaged network, and the prediction ensemble of the cheap tickets. */
  ultimate: Record<string, Metrics>;
  last: Record<string, Metrics>;
  ensemble: Record<string, Metrics>;
}

const PROVENANCE_FIELDS = z.object({
  model: z.string(),
  width: z.number(),
  classes: z.number(),
  method: z.string(),
  density: z.number(),
});

/** The checkpoint state: tickets superposed so far, their names, the budget and the superposition's provenance (its
 * tensors are checkpoint tensors 'suptickets.*'). */
const SUP_TICKETS_STATE = z
  .object({
    count: z.number().int().nonnegative(),
    collected: z.array(z.string()),
    nnzBudget: z.number(),
    provenance: z.custom<Provenance>((v) => PROVENANCE_FIELDS.safeParse(v).success).nullable(),
  })
  .refine((st) => st.count === 0 || st.provenance !== null, 'a superposition without its provenance');

type SupTicketsState = z.infer<typeof SUP_TICKETS_STATE>;

export class SupTickets implements Hook<SupTicketsState>, UpdateTimetable {
  readonly name = 'suptickets';
  readonly budget: SupTicketsBudget;
  private readonly normalIters: number;
  private readonly cycleIters: number;
  private readonly superposition: Superposition;
  /** Names of the tickets collected so far, files in tickets/ ('endpoint' is the normal phase's end point, when
   * included; then 'cheap-1' …). */
  private collected: string[] = [];
  private nnzBudget = 0;
  private reportData?: SupTicketsReport;

  constructor(
    readonly s: SupTicketsSettings,
    private readonly c: SupTicketsContext,
  ) {
    this.budget = supTicketsBudget(c.epochs, s.cycleRate, s.cycleEpochs);
    this.normalIters = this.budget.normalEpochs * c.itersPerEpoch;
    this.cycleIters = s.cycleEpochs * c.itersPerEpoch;
    this.superposition = new Superposition({ kind: s.superpose, beta: s.cimaBeta });
    c.updates.follow(this);
  }

  /** j ≥ 0 when `iteration` (completed steps) ends the normal phase (j = 0) or cycle j; otherwise −1. */
  private boundary(iteration: number): number {
    const since = iteration - this.normalIters;
    if (since < 0 || since % this.cycleIters !== 0) return -1;
    const j = since / this.cycleIters;
    return j <= this.budget.tickets ? j : -1;
  }

  regularUpdates(iteration: number): boolean {
    return this.s.cyclicUpdates || iteration <= this.normalIters;
  }

  explorationAt(iteration: number): boolean {
    const j = this.boundary(iteration);
    return j >= 0 && j < this.budget.tickets;
  }

  afterStep(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    const j = this.boundary(it);
    if (j < 0) return;
    if (j > 0 || this.s.includeEndpoint) this.collect(j, ctx);
    if (j < this.budget.tickets) {
      const r = this.c.updates.explore(it, this.s.exploreRate, this.s.exploreCriteria);
      this.c.log?.(`suptickets: cycle ${j + 1}/${this.budget.tickets} starts: explored ${r.dropped} connections`);
    }
  }

  /** The current subnetwork becomes cheap ticket j: written to tickets/, superposed, and the superposition
   * pruned back to the budget (its masked weights' nonzeros). */
  private collect(j: number, ctx: StepContext): void {
    const name = j === 0 ? 'endpoint' : `cheap-${j}`;
    const ticket = ticketFromModel(ctx.trainer.model, this.c.updates.ticketMasks(), {
      ...this.c.provenance,
      epoch: ctx.epoch + 1,
      iteration: ctx.iteration + 1,
      kind: name,
    });
    saveTicket(this.file(name), ticket);
    this.collected.push(name);
    this.nnzBudget = maskNonzeros(ticket);
    this.superposition.add(ticket);
    this.superposition.prune({ scope: 'masked', pruning: 'global', keep: this.nnzBudget });
    this.c.log?.(`suptickets: ${name} collected and superposed (${this.superposition.count} so far)`);
  }

  /** The ultimate ticket (BN refreshed for BU), its metrics, the last network's and the cheap tickets'
   * prediction ensemble; the ultimate is written to tickets/ultimate.safetensors. */
  runEnd(trainer: TrainerView): void {
    const ev = this.c.evaluator;
    const ultimate = this.superposition.current;
    if (!ultimate) throw new Error('suptickets: the run ended without a ticket');
    if (this.s.bn === 'bu') ev.refreshBn(ultimate);
    const cheap = this.collected.filter((n) => n !== 'endpoint');
    ultimate.provenance = {
      ...this.c.provenance,
      density: ultimate.provenance.density,
      epoch: this.c.epochs,
      iteration: trainer.position.iteration,
      kind: 'ultimate',
      ingredients: this.collected,
      operation: `${this.s.superpose} superposition, global magnitude prune to ${this.nnzBudget} after each, BN ${this.s.bn}`,
    };
    const ultimateMetrics = ev.evaluate(ultimate);
    ultimate.provenance.metrics = ultimateMetrics;
    saveTicket(join(this.c.ticketsDir, 'ultimate.safetensors'), ultimate);
    const last = ticketFromModel(trainer.model, this.c.updates.ticketMasks(), this.c.provenance);
    this.reportData = {
      normal_epochs: this.budget.normalEpochs,
      cyclic_epochs: this.budget.cyclicEpochs,
      cycle_epochs: this.s.cycleEpochs,
      tickets: cheap.length,
      superpose: this.s.superpose,
      bn: this.s.bn,
      budget: this.nnzBudget,
      ultimate_nnz: maskNonzeros(ultimate),
      ultimate: ultimateMetrics,
      last: ev.evaluate(last),
      ensemble: ev.ensemble(cheap.length, (i) => loadTicket(this.file(cheap[i]))),
    };
  }

  private file(name: string): string {
    return join(this.c.ticketsDir, `${name}.safetensors`);
  }

  report(): SupTicketsReport | undefined {
    return this.reportData;
  }

  // --- checkpoint state: the running superposition and the tickets collected so far ---
  stateTensors(): TensorMap {
    return this.superposition.stateTensors('suptickets.');
  }

  loadStateTensors(t: TensorMap): void {
    this.pendingTensors = t;
  }

  private pendingTensors?: TensorMap;

  saveState(): SupTicketsState {
    return {
      count: this.superposition.count,
      collected: this.collected,
      nnzBudget: this.nnzBudget,
      provenance: this.superposition.current?.provenance ?? null,
    };
  }

  parseState(json: unknown): SupTicketsState {
    return checkedJson(SUP_TICKETS_STATE, json, 'suptickets hook state');
  }

  loadState(st: SupTicketsState): void {
    this.collected = st.collected;
    this.nnzBudget = st.nnzBudget;
    if (st.count > 0 && st.provenance)
      this.superposition.loadStateTensors('suptickets.', this.pendingTensors ?? new Map(), st.count, st.provenance);
    this.pendingTensors = undefined;
  }
}
