// Sparse training as trainer hooks (DESIGN.md): the mask discipline every step, and every ΔT iterations the
// method's mask update — prune-and-grow for SET/RigL/SNFS (SPEC §4), gradual global pruning plus
// neuroregeneration for GraNet, gradual pruning for GMP — with the training FLOPs of the run accounted.
import type { Kernels } from '../kernels/kernels.js';
import type { Module, Parameter } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook, StepContext } from '../train/hooks.js';
import { Rng } from '../util/rng.js';
import type { TensorMap } from '../util/safetensors.js';
import { globalMagnitudePrune } from './global_prune.js';
import { plannedDensities, prunableParams } from './layers.js';
import { Masks } from './masks.js';
import { growthOf, type SparseSettings } from './method.js';
import { magnitude, pruneAndGrow, randomScores } from './prune_grow.js';
import { cubicSparsity, dropFraction, isUpdateIteration } from './schedules.js';
import { snipMasks } from './snip.js';

export interface SparseContext {
  model: Module;
  kernels: Kernels;
  optimizer: Optimizer;
  seed: number;
  itersPerEpoch: number;
  totalIterations: number;
  /** Forward FLOPs per sample: of each prunable layer when dense, and of everything else (BN, activations, pools). */
  layerFlops: Map<string, number>;
  otherFlops: number;
}

export interface UpdateRecord {
  iteration: number;
  dropFraction: number;
  /** GraNet/GMP: the global sparsity the pruning step aimed at. */
  targetSparsity?: number;
  dropped: number;
  grown: number;
  density: number;
}

export class SparseTraining implements Hook {
  readonly name = 'sparse';
  readonly masks: Masks;
  /** The layer densities the masks started with (for SNIP: the densities its selection keeps). */
  readonly planned: Map<string, number>;
  readonly updates: UpdateRecord[] = [];
  private readonly growth;
  private readonly updateEnd: number;
  private readonly growScores = new Map<string, Float32Array>();
  private readonly denseMomentum = new Map<string, Float32Array>();
  private snipPending: boolean;
  private flopsSum = 0;
  private flopsSteps = 0;
  private readonly denseStepFlops: number;
  /** Forward FLOPs with the current masks; recomputed only when the masks change (not on the step's hot path). */
  private sparseForwardFlops = 0;

  constructor(
    readonly s: SparseSettings,
    private readonly c: SparseContext,
  ) {
    const prunable = prunableParams(c.model.namedParameters());
    this.growth = growthOf(s.method);
    this.updateEnd = s.updateEnd === null ? Infinity : Math.round(s.updateEnd * c.totalIterations);
    const startSparsity = s.method === 'granet' || s.method === 'gmp' ? 1 - s.initialDensity : s.sparsity;
    const densities = s.method === 'dense' ? new Map<string, number>() : plannedDensities(prunable, s, startSparsity);
    this.planned = densities;
    this.masks = Masks.random(prunable, densities, c.seed);
    this.snipPending = s.method === 'snip';
    this.denseStepFlops = 3 * this.forwardFlops(true);
    this.sparseForwardFlops = this.forwardFlops();
    this.masks.maskWeights(c.kernels);
  }

  private get k(): Kernels {
    return this.c.kernels;
  }

  private optimizerBuffers = (name: string): Float32Array[] => this.c.optimizer.buffers(name);

  /** Forward FLOPs per sample with the current masks (or dense). */
  forwardFlops(dense = false): number {
    let f = this.c.otherFlops;
    for (const [name, flops] of this.c.layerFlops) {
      const layer = this.masks.get(name);
      f += dense || !layer ? flops : (flops * this.masks.nnz(layer)) / layer.mask.length;
    }
    return f;
  }

  private isUpdate(iteration: number): boolean {
    return (
      this.s.method !== 'dense' &&
      this.s.method !== 'static' &&
      this.s.method !== 'snip' &&
      isUpdateIteration(iteration, this.s.updateInterval, this.updateEnd)
    );
  }

  beforeStep(ctx: StepContext): void {
    if (!this.snipPending) return;
    // SNIP (Lee et al. 2019): |g·w| of the dense network on one batch at initialisation, then fixed masks.
    const { model } = this.c;
    model.zeroGrad();
    const logits = model.forward({ data: ctx.batch.x, shape: ctx.batch.shape });
    const { dlogits } = ctx.trainer.o.loss.compute(logits, ctx.batch.y, ctx);
    model.backward(dlogits);
    const prunable = prunableParams(model.namedParameters());
    const masks = snipMasks(
      prunable.map(([name, p]) => ({ name, weight: p.data, grad: p.grad })),
      this.planned,
      this.s.pruning,
    );
    for (const l of this.masks.layers) l.mask.set(masks.get(l.name)!);
    model.zeroGrad();
    this.masks.maskWeights(this.k, this.optimizerBuffers);
    this.flopsSum += this.denseStepFlops;
    this.snipPending = false;
    this.sparseForwardFlops = this.forwardFlops();
  }

  afterBackward(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    if (this.growth === 'gradient' && this.isUpdate(it)) {
      // RigL grows where the dense gradient of the current batch is largest: keep |g| before masking it.
      for (const l of this.masks.layers)
        this.growScores.set(l.name, magnitude(l.param.grad, this.growScores.get(l.name)));
    }
    if (this.growth === 'momentum' && it <= this.updateEnd) {
      // SNFS grows by the momentum of the dense gradient, kept apart from the optimiser's masked momentum.
      const beta = this.s.snfsMomentum;
      for (const l of this.masks.layers) {
        let m = this.denseMomentum.get(l.name);
        if (!m) this.denseMomentum.set(l.name, (m = new Float32Array(l.mask.length)));
        this.k.scale(m, beta);
        this.k.axpy(m, 1, l.param.grad);
      }
    }
    this.masks.maskGradients(this.k);
  }

