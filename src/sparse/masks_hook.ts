// The masks hook (docs/ARCHITECTURE.md, after RigL's mask updaters): the mask discipline of every step — gradients
// of pruned weights zeroed before the optimiser step, weights and optimiser state masked after it (SPEC §4) — and,
// where the update schedule says, the method's update by its updater: gradual pruning, then prune-and-grow of every
// layer not kept dense through the one core (layer_update.ts). A booster asks it for pauses and explorations through
// UpdateRequests.
import { z } from 'zod';
import type { Kernels } from '../kernels/kernels.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook, StepContext } from '../train/hooks.js';
import type { DrawPurpose, GrowthCriteria, GrowthCriterion } from './growth.js';
import { keepOnly, pruneAndGrowLayer, type LayerUpdateContext } from './layer_update.js';
import type { MaskedLayer, Masks } from './masks.js';
import type { Growth } from './method.js';
import { kernelTopK } from './topk.js';
import { magnitudeDrop, type MaskUpdater } from './updaters.js';
import type { UpdateSchedule, UpdateTimetable } from './update_schedule.js';

/** What a checkpoint's update records must be. */
export const UPDATE_RECORD = z.object({
  iteration: z.number(),
  exploration: z.boolean().optional(),
  dropFraction: z.number(),
  targetSparsity: z.number().optional(),
  dropped: z.number(),
  grown: z.number(),
  density: z.number(),
});

export interface UpdateRecord {
  iteration: number;
  /** A booster's exploration (Sup-tickets' cycle start, EDST's phase change) rather than a regular update. */
  exploration?: boolean;
  dropFraction: number;
  /** GraNet/GMP: the global sparsity the pruning step aimed at. */
  targetSparsity?: number;
  dropped: number;
  grown: number;
  density: number;
}

/** Criteria of a booster's exploration: the base method's drop and growth ('base'), or magnitude drop and
 * gradient growth whatever the base ('code', what the Sup-tickets and FreeTickets code does). */
export type ExplorationCriteria = 'base' | 'code';

/** What a booster asks of the sparse method's masks (docs/ARCHITECTURE.md: "asks the sparse hook for an exploration or a
 * pause"). Iterations count completed steps (1-based). */
export interface UpdateRequests {
  /** The booster's timetable of pauses and explorations, given once before training. */
  follow(timetable: UpdateTimetable): void;
  /** One prune-and-grow of every layer not kept dense, outside the method's schedule (Sup-tickets' cycle start with
   * rate 0.5, SPEC §6; EDST's with q, §8): k = ceil(rate·nnz_l), magnitude drop, growth by the criteria. Called from
   * the booster's afterStep at an iteration its timetable announced. */
  explore(iteration: number, rate: number, criteria: ExplorationCriteria): UpdateRecord;
  /** The masks of a ticket of the current subnetwork: every masked layer except those kept dense (they stay whole in
   * every ticket operation), as dense 0/1 arrays (new ones for compressed layers). */
  ticketMasks(): Map<string, Float32Array>;
}

/** Milliseconds the last mask update spent by part: the dense gradient of compressed layers (RigL's growth score),
 * choosing what to drop and grow (gradual pruning included), rebuilding compressed patterns. */
export interface UpdateTiming {
  gradient: number;
  selection: number;
  rebuild: number;
}

export interface MasksHookContext {
  masks: Masks;
  kernels: Kernels;
  /** Its per-parameter buffers (e.g. SGD momentum) are masked with the weights, and follow compressed patterns. */
  optimizer: Optimizer;
  schedule: UpdateSchedule;
  /** The method's regular updater (null: no updates) and its growth, which a 'base' exploration inherits. */
  updater: MaskUpdater | null;
  methodGrowth: Growth;
  criteria: GrowthCriteria;
  /** The layers the settings keep dense: never pruned, never updated. */
  keptDense: Set<string>;
  timing: UpdateTiming;
  masksChanged: () => void;
}

export class MasksHook implements Hook, UpdateRequests {
  readonly name = 'masks';
  readonly updates: UpdateRecord[] = [];
  private readonly layers: LayerUpdateContext;

  constructor(private readonly c: MasksHookContext) {
    const { kernels, optimizer, timing } = c;
    this.layers = { kernels, select: kernelTopK(kernels), remap: (n, f) => optimizer.remapState(n, f), timing };
  }

