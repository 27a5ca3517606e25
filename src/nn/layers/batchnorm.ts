// BatchNorm1d / BatchNorm2d as torch.nn (affine, track_running_stats): in training mode normalise with the
// batch statistics and update the running ones (momentum 0.1, unbiased variance); in eval mode use the
// running ones. Shapes: x, y [N, C] (1d) or [N, C, H, W] (2d); weight, bias, running stats [C].
import { constant } from '../init.js';
import { Module, Parameter, StateBuffer } from '../module.js';
import { allocate, expectShape, reuse, type Tensor } from '../tensor.js';

export interface BatchNormOptions {
  /** Weight of the batch statistic in the running update; null = cumulative average (PyTorch's momentum None). */
  momentum?: number | null;
  eps?: number;
}

export abstract class BatchNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: StateBuffer;
  readonly runningVar: StateBuffer;
  readonly numBatchesTracked: StateBuffer;
  momentum: number | null;
  readonly eps: number;
  private x?: Tensor;
  private trainedForward = true;
  private saveMean: Float32Array;
  private saveInvStd: Float32Array;
  private y?: Tensor;
  private dx?: Tensor;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.eps = options.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', new Parameter([numFeatures], constant(1)));
    this.bias = this.registerParameter('bias', new Parameter([numFeatures], constant(0)));
    this.runningMean = this.registerBuffer('running_mean', new StateBuffer([numFeatures], 0));
    this.runningVar = this.registerBuffer('running_var', new StateBuffer([numFeatures], 1));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', new StateBuffer([], 0, true));
    this.saveMean = allocate(numFeatures);
    this.saveInvStd = allocate(numFeatures);
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    const [N, C] = x.shape;
    const HW = x.data.length / (N * C);
    const y = (this.y = reuse(this.y, x.shape));
    if (this.saveMean.length !== C || this.saveMean instanceof Float64Array !== y.data instanceof Float64Array) {
      this.saveMean = allocate(C);
      this.saveInvStd = allocate(C);
    }
    const [gamma, beta, rm, rv] = [this.weight.data, this.bias.data, this.runningMean.data, this.runningVar.data];
    const [mean, invStd, k] = [this.saveMean, this.saveInvStd, this.k];
    if (this.training) {
      if (N * HW < 2) throw new Error(`BatchNorm: training needs more than 1 value per channel, got [${x.shape}]`);
      // momentum null: PyTorch's cumulative moving average, factor 1/num_batches_tracked after the increment.
      const m = this.momentum ?? 1 / (this.numBatchesTracked.data[0] + 1);
      k.batchNormForwardTrain(y.data, mean, invStd, x.data, gamma, beta, rm, rv, N, C, HW, m, this.eps);
      this.numBatchesTracked.data[0] += 1;
    } else {
      k.batchNormForwardEval(y.data, x.data, gamma, beta, rm, rv, N, C, HW, this.eps);
    }
    this.trainedForward = this.training;
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.x!;
    const [N, C] = x.shape;
    const HW = x.data.length / (N * C);
    const dx = (this.dx = reuse(this.dx, x.shape));
    if (this.trainedForward) {
      const [w, mean, invStd] = [this.weight, this.saveMean, this.saveInvStd];
      this.k.batchNormBackward(dx.data, w.grad, this.bias.grad, dy.data, x.data, w.data, mean, invStd, N, C, HW);
    } else {
      this.backwardEval(dx.data, dy.data, x.data, N, C, HW);
    }
    return dx;
  }

  // Eval mode is an affine map per channel: y = γ·(x − μ)/σ + β with the running μ, σ² (used for input
  // gradients of a frozen network, e.g. FGSM). No kernel: it is rare and elementwise.
  private backwardEval(dx: Float32Array, dy: Float32Array, x: Float32Array, N: number, C: number, HW: number): void {
    const [gamma, dgamma, dbeta] = [this.weight.data, this.weight.grad, this.bias.grad];
    for (let c = 0; c < C; c++) {
      const mean = this.runningMean.data[c];
      const invStd = 1 / Math.sqrt(this.runningVar.data[c] + this.eps);
      const scale = gamma[c] * invStd;
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * HW;
        for (let i = base; i < base + HW; i++) {
          sumDy += dy[i];
          sumDyXhat += dy[i] * (x[i] - mean) * invStd;
          dx[i] = dy[i] * scale;
        }
      }
      dgamma[c] += sumDyXhat;
      dbeta[c] += sumDy;
    }
  }
}

export class BatchNorm1d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    expectShape('BatchNorm1d', x.shape, 2, { 1: this.numFeatures });
  }
}

export class BatchNorm2d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    expectShape('BatchNorm2d', x.shape, 4, { 1: this.numFeatures });
  }
}
