// Sparse training as one trainer hook (docs/ARCHITECTURE.md) composed of small ones, each with one job: SNIP's selection at the
// start (snip_start.ts), the mask discipline and the method's updates (masks_hook.ts, by the updater its row of
// METHOD_RULES composes: updaters.ts), the training FLOPs (flops.ts) and the execution planner (planner.ts). Their
// events run in the order below and their states make one checkpoint entry, 'sparse', as it always was. Layers run
// masked (dense weights × mask) or compressed (CSR, the sparse kernels), as SparseContext.execution says; both give
// the same trajectory, which the tests check.
import { z } from 'zod';
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook, StepContext } from '../train/hooks.js';
import { checkedJson } from '../util/checked_json.js';
import type { TensorMap } from '../util/safetensors.js';
import type { ExecutionMode, LayerExecution } from './execution.js';
import { FLOP_STATE, FlopCounter } from './flops.js';
import { finalDensities, GradualPruning } from './gradual.js';
import { GrowthCriteria } from './growth.js';
import { denseLayerNames, plannedDensities, prunableParams } from './layers.js';
import { Masks, type MaskedLayer } from './masks.js';
import { MasksHook, UPDATE_RECORD, type UpdateRecord, type UpdateRequests, type UpdateTiming } from './masks_hook.js';
import { METHOD_RULES, type SparseSettings } from './method.js';
import { ExecutionPlanner } from './planner.js';
import { SnipStart } from './snip_start.js';
import { methodUpdater } from './updaters.js';
import { UpdateSchedule } from './update_schedule.js';

export type { ExplorationCriteria, UpdateRecord, UpdateRequests } from './masks_hook.js';
export type { UpdateTimetable } from './update_schedule.js';

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

/** The checkpoint entry 'sparse': SNIP's pending selection, the FLOP counter's sums and the update records. */
const SPARSE_STATE = z.object({ snipPending: z.boolean(), updates: z.array(UPDATE_RECORD) }).merge(FLOP_STATE);

export type SparseState = z.infer<typeof SPARSE_STATE>;

/** The masks a run starts with (SPEC §4): random at the planned densities — at the initial density for a gradual
 * method, whose final densities are its layer-wise targets — or none for dense training; and the layers kept dense. */
function startingMasks(s: SparseSettings, c: SparseContext) {
  const rule = METHOD_RULES[s.method];
  const prunable = prunableParams(c.model.namedParameters());
  const keptDense = rule.start === 'none' ? new Set<string>() : denseLayerNames(prunable, s);
  const final = rule.gradual ? finalDensities(prunable, s, keptDense) : new Map<string, number>();
  const startSparsity = rule.gradual ? 1 - s.initialDensity : s.sparsity;
  const planned = rule.start === 'none' ? new Map<string, number>() : plannedDensities(prunable, s, startSparsity);
  return { masks: Masks.random(prunable, planned, c.seed), planned, keptDense, final };
}

/** The masks hook of the method, with the growth criteria its updates and explorations draw on. */
function masksHook(
  s: SparseSettings,
  c: SparseContext,
  start: ReturnType<typeof startingMasks>,
  schedule: UpdateSchedule,
  timing: UpdateTiming,
  masksChanged: () => void,
): { hook: MasksHook; criteria: GrowthCriteria } {
  const { model, kernels, seed, optimizer } = c;
  const { masks, keptDense } = start;
  const rule = METHOD_RULES[s.method];
  const criteria = new GrowthCriteria({
    model,
    kernels,
    seed,
    snfsMomentum: s.snfsMomentum,
    updateEnd: schedule.end,
    timing,
  });
  const { planned: initial, final } = start;
  const gradual = () =>
    new GradualPruning({ settings: s, masks, keptDense, initial, final, itersPerEpoch: c.itersPerEpoch });
  const updater = methodUpdater(rule, (kind) => criteria.get(kind), gradual);
  const hook = new MasksHook({
    masks,
    kernels,
    optimizer,
    schedule,
    updater,
    methodGrowth: rule.growth,
    criteria,
    keptDense,
    timing,
    masksChanged,
  });
  return { hook, criteria };
}

export class SparseTraining implements Hook<SparseState> {
  readonly name = 'sparse';
  readonly masks: Masks;
  /** The layer densities the masks started with (for SNIP: the densities its selection keeps). */
  readonly planned: Map<string, number>;
  /** What a booster asks of the masks: pauses, explorations, the masks of its tickets. */
  readonly requests: UpdateRequests;
  readonly updates: UpdateRecord[];
  /** Milliseconds the last mask update spent by part (not checkpointed: timings differ from run to run). */
  readonly lastUpdateMs: UpdateTiming = { gradient: 0, selection: 0, rebuild: 0 };
  private readonly snip: SnipStart | null;
  private readonly maskHook: MasksHook;
  private readonly flops: FlopCounter;
  private readonly planner: ExecutionPlanner;
  private readonly criteria: GrowthCriteria;