  afterBackward(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    const { masks, schedule } = this.c;
    this.c.updater?.growth?.observe(masks.layers, it, schedule.isUpdate(it));
    if (schedule.explorationAt(it)) this.c.criteria.get('gradient').observe(masks.layers, it, true);
    masks.maskGradients(this.c.kernels);
  }

  afterStep(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    this.maskWeights();
    const u = this.c.updater;
    if (!u || !this.c.schedule.isUpdate(it)) return;
    this.update(it, u);
    this.maskWeights();
  }

  maskWeights(): void {
    this.c.masks.maskWeights(this.c.kernels, (name) => this.c.optimizer.buffers(name));
  }

  private update(it: number, u: MaskUpdater): void {
    const started = this.start();
    const record: UpdateRecord = { iteration: it, dropFraction: 0, dropped: 0, grown: 0, density: 0 };
    const pruning = u.gradual?.step(it);
    if (pruning) {
      for (const { layer, kept } of pruning.keep) keepOnly(layer, kept, this.layers);
      record.targetSparsity = pruning.target;
      this.maskWeights();
    }
    if (u.growth) {
      record.dropFraction = this.c.schedule.dropFraction(it);
      this.pruneAndGrow(record, u.dropScores, u.growth, Math.floor, 'grow');
    }
    this.finish(record, started);
  }

  follow(timetable: UpdateTimetable): void {
    this.c.schedule.follow(timetable);
  }

  explore(iteration: number, rate: number, criteria: ExplorationCriteria): UpdateRecord {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`explore: rate must be in [0, 1], got ${rate}`);
    if (!this.c.schedule.explorationAt(iteration))
      throw new Error(`explore: iteration ${iteration} is not an exploration of the booster's timetable`);
    const started = this.start();
    // Methods without growth (static, SNIP, GMP) have nothing to inherit: they explore by the gradient.
    const kind = criteria === 'base' && this.c.methodGrowth !== 'none' ? this.c.methodGrowth : 'gradient';
    const record: UpdateRecord = { iteration, exploration: true, dropFraction: rate, dropped: 0, grown: 0, density: 0 };
    this.pruneAndGrow(record, magnitudeDrop, this.c.criteria.get(kind), Math.ceil, 'explore');
    this.maskWeights();
    this.finish(record, started);
    return record;
  }

  ticketMasks(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const l of this.c.masks.layers) if (!this.c.keptDense.has(l.name)) out.set(l.name, this.c.masks.denseMask(l));
    return out;
  }

  /** Replaces the masks with given ones (a lottery ticket's: IMP/OMP rounds retrain a fixed mask, SPEC §5) before
   * training starts; a masked layer without an entry becomes dense. Weights and optimiser state are masked. */
  useMasks(masks: Map<string, ArrayLike<number>>): void {
    for (const name of masks.keys())
      if (!this.c.masks.get(name)) throw new Error(`mask '${name}' names no prunable weight of the model`);
    for (const l of this.c.masks.layers) {
      if (!l.mask) throw new Error(`useMasks: '${l.name}' is already compressed; give masks before training`);
      const m = masks.get(l.name);
      if (m && m.length !== l.mask.length)
        throw new Error(`mask '${l.name}' has ${m.length} entries, the weight ${l.mask.length}`);
      for (let i = 0; i < l.mask.length; i++) l.mask[i] = m ? (m[i] ? 1 : 0) : 1;
    }
    this.maskWeights();
    this.c.masksChanged();
  }

  /** Prune-and-grow of every layer not kept dense with k = round(record.dropFraction·nnz_l), counted in the record. */
  private pruneAndGrow(
    record: UpdateRecord,
    dropScores: (l: MaskedLayer) => Float32Array,
    growth: GrowthCriterion,
    round: (x: number) => number,
    purpose: DrawPurpose,
  ): void {
    for (const l of this.c.masks.layers) {
      if (this.c.keptDense.has(l.name)) continue;
      const grow = growth.growScores(l, record.iteration, purpose);
      const moved = pruneAndGrowLayer(l, record.dropFraction, round, dropScores(l), grow, this.layers);
      record.dropped += moved;
      record.grown += moved;
    }
  }

  private start(): number {
    this.c.timing.gradient = 0;
    this.c.timing.rebuild = 0;
    return performance.now();
  }

  private finish(record: UpdateRecord, started: number): void {
    record.density = this.c.masks.densities().overall;
    this.updates.push(record);
    const t = this.c.timing;
    t.selection = performance.now() - started - t.gradient - t.rebuild;
    this.c.masksChanged();
  }
}
