// The growth criteria of prune-and-grow (SPEC §4): uniform random (SET), |dense gradient| of the current batch (RigL,
// GraNet), |momentum of the dense gradient| (SNFS). A criterion gives a layer's grow scores as one ScoreSource
// whatever the layer's storage — a masked layer's in one block, a compressed layer's dense gradient streamed a block
// of rows at a time — so the prune-and-grow core (layer_update.ts) takes one path for both.
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import { Rng } from '../util/rng.js';
import type { TensorMap } from '../util/safetensors.js';
import { sparseOwner } from './execution.js';
import type { MaskedLayer } from './masks.js';
import type { Growth } from './method.js';
import { magnitude } from './prune_grow.js';
import { gradientMagnitudes, uniformScores, wholeScores, type ScoreSource } from './scores.js';

/** What a random growth draws for: a regular update or an exploration, so that the two never share draws when they
 * fall on one iteration (the key of Rng.derive, with the layer and the iteration). */
export type DrawPurpose = 'grow' | 'explore';

export interface GrowthCriterion {
  /** After the backward pass, before the gradients are masked: keeps what growScores needs of this step's dense
   * gradient. `due`: an update or an exploration follows this step. */
  observe(layers: readonly MaskedLayer[], iteration: number, due: boolean): void;
  /** The grow scores of every position of the layer at an update of `iteration`. */
  growScores(l: MaskedLayer, iteration: number, purpose: DrawPurpose): ScoreSource;
  stateTensors?(): TensorMap;
  loadStateTensors?(t: TensorMap): void;
}

export interface GrowthContext {
  model: Module;
  kernels: Kernels;
  seed: number;
  /** SNFS: the momentum of the dense gradient, kept up to the last iteration that may update. */
  snfsMomentum: number;
  updateEnd: number;
  /** Milliseconds spent computing compressed layers' dense gradients accumulate here. */
  timing: { gradient: number };
}

export type GrowthKind = Exclude<Growth, 'none'>;

export const GROWTH: Record<GrowthKind, (c: GrowthContext) => GrowthCriterion> = {
  random: (c) => ({
    observe: () => {},
    growScores: (l, it, purpose) => uniformScores(l.param.size, Rng.derive(c.seed, `${purpose}:${l.name}:${it}`)),
  }),
  gradient: (c) => new GradientGrowth(c),
  momentum: (c) => new MomentumGrowth(c),
};

/** RigL: grows where |dense gradient| of the update step's batch is largest. */
class GradientGrowth implements GrowthCriterion {
  /** |g| of the masked layers at the last due step, kept before the gradients are masked. */
  private readonly kept = new Map<string, Float32Array>();

  constructor(private readonly c: GrowthContext) {}

  observe(layers: readonly MaskedLayer[], _iteration: number, due: boolean): void {
    if (!due) return;
    // A compressed layer has no dense gradient to keep: growScores computes it from the layer's saved input and dy.
    for (const l of layers) if (l.mask) this.kept.set(l.name, magnitude(l.param.grad, this.kept.get(l.name)));
  }

  growScores(l: MaskedLayer): ScoreSource {
    if (l.mask) {
      const g = this.kept.get(l.name);
      if (!g) throw new Error(`gradient growth: no gradient of ${l.name} was kept for this update`);
      return wholeScores(g);
    }
    const owner = sparseOwner(this.c.model, l.name);
    if (typeof owner === 'string') throw new Error(`gradient growth: ${l.name} cannot run compressed: ${owner}`);
    const W = l.param.csr!;
    return timed(gradientMagnitudes(owner, W.M, W.K), this.c.timing);
  }
}

/** Times the gradient blocks of a source, not what its visitor does with them. */
function timed(source: ScoreSource, timing: { gradient: number }): ScoreSource {
  return (visit) => {
    let t0 = performance.now();
    source((start, block) => {
      timing.gradient += performance.now() - t0;
      visit(start, block);
      t0 = performance.now();
    });
    timing.gradient += performance.now() - t0;
  };
}

const MOMENTUM_PREFIX = 'sparse.snfs_momentum.';

/** SNFS: grows where the momentum of the dense gradient is largest, kept apart from the optimiser's masked momentum,
 * every step up to the update end (checkpointed as 'sparse.snfs_momentum.<param>'). */
class MomentumGrowth implements GrowthCriterion {
  private readonly momentum = new Map<string, Float32Array>();

  constructor(private readonly c: GrowthContext) {}

  observe(layers: readonly MaskedLayer[], iteration: number): void {
    if (iteration > this.c.updateEnd) return;
    const k = this.c.kernels;
    for (const l of layers) {
      let m = this.momentum.get(l.name);
      if (!m) this.momentum.set(l.name, (m = new Float32Array(l.param.size)));
      k.scale(m, this.c.snfsMomentum);
      k.axpy(m, 1, l.param.grad);
    }
  }

  growScores(l: MaskedLayer): ScoreSource {
    const m = this.momentum.get(l.name);
    if (!l.mask || !m) throw new Error(`momentum growth: no dense momentum of ${l.name} (it runs masked only)`);
    return wholeScores(magnitude(m));
  }

  stateTensors(): TensorMap {
    const t: TensorMap = new Map();
    for (const [name, m] of this.momentum) t.set(MOMENTUM_PREFIX + name, { dtype: 'F32', shape: [m.length], data: m });
    return t;
  }

  loadStateTensors(t: TensorMap): void {
    for (const [key, v] of t) {
      if (!key.startsWith(MOMENTUM_PREFIX)) continue;
      if (!(v.data instanceof Float32Array)) throw new Error(`checkpoint tensor ${key} is ${v.dtype}, expected F32`);
      this.momentum.set(key.slice(MOMENTUM_PREFIX.length), v.data);
    }
  }
}

/** One criterion of each kind, made when first asked for (a run asks for its method's at the start, so that a resume
 * finds it to load into, and for the gradient's when a booster explores by it). */
export class GrowthCriteria {
  private readonly made = new Map<GrowthKind, GrowthCriterion>();

  constructor(private readonly c: GrowthContext) {}

  get(kind: GrowthKind): GrowthCriterion {
    let g = this.made.get(kind);
    if (!g) this.made.set(kind, (g = GROWTH[kind](this.c)));
    return g;
  }

  all(): GrowthCriterion[] {
    return [...this.made.values()];
  }
}
