// Dropout with inverted scaling, as torch.nn.Dropout: in training mode each element is kept with
// probability 1-p and scaled by 1/(1-p); in eval mode (or p = 0) it is the identity. The keep mask comes
// from the module's own counter-based stream, Rng.derive(seed, '<path>#dropout'), set by Module.initialize.
import { Rng } from '../../util/rng.js';
import { Module } from '../module.js';
import { reuse, type Tensor } from '../tensor.js';

export class Dropout extends Module {
  private rng = Rng.derive(0, '#dropout');
  private active = false;
  private mask?: Tensor;
  private y?: Tensor;
  private dx?: Tensor;

  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  protected override reseed(seed: number, path: string): void {
    this.rng = Rng.derive(seed, `${path}#dropout`);
  }

  forward(x: Tensor): Tensor {
    this.active = this.training && this.p > 0;
    if (!this.active) return x;
    const mask = (this.mask = reuse(this.mask, x.shape));
    const keep = 1 / (1 - this.p);
    for (let i = 0; i < mask.data.length; i++) mask.data[i] = this.rng.float() >= this.p ? keep : 0;
    const y = (this.y = reuse(this.y, x.shape));
    this.k.mul(y.data, x.data, mask.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.active) return dy;
    const dx = (this.dx = reuse(this.dx, dy.shape));
    this.k.mul(dx.data, dy.data, this.mask!.data);
    return dx;
  }
}