  constructor(
    readonly s: SparseSettings,
    private readonly c: SparseContext,
  ) {
    const { model, kernels, optimizer } = c;
    const rule = METHOD_RULES[s.method];
    const start = startingMasks(s, c);
    const { masks, planned } = start;
    this.masks = masks;
    this.planned = planned;
    const schedule = new UpdateSchedule(s, c.totalIterations);
    const flops = new FlopCounter({
      method: s.method,
      masks,
      layerFlops: c.layerFlops,
      otherFlops: c.otherFlops,
      updateInterval: s.updateInterval,
      updating: (it) => schedule.running(it),
    });
    const { hook, criteria } = masksHook(s, c, start, schedule, this.lastUpdateMs, () => flops.masksChanged());
    const selected = () => {
      flops.addDenseStep();
      flops.masksChanged();
    };
    const snip = { model, kernels, masks, densities: planned, pruning: s.pruning, optimizer, selected };
    this.snip = rule.start === 'snip' ? new SnipStart(snip) : null;
    // SNIP scores the dense network at initialisation: its weights stay whole until its selection.
    if (!this.snip) masks.maskWeights(kernels);
    this.planner = new ExecutionPlanner({
      model,
      masks,
      mode: c.execution,
      methodWhy: rule.notCompressible,
      method: s.method,
      optimizer,
      ready: () => !this.snip?.pending,
      log: c.log,
    });
    this.flops = flops;
    this.criteria = criteria;
    this.maskHook = hook;
    this.requests = hook;
    this.updates = hook.updates;
  }

  beforeStep(ctx: StepContext): void {
    this.snip?.beforeStep(ctx);
    this.planner.beforeStep();
  }

  afterBackward(ctx: StepContext): void {
    this.maskHook.afterBackward(ctx);
  }

  afterStep(ctx: StepContext): void {
    // The FLOPs of the step are those of the masks it ran with: counted before this step's update changes them.
    this.flops.afterStep(ctx);
    this.maskHook.afterStep(ctx);
    this.planner.afterStep();
  }

  /** How each masked layer runs now. */
  get execution(): ReadonlyMap<string, LayerExecution> {
    return this.planner.execution;
  }

  /** Runs one masked layer masked or compressed from now on (what auto's planner decides per layer). */
  setExecution(l: MaskedLayer, e: LayerExecution): void {
    this.planner.setExecution(l, e);
  }

  /** Forward FLOPs per sample with the current masks (or dense). */
  forwardFlops(dense = false): number {
    return this.flops.forward(dense);
  }

  /** Training FLOPs of the run so far, normalised by dense training of the same number of steps. */
  trainingFlopsRatio(): number {
    return this.flops.ratio();
  }

  /** Forward FLOPs per sample, dense and with the current masks, and the training FLOPs of the run so far
   * normalised by dense training (SPEC §4). */
  flopsReport(): { forward_dense: number; forward_sparse: number; training: number } {
    return this.flops.report();
  }

  // --- checkpoint state: the masks and SNFS's dense momentum as tensors; SNIP's, the FLOPs' and the updates' JSON ---
  stateTensors(): TensorMap {
    const t = this.masks.stateTensors();
    for (const g of this.criteria.all()) for (const [name, v] of g.stateTensors?.() ?? []) t.set(name, v);
    return t;
  }

  loadStateTensors(t: TensorMap): void {
    this.masks.loadStateTensors(t);
    this.flops.masksChanged();
    for (const g of this.criteria.all()) g.loadStateTensors?.(t);
  }

  saveState(): SparseState {
    const { flopsSum, flopsSteps } = this.flops.saveState();
    return { snipPending: this.snip?.pending ?? false, flopsSum, flopsSteps, updates: this.updates };
  }

  parseState(json: unknown): SparseState {
    return checkedJson(SPARSE_STATE, json, 'sparse hook state');
  }

  loadState(st: SparseState): void {
    if (this.snip) this.snip.pending = st.snipPending;
    this.flops.loadState(st);
    this.updates.splice(0, this.updates.length, ...st.updates);
  }

  /** Replaces the masks with given ones before training starts (MasksHook.useMasks). */
  useMasks(masks: Map<string, ArrayLike<number>>): void {
    this.maskHook.useMasks(masks);
  }

  /** The masks of a ticket of the current subnetwork (UpdateRequests.ticketMasks). */
  ticketMasks(): Map<string, Float32Array> {
    return this.maskHook.ticketMasks();
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
        execution: this.planner.execution.get(l.name)!,
      };
    });
    return { layers, density: this.masks.densities().overall };
  }
}
