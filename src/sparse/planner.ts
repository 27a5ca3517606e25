// The execution planner (execution.ts) as a hook: how each masked layer runs, masked or compressed. `sparse`
// compresses every layer before the first step (after SNIP's selection); `auto` times each layer both ways on its
// real input after the first step and keeps the faster, and again when a layer's density has moved by more than
// 10% (GraNet and GMP prune gradually). Checkpoints keep the dense layout whatever the execution.
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook } from '../train/hooks.js';
import { sparseOwner, timeLayer, type ExecutionMode, type LayerExecution } from './execution.js';
import type { MaskedLayer, Masks, RemapState } from './masks.js';
import type { Method } from './method.js';

export interface PlannerContext {
  model: Module;
  masks: Masks;
  /** How the masked layers run (default masked). */
  mode: ExecutionMode | undefined;
  /** Why the method cannot run compressed (METHOD_RULES), or null. */
  methodWhy: string | null;
  method: Method;
  /** Its state follows a layer's storage. */
  optimizer: Optimizer;
  /** Whether the masks are chosen (SNIP's come with the first batch). */
  ready: () => boolean;
  log?: (line: string) => void;
}

export class ExecutionPlanner implements Hook {
  readonly name = 'execution';
  readonly execution = new Map<string, LayerExecution>();
  /** auto: the density each layer was last planned at. */
  private readonly plannedAt = new Map<string, number>();
  private compressPending: boolean;

  constructor(private readonly c: PlannerContext) {
    for (const l of c.masks.layers) this.execution.set(l.name, 'masked');
    this.compressPending = c.mode === 'sparse';
    if (c.mode === 'sparse') {
      if (c.methodWhy) throw new Error(`--mode sparse: method ${c.method} cannot run sparse: ${c.methodWhy}`);
      for (const l of c.masks.layers) {
        const owner = sparseOwner(c.model, l.name);
        if (typeof owner === 'string')
          throw new Error(`--mode sparse: layer ${l.name} cannot run sparse: ${owner} (--mode auto runs it masked)`);
      }
    }
    if (c.mode === 'auto' && c.methodWhy)
      c.log?.(`auto: every layer runs masked: method ${c.method} cannot run sparse: ${c.methodWhy}`);
  }

  beforeStep(): void {
    if (!this.compressPending) return;
    for (const l of this.c.masks.layers) this.setExecution(l, 'sparse');
    this.compressPending = false;
  }

  afterStep(): void {
    if (this.c.mode === 'auto' && this.c.ready() && !this.c.methodWhy) this.plan();
  }

  /** Runs one masked layer masked or compressed from now on. */
  setExecution(l: MaskedLayer, e: LayerExecution): void {
    const remap: RemapState = (name, f) => this.c.optimizer.remapState(name, f);
    if (e === 'sparse') this.c.masks.compress(l, remap);
    else this.c.masks.decompress(l, remap);
    this.execution.set(l.name, e);
  }

  private plan(): void {
    for (const l of this.c.masks.layers) {
      const density = this.c.masks.nnz(l) / l.param.size;
      const last = this.plannedAt.get(l.name);
      if (last !== undefined && Math.abs(density - last) <= 0.1 * last) continue;
      this.plannedAt.set(l.name, density);
      const m = sparseOwner(this.c.model, l.name);
      if (typeof m === 'string') {
        this.c.log?.(`auto: ${l.name} runs masked: ${m}`);
        continue;
      }
      this.setExecution(l, 'masked');
      const masked = timeLayer(m);
      this.setExecution(l, 'sparse');
      const sparse = timeLayer(m);
      const choice = sparse < masked ? 'sparse' : 'masked';
      this.setExecution(l, choice);
      this.c.log?.(
        `auto: ${l.name} density ${density.toFixed(3)}: masked ${masked.toFixed(2)} ms, sparse ${sparse.toFixed(2)} ms → ${choice}`,
      );
    }
    // timeLayer accumulated gradients; the next step zeroes them before its backward.
  }
}
