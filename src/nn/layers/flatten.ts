// Flatten: [N, ...] → [N, prod(...)], a view of the same buffer (no copy, no kernel).
import { Module } from '../module.js';
import { reshape, type Tensor } from '../tensor.js';

export class Flatten extends Module {
  private inShape: number[] = [];

  forward(x: Tensor): Tensor {
    this.inShape = [...x.shape];
    return reshape(x, [x.shape[0], x.data.length / x.shape[0]]);
  }

  backward(dy: Tensor): Tensor {
    return reshape(dy, this.inShape);
  }
}
