// Sparse training as trainer hooks (DESIGN.md): the mask discipline every step, and every ΔT iterations the
// method's mask update — prune-and-grow for SET/RigL/SNFS (SPEC §4), gradual global pruning plus
// neuroregeneration for GraNet, gradual pruning for GMP — with the training FLOPs of the run accounted.
// Layers run masked (dense weights × mask) or compressed (CSR, the sparse kernels), as SparseContext.execution
// says; both give the same trajectory, which the tests check.
import type { Kernels } from '../kernels/kernels.js';
import type { Module, Parameter } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook, StepContext } from '../train/hooks.js';
import { Rng } from '../util/rng.js';
import type { TensorMap } from '../util/safetensors.js';
import {
  gradientMagnitudes,
  rebuildPattern,
  selectGrowth,
  uniformScores,
  type ScoreSource,
} from './compressed_update.js';
import {
  methodSparseUnsupported,
  ownerOf,
  sparseUnsupported,
  timeLayer,
  type ExecutionMode,
  type LayerExecution,
  type SparseCapable,
} from './execution.js';
import { globalMagnitudeKeep } from './global_prune.js';
import { denseLayerNames, plannedDensities, prunableParams } from './layers.js';
import { zerosAt } from './distribution.js';
import { Masks, type MaskedLayer } from './masks.js';
import { growthOf, type Growth, type SparseSettings } from './method.js';
import { magnitude, pruneAndGrow, randomScores } from './prune_grow.js';
import { cubicSparsity, dropFraction, isUpdateIteration } from './schedules.js';
import { snipMasks } from './snip.js';
import { trainingStepFlops } from './flops.js';
import { kernelTopK, type TopK } from './topk.js';

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
  /** How the masked layers run (default masked); 'dense' is for method dense only. */
  execution?: ExecutionMode;
  /** Where auto's per-layer choices are reported. */
  log?: (line: string) => void;
}

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

/** What a booster (Sup-tickets, EDST) asks of the sparse hook (DESIGN.md): whether the method's regular ΔT
 * updates run at an iteration (false pauses them), and the iterations after which it will call explore(), so
 * that the hook keeps that step's dense gradient for growth. Iterations count completed steps (1-based). */
export interface UpdateControl {
  regularUpdates(iteration: number): boolean;
  explorationAt(iteration: number): boolean;
}

/** Criteria of a booster's exploration: the base method's drop and growth ('base'), or magnitude drop and
 * gradient growth whatever the base ('code', what the Sup-tickets and FreeTickets code does). */
export type ExplorationCriteria = 'base' | 'code';

/** What a random growth draws for: a regular update or an exploration, so that the two never share draws when
 * they fall on one iteration (the key of Rng.derive, with the layer and the iteration). */
type RandomPurpose = 'grow' | 'explore';

export class SparseTraining implements Hook {
  readonly name = 'sparse';
  readonly masks: Masks;
  /** The layer densities the masks started with (for SNIP: the densities its selection keeps). */
  readonly planned: Map<string, number>;
  /** GraNet/GMP: the layer densities at the final sparsity (the targets of layer-wise pruning). */
  private readonly finalPlanned = new Map<string, number>();
  /** The layers the settings keep dense (first, last, by pattern): never pruned, never updated. */
  private readonly keptDense: Set<string>;
  readonly updates: UpdateRecord[] = [];
  /** Milliseconds the last mask update spent by part: the dense gradient of compressed layers (RigL's growth
   * score), choosing what to drop and grow (gradual pruning included), rebuilding compressed patterns. Not
   * checkpointed: timings differ from run to run. */
  readonly lastUpdateMs = { gradient: 0, selection: 0, rebuild: 0 };
  private readonly growth;
  /** The top-k of every mask update: the kernels' (native when the addon is loaded). */
  private readonly select: TopK;
  private readonly updateEnd: number;
  private readonly growScores = new Map<string, Float32Array>();
  private readonly denseMomentum = new Map<string, Float32Array>();
  private snipPending: boolean;
  private flopsSum = 0;
  private flopsSteps = 0;
  private readonly denseStepFlops: number;
  /** Forward FLOPs with the current masks; recomputed only when the masks change (not on the step's hot path). */
  private sparseForwardFlops = 0;
  /** How each masked layer runs now, and (auto) the density it was last planned at. */
  readonly execution = new Map<string, LayerExecution>();
  private readonly plannedAt = new Map<string, number>();
  private compressPending: boolean;
  /** Set by a booster; null: the method's own schedule alone. */
  control: UpdateControl | null = null;

