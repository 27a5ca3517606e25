// SNIP's start (Lee et al. 2019; SPEC §4) as a hook: before the first step, |g·w| of the dense network on that step's
// batch chooses the masks (snip.ts), which then stay fixed. Until then the weights stay whole.
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Hook, StepContext } from '../train/hooks.js';
import { prunableParams } from './layers.js';
import type { Masks } from './masks.js';
import { snipMasks } from './snip.js';

export interface SnipContext {
  model: Module;
  kernels: Kernels;
  masks: Masks;
  /** The layer densities the selection keeps, and whether per layer or over all layers together. */
  densities: Map<string, number>;
  pruning: 'layerwise' | 'global';
  /** Its per-parameter buffers are masked with the weights. */
  optimizer: Optimizer;
  /** The scoring pass was one dense step, and the masks changed. */
  selected: () => void;
}

export class SnipStart implements Hook {
  readonly name = 'snip';

  constructor(
    private readonly c: SnipContext,
    /** Whether the selection is still to come (false when a resumed run made it already). */
    public pending = true,
  ) {}

  beforeStep(ctx: StepContext): void {
    if (!this.pending) return;
    const { model, masks } = this.c;
    model.zeroGrad();
    const logits = model.forward({ data: ctx.batch.x, shape: ctx.batch.shape });
    const { dlogits } = ctx.trainer.o.loss.compute(logits, ctx.batch.y, ctx);
    model.backward(dlogits);
    const chosen = snipMasks(
      prunableParams(model.namedParameters()).map(([name, p]) => ({ name, weight: p.data, grad: p.grad })),
      this.c.densities,
      this.c.pruning,
    );
    for (const l of masks.layers) l.mask!.set(chosen.get(l.name)!);
    model.zeroGrad();
    masks.maskWeights(this.c.kernels, (name) => this.c.optimizer.buffers(name));
    this.pending = false;
    this.c.selected();
  }
}
