// Training FLOPs per step by method (SPEC §4, after the RigL paper's appendix): f_D and f_S are the forward FLOPs
// of the dense and the sparse network. A training step costs forward + backward ≈ 3 forwards. The counter is a
// hook of the sparse hook's (training.ts).
import { z } from 'zod';
import type { Hook, StepContext } from '../train/hooks.js';
import { checkedJson } from '../util/checked_json.js';
import type { Masks } from './masks.js';
import { METHOD_RULES, type Method } from './method.js';

/**
 * FLOPs of one training step. `updating`: whether the method still updates its masks at this step. Dense 3·f_D;
 * static, SNIP, SET (and any method whose updates have stopped) 3·f_S; RigL and GraNet, which need the dense
 * gradient at every ΔT-th step, (3·f_S·ΔT + 2·f_S + f_D)/(ΔT + 1); SNFS, which needs it every step, 2·f_S + f_D.
 * GraNet and GMP change f_S as they prune; the caller passes the current one, so a run integrates their schedule.
 */
export function trainingStepFlops(method: Method, fS: number, fD: number, dt: number, updating: boolean): number {
  const { start, growth } = METHOD_RULES[method];
  if (start === 'none') return 3 * fD;
  if (updating && growth === 'gradient') return (3 * fS * dt + 2 * fS + fD) / (dt + 1);
  if (updating && growth === 'momentum') return 2 * fS + fD;
  return 3 * fS;
}

/** What the FLOP counter reads: the method, its masks, the dense forward FLOPs per sample of each masked layer and
 * of everything else (BN, activations, pools), and whether the method's updates still run at an iteration. */
export interface FlopContext {
  method: Method;
  masks: Masks;
  layerFlops: Map<string, number>;
  otherFlops: number;
  updateInterval: number;
  updating: (iteration: number) => boolean;
}

export const FLOP_STATE = z.object({ flopsSum: z.number(), flopsSteps: z.number() });

export type FlopState = z.infer<typeof FLOP_STATE>;

/** Counts the training FLOPs of a run step by step (SPEC §4), with f_S of the masks each step ran with. */
export class FlopCounter implements Hook<FlopState> {
  readonly name = 'flops';
  private sum = 0;
  private steps = 0;
  private readonly denseStep: number;
  /** f_S with the current masks: recomputed when they change (masksChanged), not on the step's hot path. */
  private sparseForward: number;

  constructor(private readonly c: FlopContext) {
    this.denseStep = 3 * this.forward(true);
    this.sparseForward = this.forward();
  }

  /** Forward FLOPs per sample with the current masks (or dense). */
  forward(dense = false): number {
    let f = this.c.otherFlops;
    for (const [name, flops] of this.c.layerFlops) {
      const layer = this.c.masks.get(name);
      f += dense || !layer ? flops : (flops * this.c.masks.nnz(layer)) / layer.param.size;
    }
    return f;
  }

  masksChanged(): void {
    this.sparseForward = this.forward();
  }

  /** A dense forward and backward outside the steps (SNIP scores the dense network on one batch). */
  addDenseStep(): void {
    this.sum += this.denseStep;
  }

  afterStep(ctx: StepContext): void {
    const { method, updateInterval, updating } = this.c;
    const it = ctx.iteration + 1;
    this.sum += trainingStepFlops(method, this.sparseForward, this.denseStep / 3, updateInterval, updating(it));
    this.steps++;
  }

  /** Training FLOPs of the run so far, normalised by dense training of the same number of steps. */
  ratio(): number {
    return this.steps === 0 ? 1 : this.sum / (this.steps * this.denseStep);
  }

  /** Forward FLOPs per sample, dense and with the current masks, and the training FLOPs ratio (SPEC §4). */
  report(): { forward_dense: number; forward_sparse: number; training: number } {
    return { forward_dense: this.forward(true), forward_sparse: this.sparseForward, training: this.ratio() };
  }

  saveState(): FlopState {
    return { flopsSum: this.sum, flopsSteps: this.steps };
  }

  parseState(json: unknown): FlopState {
    return checkedJson(FLOP_STATE, json, 'FLOP counter state');
  }

  loadState(s: FlopState): void {
    this.sum = s.flopsSum;
    this.steps = s.flopsSteps;
  }
}
