// Linear: y = x·Wᵀ + b, as torch.nn.Linear (weight [out, in]).
// Shapes: x [N, in], W [out, in], b [out], y [N, out].
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

  forward(x: Tensor): Tensor {
    expectShape('Linear', x.shape, 2, { 1: this.inFeatures });
    const [N] = x.shape;
    const I = this.inFeatures;
    const O = this.outFeatures;
    const y = (this.y = reuse(this.y, [N, O]));
    this.k.sgemm(false, true, N, O, I, 1, x.data, 0, I, this.weight.data, 0, I, 0, y.data, 0, O);
    if (this.bias) this.k.addBiasRows(y.data, this.bias.data, N, O);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const x = this.x!;
    const [N] = x.shape;
    const I = this.inFeatures;
    const O = this.outFeatures;
    // dW[O, I] += dYᵀ[O, N] · X[N, I];  db[O] += Σ_N dY;  dX[N, I] = dY[N, O] · W[O, I]
    this.k.sgemm(true, false, O, I, N, 1, dy.data, 0, O, x.data, 0, I, 1, this.weight.grad, 0, I);
    if (this.bias) this.k.sumRows(this.bias.grad, dy.data, N, O);
    const dx = (this.dx = reuse(this.dx, [N, I]));
    this.k.sgemm(false, false, N, I, O, 1, dy.data, 0, O, this.weight.data, 0, I, 0, dx.data, 0, I);
    return dx;
  }
}
