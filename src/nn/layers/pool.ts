// Pooling as torch.nn: MaxPool2d, AvgPool2d (count_include_pad, floor mode) and the global average pool
// AdaptiveAvgPool2d(1). Shapes: x [N, C, H, W], y [N, C, OH, OW] ([N, C, 1, 1] for the global pool).
import type { PoolShape } from '../../kernels/kernels.js';
import { outSize } from '../../kernels/kernels.js';
import { Module } from '../module.js';
import { expectShape, reuse, type Tensor } from '../tensor.js';

abstract class Pool2d extends Module {
  readonly stride: number;
  protected x?: Tensor;
  protected s?: PoolShape;
  protected y?: Tensor;
  protected dx?: Tensor;

  constructor(
    readonly kernelSize: number,
    stride?: number,
    readonly padding = 0,
  ) {
    super();
    this.stride = stride ?? kernelSize;
  }

  /** Records the geometry of x and returns the (reused) output buffer. */
  protected prepare(what: string, x: Tensor): Tensor {
    expectShape(what, x.shape, 4);
    const [N, C, H, W] = x.shape;
    const [k, st, p] = [this.kernelSize, this.stride, this.padding];
    const OH = outSize(H, k, st, p);
    const OW = outSize(W, k, st, p);
    if (OH < 1 || OW < 1) throw new Error(`${what}: input [${x.shape}] is smaller than the ${k}×${k} window`);
    this.s = { N, C, H, W, kH: k, kW: k, strideH: st, strideW: st, padH: p, padW: p };
    this.x = x;
    return (this.y = reuse(this.y, [N, C, OH, OW]));
  }
}

export class MaxPool2d extends Pool2d {
  private argmaxStore = new Int32Array(0);
  private argmax = this.argmaxStore;
  private frozen = false;

  /** Holds the last forward's argmax (the window's chosen input, argmax = h·W + w within its plane), so that later
   * passes compute on that piece: y = x[argmax] (nn/hvp.ts withFrozenKinks). */
  freeze(on: boolean): void {
    this.frozen = on;
  }

  forward(x: Tensor): Tensor {
    if (this.frozen) return this.gather(x);
    const y = this.prepare('MaxPool2d', x);
    if (this.argmaxStore.length < y.data.length) this.argmaxStore = new Int32Array(y.data.length);
    this.argmax = this.argmaxStore.subarray(0, y.data.length);
    this.k.maxPool2dForward(y.data, this.argmax, x.data, this.s!);
    return y;
  }

  private gather(x: Tensor): Tensor {
    const y = this.prepare('MaxPool2d', x);
    const { H, W } = this.s!;
    const per = y.data.length / (y.shape[0] * y.shape[1]);
    for (let o = 0; o < y.data.length; o++) y.data[o] = x.data[Math.floor(o / per) * H * W + this.argmax[o]];
    return y;
  }

  backward(dy: Tensor): Tensor {
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.k.maxPool2dBackward(dx.data, dy.data, this.argmax, this.s!);
    return dx;
  }
}

export class AvgPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    const y = this.prepare('AvgPool2d', x);
    this.k.avgPool2dForward(y.data, x.data, this.s!);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.k.avgPool2dBackward(dx.data, dy.data, this.s!);
    return dx;
  }
}

/** AdaptiveAvgPool2d(1): the mean over each channel's plane. */
export class GlobalAvgPool2d extends Module {
  private inShape: number[] = [];
  private y?: Tensor;
  private dx?: Tensor;

  forward(x: Tensor): Tensor {
    expectShape('GlobalAvgPool2d', x.shape, 4);
    const [N, C, H, W] = x.shape;
    this.inShape = [...x.shape];
    const y = (this.y = reuse(this.y, [N, C, 1, 1]));
    this.k.globalAvgPoolForward(y.data, x.data, N, C, H * W);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const [N, C, H, W] = this.inShape;
    const dx = (this.dx = reuse(this.dx, this.inShape));
    this.k.globalAvgPoolBackward(dx.data, dy.data, N, C, H * W);
    return dx;
  }
}
