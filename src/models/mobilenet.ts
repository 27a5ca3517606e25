// mobilenet: MobileNet-v1 for 32×32 inputs (the common CIFAR port): conv1 3×3 (32) + bn1 + ReLU, then
// `layers` of depthwise-separable blocks [depthwise 3×3 (stride) + BN + ReLU, pointwise 1×1 + BN + ReLU]
// with planes 64, 128/2, 128, 256/2, 256, 512/2, 512×5, 1024/2, 1024 (/2 = stride 2), average pool,
// `linear` 1024→C. Init: PyTorch's defaults.
// Shapes: x [N, 3, 32, 32] → [N, 32, 32, 32] → … → [N, 1024, 2, 2] → pool [N, 1024] → [N, classes].
// The pool is global (the reference's avg_pool2d(2) at 32×32 inputs).
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pool.js';
import { Chain, Sequential } from '../nn/layers/sequential.js';
import { scaled, type ModelConfig } from './common.js';

/** [planes, stride] of each depthwise-separable block. */
// prettier-ignore
const CFG: [number, number][] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

/** Depthwise 3×3 conv1 (groups = channels) + bn1 + ReLU, then pointwise 1×1 conv2 + bn2 + ReLU. */
export class DepthwiseSeparable extends Chain {
  constructor(inPlanes: number, outPlanes: number, stride: number) {
    super();
    this.add('conv1', new Conv2d(inPlanes, inPlanes, 3, { stride, padding: 1, groups: inPlanes, bias: false }));
    this.add('bn1', new BatchNorm2d(inPlanes));
    this.add('relu1', new Activation('relu'));
    this.add('conv2', new Conv2d(inPlanes, outPlanes, 1, { bias: false }));
    this.add('bn2', new BatchNorm2d(outPlanes));
    this.add('relu2', new Activation('relu'));
  }
}

export class MobileNet extends Chain {
  constructor(c: ModelConfig) {
    super();
    const stem = scaled(32, c.width);
    this.add('conv1', new Conv2d(c.inputShape[0], stem, 3, { padding: 1, bias: false }));
    this.add('bn1', new BatchNorm2d(stem));
    this.add('relu', new Activation('relu'));
    const layers = new Sequential();
    let inPlanes = stem;
    for (const [planes, stride] of CFG) {
      const out = scaled(planes, c.width);
      layers.append(new DepthwiseSeparable(inPlanes, out, stride));
      inPlanes = out;
    }
    this.add('layers', layers);
    this.add('pool', new GlobalAvgPool2d());
    this.add('flatten', new Flatten());
    this.add('linear', new Linear(inPlanes, c.numClasses));
  }
}