  constructor(
    readonly s: SparseSettings,
    private readonly c: SparseContext,
  ) {
    const prunable = prunableParams(c.model.namedParameters());
    this.growth = growthOf(s.method);
    this.updateEnd = s.updateEnd === null ? Infinity : Math.round(s.updateEnd * c.totalIterations);
    this.keptDense = s.method === 'dense' ? new Set() : denseLayerNames(prunable, s);
    if (s.method === 'granet' || s.method === 'gmp') this.checkGradual(prunable);
    const startSparsity = s.method === 'granet' || s.method === 'gmp' ? 1 - s.initialDensity : s.sparsity;
    const densities = s.method === 'dense' ? new Map<string, number>() : plannedDensities(prunable, s, startSparsity);
    this.planned = densities;
    this.masks = Masks.random(prunable, densities, c.seed);
    this.snipPending = s.method === 'snip';
    this.select = kernelTopK(c.kernels);
    this.denseStepFlops = 3 * this.forwardFlops(true);
    this.sparseForwardFlops = this.forwardFlops();
    // SNIP scores the dense network at initialisation: its weights stay whole until its selection.
    if (!this.snipPending) this.masks.maskWeights(c.kernels);
    for (const l of this.masks.layers) this.execution.set(l.name, 'masked');
    this.compressPending = c.execution === 'sparse' || c.execution === 'auto';
    const methodWhy = methodSparseUnsupported(s.method);
    if (c.execution === 'sparse') {
      if (methodWhy) throw new Error(`--mode sparse: method ${s.method} cannot run sparse: ${methodWhy}`);
      for (const l of this.masks.layers) {
        const why = sparseUnsupported(ownerOf(c.model, l.name));
        if (why)
          throw new Error(`--mode sparse: layer ${l.name} cannot run sparse: ${why} (--mode auto runs it masked)`);
      }
    }
    if (c.execution === 'auto' && methodWhy) {
      c.log?.(`auto: every layer runs masked: method ${s.method} cannot run sparse: ${methodWhy}`);
      this.compressPending = false;
    }
  }

  /** GraNet/GMP: the final budget must hold the layers kept dense; per-layer densities have no place in a
   * gradual schedule. */
  private checkGradual(prunable: [string, Parameter][]): void {
    const s = this.s;
    if (Object.keys(s.layerDensities).length > 0)
      throw new Error(
        `${s.method} prunes gradually to a schedule, so explicit layer densities do not apply (keep layers dense with denseLayers)`,
      );
    const total = prunable.reduce((a, [, p]) => a + p.size, 0);
    const dense = prunable.reduce((a, [n, p]) => a + (this.keptDense.has(n) ? p.size : 0), 0);
    if (Math.floor(total * (1 - s.sparsity)) < dense)
      throw new Error(
        `the layers kept dense hold ${dense} of the ${total} prunable weights, more than final density ${+(1 - s.sparsity).toFixed(6)} keeps`,
      );
    for (const [n, d] of plannedDensities(prunable, s, s.sparsity)) this.finalPlanned.set(n, d);
  }

  private get k(): Kernels {
    return this.c.kernels;
  }

  private optimizerBuffers = (name: string): Float32Array[] => this.c.optimizer.buffers(name);
  private remap = (name: string, f: (b: Float32Array) => Float32Array): void => this.c.optimizer.remapState(name, f);

