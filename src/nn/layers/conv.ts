// Conv2d as torch.nn.Conv2d (square kernel, dilation 1): y = conv(x, W) + b.
// Shapes: x [N, C, H, W], W [K, C/g, R, R], b [K], y [N, K, OH, OW].
// A compressed weight (Parameter.csr, truly sparse execution; groups 1) runs the sparse convolution kernels,
// which lower the input with im2col and multiply by the CSR weight [K, C·R·R].
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
  /** Whether sparse methods and pruning may mask the weight (default true; the jump paths of SPEC §9 are never
   * pruned). */
  prunable?: boolean;
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
  private dy?: Tensor;
  private dySlice?: Float32Array;

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
    this.weight = this.registerParameter('weight', new Parameter(shape, init, options.prunable ?? true));
    this.bias = options.bias === false ? null : this.registerParameter('bias', new Parameter([outChannels], init));
  }

  /** The output shape [N, K, OH, OW] for an input shape [N, C, H, W]. */
  outputShape(inShape: readonly number[]): number[] {
    const [N, , H, W] = inShape;
    const OH = outSize(H, this.kernelSize, this.stride, this.padding);
    const OW = outSize(W, this.kernelSize, this.stride, this.padding);
    return [N, this.outChannels, OH, OW];
  }

  /** The input of the last forward (what the execution planner times the layer on). */
  get lastInput(): Tensor | undefined {
    return this.x;
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
    const bias = this.bias ? this.bias.data : null;
    const csr = this.weight.csr;
    if (csr) this.k.sparseConv2dForward(y.data, x.data, csr, bias, this.s);
    else this.k.conv2dForward(y.data, x.data, this.weight.data, bias, this.s);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const s = this.s!;
    const dbias = this.bias ? this.bias.grad : null;
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.dy = dy;
    const csr = this.weight.csr;
    if (csr) {
      this.k.sparseConv2dBackward(dx.data, this.weight.grad, dbias, dy.data, this.x!.data, csr, this.weight.csc, s);
      return dx;
    }
    // dW += corr(x, dy); db += Σ dy; dx = convᵀ(dy, W)
    this.k.conv2dBackwardWeight(this.weight.grad, dbias, dy.data, this.x!.data, s);
    this.k.conv2dBackwardInput(dx.data, dy.data, this.weight.data, s);
    return dx;
  }

  /**
   * Rows [r0, r1) (output channels) of the DENSE weight gradient of the last backward, into out [(r1−r0)·C·R·R]
   * (overwritten, exactly that long): what RigL's growth needs of a weight that runs compressed, computed a block of rows at a time.
   */
  weightGradientRows(r0: number, r1: number, out: Float32Array): void {
    const s = this.s!;
    const dy = this.dy!.data;
    const rows = r1 - r0;
    if (this.groups !== 1) throw new Error('Conv2d.weightGradientRows: grouped convolutions are not supported');
    const P = (dy.length / s.N / s.K) | 0;
    let slice = dy;
    if (rows !== s.K) {
      // dy[:, r0:r1] made contiguous: [N, rows, OH, OW]
      slice = this.dySlice = this.dySlice?.length === s.N * rows * P ? this.dySlice : new Float32Array(s.N * rows * P);
      for (let n = 0; n < s.N; n++) slice.set(dy.subarray((n * s.K + r0) * P, (n * s.K + r1) * P), n * rows * P);
    }
    out.fill(0);
    this.k.conv2dBackwardWeight(out, null, slice, this.x!.data, { ...s, K: rows });
  }
}
