// Linear: y = x·Wᵀ + b, as torch.nn.Linear (weight [out, in]).
// Shapes: x [N, in], W [out, in], b [out], y [N, out].
// A compressed weight (Parameter.csr, truly sparse execution) runs the sparse kernels on feature-major
// activations: Yᵀ = W·Xᵀ forward, dXᵀ = Wᵀ·dYᵀ and the weight gradient at W's nonzeros only (SDDMM) backward.
import { torchDefault } from '../init.js';
import { Module, Parameter } from '../module.js';
import { expectShape, reuse, type Tensor } from '../tensor.js';

export interface LinearOptions {
  bias?: boolean;
}

export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private x?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;
  private dy?: Tensor;
  /** Feature-major copies for the sparse kernels: Xᵀ [in, N], and Yᵀ / dYᵀ [out, N], dXᵀ [in, N]. */
  private xt?: Tensor;
  private yt?: Tensor;
  private dxt?: Tensor;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const init = torchDefault(inFeatures);
    this.weight = this.registerParameter('weight', new Parameter([outFeatures, inFeatures], init, true));
    this.bias = options.bias === false ? null : this.registerParameter('bias', new Parameter([outFeatures], init));
  }

  /** The input of the last forward (what the execution planner times the layer on). */
  get lastInput(): Tensor | undefined {
    return this.x;
  }

  forward(x: Tensor): Tensor {
    expectShape('Linear', x.shape, 2, { 1: this.inFeatures });
    const [N] = x.shape;
    const I = this.inFeatures;
    const O = this.outFeatures;
    const y = (this.y = reuse(this.y, [N, O]));
    const W = this.weight.csr;
    if (W) {
      const xt = (this.xt = reuse(this.xt, [I, N]));
      const yt = (this.yt = reuse(this.yt, [O, N]));
      this.k.transpose(xt.data, x.data, N, I);
      this.k.spmm(yt.data, W, xt.data, N, 0);
      this.k.transpose(y.data, yt.data, O, N);
    } else {
      this.k.sgemm(false, true, N, O, I, 1, x.data, 0, I, this.weight.data, 0, I, 0, y.data, 0, O);
    }
    if (this.bias) this.k.addBiasRows(y.data, this.bias.data, N, O);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.x!;
    const [N] = x.shape;
    const I = this.inFeatures;
    const O = this.outFeatures;
    if (this.bias) this.k.sumRows(this.bias.grad, dy.data, N, O);
    const dx = (this.dx = reuse(this.dx, [N, I]));
    this.dy = dy;
    const W = this.weight.csr;
    if (W) {
      // dW[j] += Σ_n dYᵀ[r, n]·Xᵀ[c, n] at the nonzeros j = (r, c);  dXᵀ[I, N] = Wᵀ·dYᵀ
      const dyt = (this.yt = reuse(this.yt, [O, N]));
      const dxt = (this.dxt = reuse(this.dxt, [I, N]));
      this.k.transpose(dyt.data, dy.data, N, O);
      this.k.sddmm(this.weight.grad, W, dyt.data, this.xt!.data, N);
      this.k.spmmT(dxt.data, W, this.weight.csc, dyt.data, N);
      this.k.transpose(dx.data, dxt.data, I, N);
      return dx;
    }
    // dW[O, I] += dYᵀ[O, N] · X[N, I];  db[O] += Σ_N dY;  dX[N, I] = dY[N, O] · W[O, I]
    this.k.sgemm(true, false, O, I, N, 1, dy.data, 0, O, x.data, 0, I, 1, this.weight.grad, 0, I);
    this.k.sgemm(false, false, N, I, O, 1, dy.data, 0, O, this.weight.data, 0, I, 0, dx.data, 0, I);
    return dx;
  }

  /**
   * Rows [r0, r1) of the DENSE weight gradient of the last backward, dYᵀ[r0:r1, N]·X[N, I], into out [(r1−r0)·I]
   * (overwritten): what RigL's growth needs of a weight that runs compressed, computed a block of rows at a time.
   */
  weightGradientRows(r0: number, r1: number, out: Float32Array): void {
    const N = this.x!.shape[0];
    const I = this.inFeatures;
    const O = this.outFeatures;
    this.k.sgemm(true, false, r1 - r0, I, N, 1, this.dy!.data, r0, O, this.x!.data, 0, I, 0, out, 0, I);
  }
}