  /** Forward FLOPs per sample with the current masks (or dense). */
  forwardFlops(dense = false): number {
    let f = this.c.otherFlops;
    for (const [name, flops] of this.c.layerFlops) {
      const layer = this.masks.get(name);
      f += dense || !layer ? flops : (flops * this.masks.nnz(layer)) / layer.param.size;
    }
    return f;
  }

  private isUpdate(iteration: number): boolean {
    return (
      this.s.method !== 'dense' &&
      this.s.method !== 'static' &&
      this.s.method !== 'snip' &&
      isUpdateIteration(iteration, this.s.updateInterval, this.updateEnd) &&
      (this.control?.regularUpdates(iteration) ?? true)
    );
  }

  /** The growth of an exploration: the base method's, or gradient for 'code' and for methods without growth
   * (static, SNIP, GMP: nothing to inherit). */
  private explorationGrowth(criteria: ExplorationCriteria): Growth {
    return criteria === 'base' && this.growth !== 'none' ? this.growth : 'gradient';
  }

  beforeStep(ctx: StepContext): void {
    if (this.snipPending) this.selectSnip(ctx);
    // Compressing waits for SNIP's selection; auto also for one step, to time the layers on real inputs.
    if (this.compressPending && this.c.execution === 'sparse') {
      for (const l of this.masks.layers) this.setExecution(l, 'sparse');
      this.compressPending = false;
    }
  }

  private selectSnip(ctx: StepContext): void {
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
    for (const l of this.masks.layers) l.mask!.set(masks.get(l.name)!);
    model.zeroGrad();
    this.masks.maskWeights(this.k, this.optimizerBuffers);
    this.flopsSum += this.denseStepFlops;
    this.snipPending = false;
    this.sparseForwardFlops = this.forwardFlops();
  }

