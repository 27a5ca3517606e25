// lenet5: Caffe's LeNet-5 as sparse_learning's LeNet_5_Caffe — conv1 5×5 (no padding) → ReLU → max-pool 2 →
// conv2 5×5 → ReLU → max-pool 2 → fc3 → ReLU → fc4. Init: PyTorch's defaults.
// Shapes (MNIST): x [N, 1, 28, 28] → [N, 20, 24, 24] → [N, 20, 12, 12] → [N, 50, 8, 8] → [N, 50, 4, 4]
// → [N, 800] → [N, 500] → [N, classes].
import { Activation } from '../nn/layers/activation.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pool.js';
import { Chain } from '../nn/layers/sequential.js';
import { InputTooSmallError, scaled, type ModelConfig } from './common.js';

export class LeNet5 extends Chain {
  constructor(c: ModelConfig) {
    super();
    const [channels, h, w] = c.inputShape;
    const c1 = scaled(20, c.width);
    const c2 = scaled(50, c.width);
    const side = (n: number) => Math.floor((Math.floor((n - 4) / 2) - 4) / 2);
    if (side(h) < 1 || side(w) < 1) throw new InputTooSmallError('lenet5', [h, w], [16, 16]);
    this.add('conv1', new Conv2d(channels, c1, 5));
    this.add('relu1', new Activation('relu'));
    this.add('pool1', new MaxPool2d(2));
    this.add('conv2', new Conv2d(c1, c2, 5));
    this.add('relu2', new Activation('relu'));
    this.add('pool2', new MaxPool2d(2));
    this.add('flatten', new Flatten());
    this.add('fc3', new Linear(c2 * side(h) * side(w), scaled(500, c.width)));
    this.add('relu3', new Activation('relu'));
    this.add('fc4', new Linear(scaled(500, c.width), c.numClasses));
  }
}
