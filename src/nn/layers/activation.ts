// Elementwise activations: relu, swish (x·σ(x)) and mish (x·tanh(softplus x)). `kind` may be changed on a
// built network (the "AT" tweak of SPEC §9 swaps ReLU for swish or mish). Shapes: y, x, dx, dy alike.
import type { Activation as ActivationKind } from '../../kernels/kernels.js';
import { Module } from '../module.js';
import { reuse, type Tensor } from '../tensor.js';

export type { ActivationKind };
export const ACTIVATIONS: readonly ActivationKind[] = ['relu', 'swish', 'mish'];

export class Activation extends Module {
  private x?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;
  private pattern: Float32Array | null = null;

  constructor(public kind: ActivationKind = 'relu') {
    super();
  }

  /** ReLU only: holds the on/off pattern of the last forward's input, so that later passes compute on that linear
   * piece (y = x·[x₀ > 0]): the function whose derivatives autograd takes (nn/hvp.ts withFrozenKinks). */
  freeze(on: boolean): void {
    this.pattern = on && this.kind === 'relu' ? Float32Array.from(this.x!.data, (v) => (v > 0 ? 1 : 0)) : null;
  }

  forward(x: Tensor): Tensor {
    const y = (this.y = reuse(this.y, x.shape));
    if (this.pattern) this.k.mul(y.data, x.data, this.pattern);
    else this.k.activationForward(this.kind, y.data, x.data);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.x!;
    const dx = (this.dx = reuse(this.dx, x.shape));
    if (this.pattern) this.k.mul(dx.data, dy.data, this.pattern);
    else this.k.activationBackward(this.kind, dx.data, dy.data, x.data);
    return dx;
  }
}

export const relu = (): Activation => new Activation('relu');