  afterStep(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    this.masks.maskWeights(this.k, this.optimizerBuffers);
    this.countFlops(it);
    if (this.isUpdate(it)) {
      this.update(it);
      this.masks.maskWeights(this.k, this.optimizerBuffers);
    }
  }

  private countFlops(it: number): void {
    const fS = this.sparseForwardFlops;
    const fD = this.denseStepFlops / 3;
    const dt = this.s.updateInterval;
    const updating = it <= this.updateEnd && this.s.method !== 'dense';
    let step: number;
    if (this.s.method === 'dense') step = 3 * fD;
    else if (this.growth === 'gradient' && updating) step = (3 * fS * dt + 2 * fS + fD) / (dt + 1);
    else if (this.growth === 'momentum' && updating) step = 2 * fS + fD;
    else step = 3 * fS;
    this.flopsSum += step;
    this.flopsSteps++;
  }

  /** Training FLOPs of the run so far, normalised by dense training of the same number of steps. */
  trainingFlopsRatio(): number {
    return this.flopsSteps === 0 ? 1 : this.flopsSum / (this.flopsSteps * this.denseStepFlops);
  }

  private update(it: number): void {
    const s = this.s;
    const record: UpdateRecord = { iteration: it, dropFraction: 0, dropped: 0, grown: 0, density: 0 };
    if (s.method === 'granet' || s.method === 'gmp') {
      // Gradual pruning (Zhu & Gupta; GraNet): global magnitude pruning to the cubic schedule's sparsity.
      const c = Math.floor(it / s.updateInterval);
      const ci = Math.floor((s.pruneStartEpoch * this.c.itersPerEpoch) / s.updateInterval);
      const cf = Math.floor((s.pruneEndEpoch * this.c.itersPerEpoch) / s.updateInterval);
      if (c >= ci && c <= cf) {
        const target = cubicSparsity(c, ci, cf, s.initialDensity, 1 - s.sparsity);
        const total = this.masks.layers.reduce((a, l) => a + l.mask.length, 0);
        const active = this.masks.layers.reduce((a, l) => a + this.masks.nnz(l), 0);
        const keep = Math.floor(total * (1 - target));
        if (keep < active)
          globalMagnitudePrune(
            this.masks.layers.map((l) => ({ weight: l.param.data, mask: l.mask })),
            keep,
          );
        record.targetSparsity = target;
        this.masks.maskWeights(this.k, this.optimizerBuffers);
      }
    }
    if (this.growth !== 'none') {
      const end = s.dropSchedule === 'cosine-floor' && s.updateEnd === null ? this.c.totalIterations : this.updateEnd;
      const p = dropFraction(s.dropSchedule, s.dropFraction, it, end);
      record.dropFraction = p;
      for (const l of this.masks.layers) {
        const dropScore = magnitude(l.param.data);
        const growScore = this.growScoresOf(l.name, l.param, it);
        const u = pruneAndGrow(l.mask, dropScore, growScore, p);
        record.dropped += u.dropped.length;
        record.grown += u.grown.length;
      }
    }
    record.density = this.masks.densities().overall;
    this.updates.push(record);
    this.sparseForwardFlops = this.forwardFlops();
  }

  private growScoresOf(name: string, param: Parameter, it: number): Float32Array {
    switch (this.growth) {
      case 'random':
        return randomScores(param.size, Rng.derive(this.c.seed, `grow:${name}:${it}`));
      case 'gradient':
        return this.growScores.get(name)!;
      case 'momentum':
        return magnitude(this.denseMomentum.get(name)!);
      default:
        throw new Error(`no growth for ${this.s.method}`);
    }
  }

  // --- checkpoint state ---
  stateTensors(): TensorMap {
    const t = this.masks.stateTensors();
    for (const [name, m] of this.denseMomentum)
      t.set(`sparse.snfs_momentum.${name}`, { dtype: 'F32', shape: [m.length], data: m });
    return t;
  }

  loadStateTensors(t: TensorMap): void {
    this.masks.loadStateTensors(t);
    this.sparseForwardFlops = this.forwardFlops();
    for (const [key, v] of t) {
      if (key.startsWith('sparse.snfs_momentum.'))
        this.denseMomentum.set(key.slice('sparse.snfs_momentum.'.length), v.data as Float32Array);
    }
  }

  saveState(): unknown {
    return {
      snipPending: this.snipPending,
      flopsSum: this.flopsSum,
      flopsSteps: this.flopsSteps,
      updates: this.updates,
    };
  }

  loadState(state: unknown): void {
    const st = state as { snipPending: boolean; flopsSum: number; flopsSteps: number; updates: UpdateRecord[] };
    this.snipPending = st.snipPending;
    this.flopsSum = st.flopsSum;
    this.flopsSteps = st.flopsSteps;
    this.updates.splice(0, this.updates.length, ...st.updates);
  }

  /** The layer-wise density table (as Sup-tickets' appendix Table 9). */
  layerReport(): {
    layers: { name: string; shape: number[]; params: number; nnz: number; density: number }[];
    density: number;
  } {
    const layers = this.masks.layers.map((l) => {
      const nnz = this.masks.nnz(l);
      return { name: l.name, shape: [...l.param.shape], params: l.mask.length, nnz, density: nnz / l.mask.length };
    });
    return { layers, density: this.masks.densities().overall };
  }
}
