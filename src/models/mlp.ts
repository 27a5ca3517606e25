// Fully connected networks: lenet300 (LeNet-300-100, sparse_learning's LeNet_300_100) and mlp-cifar
// (MLP_CIFAR10): flatten, then Linear + ReLU layers named fc1, fc2, …, the last without ReLU.
// Init: PyTorch's defaults. Shapes: x [N, C, H, W] → [N, C·H·W] → … → logits [N, classes].
import { Activation } from '../nn/layers/activation.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { Chain } from '../nn/layers/sequential.js';
import { scaled, type ModelConfig } from './common.js';

export class MLP extends Chain {
  constructor(sizes: number[]) {
    super();
    this.add('flatten', new Flatten());
    for (let i = 1; i < sizes.length; i++) {
      this.add(`fc${i}`, new Linear(sizes[i - 1], sizes[i]));
      if (i < sizes.length - 1) this.add(`relu${i}`, new Activation('relu'));
    }
  }
}

function inputFeatures(c: ModelConfig): number {
  return c.inputShape[0] * c.inputShape[1] * c.inputShape[2];
}

export const lenet300 = (c: ModelConfig): MLP =>
  new MLP([inputFeatures(c), scaled(300, c.width), scaled(100, c.width), c.numClasses]);

export const mlpCifar = (c: ModelConfig): MLP =>
  new MLP([inputFeatures(c), scaled(1024, c.width), scaled(512, c.width), c.numClasses]);