  afterBackward(ctx: StepContext): void {
    const it = ctx.iteration + 1;
    if ((this.growth === 'gradient' && this.isUpdate(it)) || this.control?.explorationAt(it)) {
      // RigL grows where the dense gradient of the current batch is largest: keep |g| before masking it.
      // (A compressed layer computes its dense gradient at the update, from the layer's saved input and dy.)
      for (const l of this.masks.layers)
        if (l.mask) this.growScores.set(l.name, magnitude(l.param.grad, this.growScores.get(l.name)));
    }
    if (this.growth === 'momentum' && it <= this.updateEnd) {
      // SNFS grows by the momentum of the dense gradient, kept apart from the optimiser's masked momentum.
      const beta = this.s.snfsMomentum;
      for (const l of this.masks.layers) {
        let m = this.denseMomentum.get(l.name);
        if (!m) this.denseMomentum.set(l.name, (m = new Float32Array(l.param.size)));
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
    if (this.c.execution === 'auto' && !this.snipPending && !methodSparseUnsupported(this.s.method)) this.plan();
  }

  /** auto: times each layer masked and compressed on its last input and keeps the faster — after the first step,
   * and again for a layer whose density moved by more than 10% since (GraNet and GMP prune gradually). */
  private plan(): void {
    for (const l of this.masks.layers) {
      const density = this.masks.nnz(l) / l.param.size;
      const last = this.plannedAt.get(l.name);
      if (last !== undefined && Math.abs(density - last) <= 0.1 * last) continue;
      this.plannedAt.set(l.name, density);
      const m = ownerOf(this.c.model, l.name);
      const why = sparseUnsupported(m);
      if (why !== null) {
        this.c.log?.(`auto: ${l.name} runs masked: ${why}`);
        continue;
      }
      this.setExecution(l, 'masked');
      const masked = timeLayer(m as SparseCapable);
      this.setExecution(l, 'sparse');
      const sparse = timeLayer(m as SparseCapable);
      const choice = sparse < masked ? 'sparse' : 'masked';
      this.setExecution(l, choice);
      this.c.log?.(
        `auto: ${l.name} density ${density.toFixed(3)}: masked ${masked.toFixed(2)} ms, sparse ${sparse.toFixed(2)} ms → ${choice}`,
      );
    }
    // timeLayer accumulated gradients; the next step zeroes them before its backward.
    this.compressPending = false;
  }

  /** Runs one masked layer masked or compressed from now on (what auto's planner decides per layer). */
  setExecution(l: MaskedLayer, e: LayerExecution): void {
    if (e === 'sparse') this.masks.compress(l, this.remap);
    else this.masks.decompress(l, this.remap);
    this.execution.set(l.name, e);
  }

  private countFlops(it: number): void {
    const updating = it <= this.updateEnd && (this.control?.regularUpdates(it) ?? true);
    this.flopsSum += trainingStepFlops(
      this.s.method,
      this.sparseForwardFlops,
      this.denseStepFlops / 3,
      this.s.updateInterval,
      updating,
    );
    this.flopsSteps++;
  }

  /** Training FLOPs of the run so far, normalised by dense training of the same number of steps. */
  trainingFlopsRatio(): number {
    return this.flopsSteps === 0 ? 1 : this.flopsSum / (this.flopsSteps * this.denseStepFlops);
  }

  private update(it: number): void {
    const s = this.s;
    const started = performance.now();
    this.lastUpdateMs.gradient = 0;
    this.lastUpdateMs.rebuild = 0;
    const record: UpdateRecord = { iteration: it, dropFraction: 0, dropped: 0, grown: 0, density: 0 };
    if (s.method === 'granet' || s.method === 'gmp') {
      const c = Math.floor(it / s.updateInterval);
      const ci = Math.floor((s.pruneStartEpoch * this.c.itersPerEpoch) / s.updateInterval);
      const cf = Math.floor((s.pruneEndEpoch * this.c.itersPerEpoch) / s.updateInterval);
      if (c >= ci && c <= cf) {
        record.targetSparsity = this.gradualPrune(c, ci, cf);
        this.masks.maskWeights(this.k, this.optimizerBuffers);
      }
    }
    if (this.growth !== 'none') {
      const end = s.dropSchedule === 'cosine-floor' && s.updateEnd === null ? this.c.totalIterations : this.updateEnd;
      const p = dropFraction(s.dropSchedule, s.dropFraction, it, end);
      record.dropFraction = p;
      for (const l of this.masks.layers) {
        if (this.keptDense.has(l.name)) continue;
        const moved = this.pruneAndGrowLayer(l, p, it, this.growth, Math.floor, 'grow');
        record.dropped += moved;
        record.grown += moved;
      }
    }
    this.finishUpdate(record, started);
  }

  private finishUpdate(record: UpdateRecord, started: number): void {
    record.density = this.masks.densities().overall;
    this.updates.push(record);
    const t = this.lastUpdateMs;
    t.selection = performance.now() - started - t.gradient - t.rebuild;
    this.sparseForwardFlops = this.forwardFlops();
  }

  /** One prune-and-grow of every layer not kept dense, outside the method's schedule (Sup-tickets' cycle-start
   * exploration with rate 0.5, SPEC §6; EDST's with q): k = ceil(rate·nnz_l) per layer, magnitude drop, growth by
   * the criteria. Call it from a hook's afterStep at an iteration `control.explorationAt` announced. */
  explore(iteration: number, rate: number, criteria: ExplorationCriteria): UpdateRecord {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`explore: rate must be in [0, 1], got ${rate}`);
    const started = performance.now();
    this.lastUpdateMs.gradient = 0;
    this.lastUpdateMs.rebuild = 0;
    const growth = this.explorationGrowth(criteria);
    const record: UpdateRecord = { iteration, exploration: true, dropFraction: rate, dropped: 0, grown: 0, density: 0 };
    for (const l of this.masks.layers) {
      if (this.keptDense.has(l.name)) continue;
      const moved = this.pruneAndGrowLayer(l, rate, iteration, growth, Math.ceil, 'explore');
      record.dropped += moved;
      record.grown += moved;
    }
    this.masks.maskWeights(this.k, this.optimizerBuffers);
    this.finishUpdate(record, started);
    return record;
  }

  /** Prune-and-grow of one layer, masked or compressed; returns the number of connections moved. */
  private pruneAndGrowLayer(
    l: MaskedLayer,
    p: number,
    it: number,
    growth: Growth,
    round: (x: number) => number,
    purpose: RandomPurpose,
  ): number {
    if (!l.mask) return this.pruneAndGrowCompressed(l, round(p * l.param.csr!.values.length), it, growth, purpose);
    const dropScore = magnitude(l.param.data);
    const growScore = this.growScoresOf(l.name, l.param, it, growth, purpose);
    return pruneAndGrow(l.mask, dropScore, growScore, p, this.select, round).dropped.length;
  }

  /**
   * Gradual magnitude pruning (Zhu & Gupta; GraNet) at update index c of the window [ci, cf], SPEC §4: globally,
   * every layer not kept dense together, to keep floor(N·(1 − s_c)) of all N prunable weights (the dense layers
   * count in full); or layer-wise, each layer to its own cubic schedule from its initial to its final planned
   * density. Returns the overall sparsity aimed at.
   */
  private gradualPrune(c: number, ci: number, cf: number): number {
    const s = this.s;
    const total = this.masks.layers.reduce((a, l) => a + l.param.size, 0);
    const pruned = this.masks.layers.filter((l) => !this.keptDense.has(l.name));
    const dense = total - pruned.reduce((a, l) => a + l.param.size, 0);
    if (s.pruning === 'global') {
      const target = cubicSparsity(c, ci, cf, s.initialDensity, 1 - s.sparsity);
      const keep = Math.floor(total * (1 - target)) - dense;
      if (keep < pruned.reduce((a, l) => a + this.masks.nnz(l), 0)) this.magnitudePrune(pruned, keep);
      return target;
    }
    let kept = dense;
    for (const l of pruned) {
      const target = cubicSparsity(c, ci, cf, this.planned.get(l.name)!, this.finalPlanned.get(l.name)!);
      const keep = Math.min(this.masks.nnz(l), l.param.size - zerosAt(l.param.size, 1 - target));
      if (keep < this.masks.nnz(l)) this.magnitudePrune([l], keep);
      kept += keep;
    }
    return 1 - kept / total;
  }

  /** Keeps the `keep` largest |w| of the layers together, masked or compressed alike. */
  private magnitudePrune(layers: MaskedLayer[], keep: number): void {
    const kept = globalMagnitudeKeep(
      layers.map((l) => ({ weight: l.param.data, mask: l.mask ?? undefined })),
      keep,
    );
    layers.forEach((l, i) => {
      if (l.mask) {
        l.mask.fill(0);
        for (const j of kept[i]) l.mask[j] = 1;
        return;
      }
      const W = l.param.csr!;
      const alive = new Uint8Array(W.values.length);
      for (const j of kept[i]) alive[j] = 1;
      const removed = Int32Array.from(alive.keys()).filter((j) => alive[j] === 0);
      // Pruned weights and their state are gone, so a later regrowth starts them at 0 (as masked's maskWeights).
      this.setPattern(l, removed, new Int32Array(0));
    });
  }

  /** pruneAndGrow on a compressed layer: the same choices, without a dense copy of the weight or its gradient. */
  private pruneAndGrowCompressed(
    l: MaskedLayer,
    k: number,
    it: number,
    growth: Growth,
    purpose: RandomPurpose,
  ): number {
    const W = l.param.csr!;
    if (k === 0) return 0;
    const dropped = new Int32Array(k);
    this.k.topK(dropped, W.values, null, k, false, true);
    const grown = selectGrowth(W, dropped, k, this.growSource(l, it, growth, purpose), this.select);
    this.setPattern(l, dropped, grown);
    return k;
  }

  private setPattern(l: MaskedLayer, removed: Int32Array, grown: Int32Array): void {
    const t0 = performance.now();
    const { csr, csc, carry } = rebuildPattern(l.param.csr!, removed, grown, this.k);
    l.param.setCsr(csr, csc);
    this.remap(l.name, carry);
    this.lastUpdateMs.rebuild += performance.now() - t0;
  }

  private growSource(l: MaskedLayer, it: number, growth: Growth, purpose: RandomPurpose): ScoreSource {
    if (growth === 'random') return uniformScores(l.param.size, Rng.derive(this.c.seed, `${purpose}:${l.name}:${it}`));
    if (growth === 'gradient') {
      const W = l.param.csr!;
      const scores = gradientMagnitudes(ownerOf(this.c.model, l.name) as SparseCapable, W.M, W.K);
      // Time the gradient blocks, not what the visitor does with them.
      return (visit) => {
        let t0 = performance.now();
        scores((start, block) => {
          this.lastUpdateMs.gradient += performance.now() - t0;
          visit(start, block);
          t0 = performance.now();
        });
        this.lastUpdateMs.gradient += performance.now() - t0;
      };
    }
    throw new Error(`sparse execution: no compressed growth for ${this.s.method}`);
  }

  private growScoresOf(
    name: string,
    param: Parameter,
    it: number,
    growth: Growth,
    purpose: RandomPurpose,
  ): Float32Array {
    switch (growth) {
      case 'random':
        return randomScores(param.size, Rng.derive(this.c.seed, `${purpose}:${name}:${it}`));
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

  /** Replaces the masks with given ones (a lottery ticket's: IMP/OMP rounds retrain a fixed mask, SPEC §5) before
   * training starts; a masked layer without an entry becomes dense. Weights and optimiser state are masked. */
  useMasks(masks: Map<string, ArrayLike<number>>): void {
    for (const name of masks.keys())
      if (!this.masks.get(name)) throw new Error(`mask '${name}' names no prunable weight of the model`);
    for (const l of this.masks.layers) {
      if (!l.mask) throw new Error(`useMasks: '${l.name}' is already compressed; give masks before training`);
      const m = masks.get(l.name);
      if (m && m.length !== l.mask.length)
        throw new Error(`mask '${l.name}' has ${m.length} entries, the weight ${l.mask.length}`);
      for (let i = 0; i < l.mask.length; i++) l.mask[i] = m ? (m[i] ? 1 : 0) : 1;
    }
    this.masks.maskWeights(this.k, this.optimizerBuffers);
    this.sparseForwardFlops = this.forwardFlops();
  }

  /** The masks of a ticket of the current subnetwork: every masked layer except those the settings keep dense
   * (those stay whole in every ticket operation). Dense 0/1 arrays (new ones for compressed layers). */
  ticketMasks(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const l of this.masks.layers) if (!this.keptDense.has(l.name)) out.set(l.name, this.masks.denseMask(l));
    return out;
  }

  /** The layer-wise density table (as Sup-tickets' appendix Table 9), with each layer's forward FLOPs per sample. */
  layerReport(): {
    layers: {
      name: string;
      shape: number[];
      params: number;
      nnz: number;
      density: number;
      flops_dense: number;
      flops_sparse: number;
      execution: LayerExecution;
    }[];
    density: number;
  } {
    const layers = this.masks.layers.map((l) => {
      const nnz = this.masks.nnz(l);
      const params = l.param.size;
      const execution = this.execution.get(l.name)!;
      const flops = this.c.layerFlops.get(l.name) ?? 0;
      const density = nnz / params;
      return {
        name: l.name,
        shape: [...l.param.shape],
        params,
        nnz,
        density,
        flops_dense: flops,
        flops_sparse: flops * density,
        execution,
      };
    });
    return { layers, density: this.masks.densities().overall };
  }

  /** Forward FLOPs per sample, dense and with the current masks, and the training FLOPs of the run so far
   * normalised by dense training (SPEC §4). */
  flopsReport(): { forward_dense: number; forward_sparse: number; training: number } {
    return {
      forward_dense: this.forwardFlops(true),
      forward_sparse: this.sparseForwardFlops,
      training: this.trainingFlopsRatio(),
    };
  }
}
