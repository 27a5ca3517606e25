// Conv2d as torch.nn.Conv2d (square kernel, dilation 1): y = conv(x, W) + b.
// Shapes: x [N, C, H, W], W [K, C/g, R, R], b [K], y [N, K, OH, OW].
import type { ConvShape } from '../../kernels/kernels.js';
import { outSize } from '../../kernels/kernels.js';
import { torchDefault } from '../init.js';
import { Module, Parameter } from '../module.js';
import { expectShape, reuse, type Tensor } from '../tensor.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  private x?: Tensor;
  private s?: ConvShape;
  private y?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dOptions = {},
  ) {
    super();
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`Conv2d: channels ${inChannels}→${outChannels} are not divisible by groups=${this.groups}`);
    }
    const shape = [outChannels, inChannels / this.groups, kernelSize, kernelSize];
    const init = torchDefault((inChannels / this.groups) * kernelSize * kernelSize);
    this.weight = this.registerParameter('weight', new Parameter(shape, init, true));
    this.bias = options.bias === false ? null : this.registerParameter('bias', new Parameter([outChannels], init));
  }

  /** The output shape [N, K, OH, OW] for an input shape [N, C, H, W]. */
  outputShape(inShape: readonly number[]): number[] {
    const [N, , H, W] = inShape;
    const OH = outSize(H, this.kernelSize, this.stride, this.padding);
    const OW = outSize(W, this.kernelSize, this.stride, this.padding);
    return [N, this.outChannels, OH, OW];
  }

  forward(x: Tensor): Tensor {
    expectShape('Conv2d', x.shape, 4, { 1: this.inChannels });
    const [N, C, H, W] = x.shape;
    const outShape = this.outputShape(x.shape);
    if (outShape[2] < 1 || outShape[3] < 1) {
      throw new Error(`Conv2d: input [${x.shape}] is smaller than the ${this.kernelSize}×${this.kernelSize} kernel`);
    }
    const [K, R, st, pad, groups] = [this.outChannels, this.kernelSize, this.stride, this.padding, this.groups];
    this.s = { N, C, H, W, K, R, S: R, strideH: st, strideW: st, padH: pad, padW: pad, groups };
    const y = (this.y = reuse(this.y, outShape));
    this.k.conv2dForward(y.data, x.data, this.weight.data, this.bias ? this.bias.data : null, this.s);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const s = this.s!;
    // dW += corr(x, dy); db += Σ dy; dx = convᵀ(dy, W)
    this.k.conv2dBackwardWeight(this.weight.grad, this.bias ? this.bias.grad : null, dy.data, this.x!.data, s);
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.k.conv2dBackwardInput(dx.data, dy.data, this.weight.data, s);
    return dx;
  }
}
