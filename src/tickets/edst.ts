// EDST Ensemble (FreeTickets, Liu et al. 2022; papers/freetickets.txt Algorithm 1, SPEC §8) as a booster over a
// dynamic sparse method: one exploration phase of t_ex epochs at the large LR, then M refinement phases of t_re
// epochs each (LR ÷10 for the first half, ÷100 for the second), the method's DST updates running throughout. At
// the end of refinement phase m the subnetwork is free ticket m; then the sparse hook explores once with the large
// rate q (k = ceil(q·nnz) per layer, magnitude drop, gradient growth), which sends the model to another basin.
// That exploration runs after the first step of the next phase — growth needs a step's dense gradient, and the
// phase's last epoch is evaluated (and, for best-validation tickets, kept) before it. The M tickets are the
// ensemble; the run's training FLOPs are the ensemble's.
import { join } from 'node:path';
import { z } from 'zod';
import type { Metrics } from '../eval/metrics.js';
import type { UpdateRequests, UpdateTimetable } from '../sparse/training.js';
import type { EpochRecord, Hook, StepContext, TrainerView } from '../train/hooks.js';
import { checkedJson } from '../util/checked_json.js';
import type { TicketEvaluator } from './evaluate.js';
import { loadTicket, saveTicket, ticketFromModel, type Provenance } from './ticket.js';

export interface EdstSettings {
  /** t_ex: epochs of the exploration phase (CIFAR 150). */
  exploreEpochs: number;
  /** M: free tickets, one per refinement phase. */
  members: number;
  /** t_re: epochs of each refinement phase (CIFAR 100). */
  refineEpochs: number;
  /** q: rate of the exploration between refinement phases (0.8). */
  q: number;
  /** A phase's ticket: its final weights, or its best-validation weights (the authors' code). */
  ticket: 'final' | 'best-val';
}

export interface EdstContext {
  /** The sparse hook's masks: the booster's explorations, its tickets' masks. */
  updates: UpdateRequests;
  itersPerEpoch: number;
  ticketsDir: string;
  provenance: Omit<Provenance, 'density'>;
  evaluator: TicketEvaluator;
  log?: (line: string) => void;
}

export interface EdstReport {
  explore_epochs: number;
  refine_epochs: number;
  members: number;
  q: number;
  ticket: 'final' | 'best-val';
  /** Each free ticket's metrics, and the ensemble's (mean of softmaxes), per split. */
  member_metrics: Record<string, Metrics>[];
  ensemble: Record<string, Metrics>;
}

/** The checkpoint state: the refinement phase whose best-validation ticket is watched, and its best accuracy. */
const EDST_STATE = z.object({ phase: z.number(), phaseBest: z.number() });

type EdstState = z.infer<typeof EDST_STATE>;

export class Edst implements Hook<EdstState>, UpdateTimetable {
  readonly name = 'edst';
  private readonly exploreIters: number;
  private readonly refineIters: number;
  /** Best-validation tickets: the refinement phase being watched and its best validation accuracy so far. */
  private phase = 0;
  private phaseBest = -1;
  private reportData?: EdstReport;

  constructor(
    readonly s: EdstSettings,
    private readonly c: EdstContext,
  ) {
    this.exploreIters = s.exploreEpochs * c.itersPerEpoch;
    this.refineIters = s.refineEpochs * c.itersPerEpoch;
    c.updates.follow(this);
  }

  /** m ≥ 1 when `iteration` (completed steps) ends refinement phase m; otherwise 0. */
  private phaseEnd(iteration: number): number {
    const since = iteration - this.exploreIters;
    if (since <= 0 || since % this.refineIters !== 0) return 0;
    const m = since / this.refineIters;
    return m <= this.s.members ? m : 0;
  }

  regularUpdates(): boolean {
    return true;
  }

  /** The q-exploration after phase m < M: after the first step of phase m + 1. */
  explorationAt(iteration: number): boolean {
    const m = this.phaseEnd(iteration - 1);
    return m >= 1 && m < this.s.members;
  }

  afterStep(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    const m = this.phaseEnd(it);
    if (m > 0 && this.s.ticket === 'final') this.save(m, ctx.trainer, ctx.epoch + 1, it);
    if (this.explorationAt(it)) {
      const r = this.c.updates.explore(it, this.s.q, 'code');
      this.c.log?.(
        `edst: refinement phase ${this.phaseEnd(it - 1) + 1} explored ${r.dropped} connections (q ${this.s.q})`,
      );
    }
  }

  /** Best-validation tickets: within refinement phase m, the epoch with the best validation accuracy. */
  epochEnd(record: EpochRecord, trainer: TrainerView): void {
    if (this.s.ticket !== 'best-val' || record.epoch <= this.s.exploreEpochs) return;
    const phase = Math.ceil((record.epoch - this.s.exploreEpochs) / this.s.refineEpochs);
    if (phase > this.s.members) return;
    if (phase !== this.phase) {
      this.phase = phase;
      this.phaseBest = -1;
    }
    const acc = record.eval.val?.accuracy ?? 0;
    if (acc <= this.phaseBest) return;
    this.phaseBest = acc;
    this.save(phase, trainer, record.epoch, record.iteration, record.eval);
  }

  private save(m: number, trainer: TrainerView, epoch: number, iteration: number, metrics?: Record<string, Metrics>) {
    const t = ticketFromModel(trainer.model, this.c.updates.ticketMasks(), {
      ...this.c.provenance,
      epoch,
      iteration,
      kind: `member-${m}`,
      metrics,
    });
    saveTicket(this.file(m), t);
  }

  private file(m: number): string {
    return join(this.c.ticketsDir, `member-${m}.safetensors`);
  }

  runEnd(): void {
    const ev = this.c.evaluator;
    const members = Array.from({ length: this.s.members }, (_, i) => loadTicket(this.file(i + 1)));
    this.reportData = {
      explore_epochs: this.s.exploreEpochs,
      refine_epochs: this.s.refineEpochs,
      members: this.s.members,
      q: this.s.q,
      ticket: this.s.ticket,
      member_metrics: members.map((t) => ev.evaluate(t)),
      ensemble: ev.ensemble(members.length, (i) => members[i]),
    };
  }

  report(): EdstReport | undefined {
    return this.reportData;
  }

  saveState(): EdstState {
    return { phase: this.phase, phaseBest: this.phaseBest };
  }

  parseState(json: unknown): EdstState {
    return checkedJson(EDST_STATE, json, 'edst hook state');
  }

  loadState(st: EdstState): void {
    this.phase = st.phase;
    this.phaseBest = st.phaseBest;
  }
}
