// Chains of modules. `Chain` runs its children in registration order (backward in reverse) under names
// the subclass chooses — the shape of most zoo networks, whose PyTorch forward is a straight line of named
// submodules. `Sequential` is the numbered chain ('0', '1', …); an empty one is the identity (PyTorch's
// idiom for a residual block's parameter-free shortcut).
import { Module } from '../module.js';
import type { Tensor } from '../tensor.js';

export class Chain extends Module {
  private readonly steps: Module[] = [];

  protected add<M extends Module>(name: string, m: M): M {
    this.registerModule(name, m);
    this.steps.push(m);
    return m;
  }

  get length(): number {
    return this.steps.length;
  }

  at(i: number): Module {
    return this.steps[i];
  }

  forward(x: Tensor): Tensor {
    for (const m of this.steps) x = m.forward(x);
    return x;
  }

  backward(dy: Tensor): Tensor {
    for (let i = this.steps.length - 1; i >= 0; i--) dy = this.steps[i].backward(dy);
    return dy;
  }
}

export class Sequential extends Chain {
  constructor(...layers: Module[]) {
    super();
    for (const m of layers) this.append(m);
  }

  append(m: Module): this {
    this.add(String(this.length), m);
    return this;
  }
}
