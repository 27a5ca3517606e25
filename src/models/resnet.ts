// CIFAR ResNets (3×3 stem, stride 1, no max-pool).
// resnet18/34/50: the ResNet of the reference repos (GraNet's resnet_cifar100 / sparse_learning): stem conv1 +
//   bn1, stages layer1..layer4 of 64/128/256/512 planes (strides 1, 2, 2, 2), BasicBlocks [2,2,2,2] /
//   [3,4,6,3] or Bottlenecks [3,4,6,3], a shortcut projection when stride ≠ 1 or channels change, average
//   pool, `classifier` Linear without bias. Init: convs Kaiming-normal fan_out (SPEC §1), BN 1/0, the
//   classifier PyTorch's default.
// resnet20/32: He et al.'s CIFAR ResNet as OpenLTH's cifar_resnet_N (GraNet's ResNet20, Sup-tickets'
//   cifar_resnet_32): stem `conv` + `bn`, `blocks.N` BasicBlocks in three segments of 16/32/64 planes (n = 3 or
//   5 each), projection shortcut where a segment starts (stride 2) or channels change, average pool, `fc`
//   Linear with bias. Init as OpenLTH's kaiming_normal initializer: conv and fc weights
//   kaiming_normal_ (fan_in), BN 1/0, fc bias PyTorch's default.
// Shapes: x [N, 3, 32, 32] → stem [N, c0, 32, 32] → … → [N, C_last, 4 or 8, …] → pool [N, C_last] → [N, classes].
// The average pool is global (identical to the references' fixed 4×4 / 8×8 pool at 32×32 inputs).
// With extraSkips every BasicBlock carries the jump paths of SPEC §9 (residual.ts); their constant init stays.
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pool.js';
import { Chain, Sequential } from '../nn/layers/sequential.js';
import { initConvWeights, initLinears, kaimingFanIn, kaimingFanOut, scaled, type ModelConfig } from './common.js';
import { BasicBlock, Bottleneck } from './residual.js';

type BlockKind = typeof BasicBlock | typeof Bottleneck;

export class ResNet extends Chain {
  constructor(block: BlockKind, numBlocks: number[], c: ModelConfig) {
    super();
    const stem = scaled(64, c.width);
    this.add('conv1', new Conv2d(c.inputShape[0], stem, 3, { padding: 1, bias: false }));
    this.add('bn1', new BatchNorm2d(stem));
    this.add('relu', new Activation('relu'));
    let inPlanes = stem;
    [64, 128, 256, 512].forEach((planes, stage) => {
      const p = scaled(planes, c.width);
      const layer = new Sequential();
      for (let i = 0; i < numBlocks[stage]; i++) {
        const stride = i === 0 && stage > 0 ? 2 : 1;
        const shortcut = stride !== 1 || inPlanes !== block.expansion * p;
        layer.append(
          block === BasicBlock
            ? new BasicBlock(inPlanes, p, stride, shortcut, c.extraSkips)
            : new Bottleneck(inPlanes, p, stride, shortcut),
        );
        inPlanes = block.expansion * p;
      }
      this.add(`layer${stage + 1}`, layer);
    });
    this.add('pool', new GlobalAvgPool2d());
    this.add('flatten', new Flatten());
    this.add('classifier', new Linear(inPlanes, c.numClasses, { bias: false }));
    initConvWeights(this, kaimingFanOut);
  }
}

export class CifarResNet extends Chain {
  constructor(depth: number, c: ModelConfig) {
    super();
    const n = (depth - 2) / 6;
    const planes = [16, 32, 64].map((p) => scaled(p, c.width));
    this.add('conv', new Conv2d(c.inputShape[0], planes[0], 3, { padding: 1, bias: false }));
    this.add('bn', new BatchNorm2d(planes[0]));
    this.add('relu', new Activation('relu'));
    const blocks = new Sequential();
    let current = planes[0];
    planes.forEach((p, segment) => {
      for (let i = 0; i < n; i++) {
        const downsample = segment > 0 && i === 0;
        blocks.append(new BasicBlock(current, p, downsample ? 2 : 1, downsample || current !== p, c.extraSkips));
        current = p;
      }
    });
    this.add('blocks', blocks);
    this.add('pool', new GlobalAvgPool2d());
    this.add('flatten', new Flatten());
    this.add('fc', new Linear(current, c.numClasses));
    initConvWeights(this, kaimingFanIn);
    initLinears(this, kaimingFanIn, null);
  }
}
