// wrn-D-K: Zagoruyko & Komodakis' pre-activation WideResNet as sparse_learning's WideResNet: conv1 (16),
// three NetworkBlocks block1..3 of n = (D−4)/6 blocks with 16K, 32K, 64K planes (strides 1, 2, 2), then
// bn1 → ReLU → average pool → fc. Init as the reference: convs N(0, 2/(k²·out)) (Kaiming-normal fan_out),
// BN 1/0, fc bias 0 and fc weight PyTorch's default.
// Shapes: x [N, 3, 32, 32] → [N, 16, 32, 32] → [N, 16K, 32, 32] → [N, 32K, 16, 16] → [N, 64K, 8, 8]
// → pool [N, 64K] → [N, classes]. The pool is global (the reference's avg_pool2d(8) at 32×32 inputs).
import { constant } from '../nn/init.js';
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Dropout } from '../nn/layers/dropout.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pool.js';
import { Chain, Sequential } from '../nn/layers/sequential.js';
import { Module } from '../nn/module.js';
import { reuse, type Tensor } from '../nn/tensor.js';
import { initConvWeights, initLinears, kaimingFanOut, scaled, type ModelConfig } from './common.js';

/**
 * Pre-activation block: a = relu(bn1(x)); y = conv2(dropout(relu(bn2(conv1(a))))) + r, where r = x when
 * in = out (and stride 1), else r = convShortcut(a) — the projection sees the activated input.
 */
export class WideBlock extends Module {
  readonly bn1: BatchNorm2d;
  readonly relu1 = new Activation('relu');
  readonly conv1: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly relu2 = new Activation('relu');
  readonly dropout: Dropout;
  readonly conv2: Conv2d;
  readonly convShortcut: Conv2d | null;
  private x?: Tensor;
  private y?: Tensor;
  private da?: Tensor;
  private dx?: Tensor;

  constructor(inPlanes: number, outPlanes: number, stride: number, dropRate: number) {
    super();
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(inPlanes));
    this.registerModule('relu1', this.relu1);
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outPlanes));
    this.registerModule('relu2', this.relu2);
    this.dropout = this.registerModule('dropout', new Dropout(dropRate));
    this.conv2 = this.registerModule('conv2', new Conv2d(outPlanes, outPlanes, 3, { padding: 1, bias: false }));
    const equalInOut = inPlanes === outPlanes && stride === 1;
    this.convShortcut = equalInOut
      ? null
      : this.registerModule('convShortcut', new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false }));
  }

  forward(x: Tensor): Tensor {
    const a = this.relu1.forward(this.bn1.forward(x));
    let h = this.relu2.forward(this.bn2.forward(this.conv1.forward(a)));
    h = this.conv2.forward(this.dropout.forward(h));
    const r = this.convShortcut ? this.convShortcut.forward(a) : x;
    const y = (this.y = reuse(this.y, h.shape));
    this.k.add(y.data, h.data, r.data);
    this.x = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const dh = this.relu2.backward(this.dropout.backward(this.conv2.backward(dy)));
    const daBranch = this.conv1.backward(this.bn2.backward(dh));
    if (this.convShortcut) {
      const da = (this.da = reuse(this.da, daBranch.shape));
      this.k.add(da.data, daBranch.data, this.convShortcut.backward(dy).data);
      return this.bn1.backward(this.relu1.backward(da));
    }
    const dxBranch = this.bn1.backward(this.relu1.backward(daBranch));
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.k.add(dx.data, dxBranch.data, dy.data);
    return dx;
  }
}

/** A stage of WideBlocks, held as `layer` (names block1.layer.0.*). */
class NetworkBlock extends Chain {
  constructor(n: number, inPlanes: number, outPlanes: number, stride: number, dropRate: number) {
    super();
    const layer = new Sequential();
    for (let i = 0; i < n; i++)
      layer.append(new WideBlock(i === 0 ? inPlanes : outPlanes, outPlanes, i === 0 ? stride : 1, dropRate));
    this.add('layer', layer);
  }
}

export class WideResNet extends Chain {
  constructor(depth: number, widenFactor: number, c: ModelConfig) {
    super();
    if ((depth - 4) % 6 !== 0 || depth < 10)
      throw new Error(`wrn-${depth}-${widenFactor}: depth must be 6n+4 with n ≥ 1`);
    const n = (depth - 4) / 6;
    const ch = [16, 16 * widenFactor, 32 * widenFactor, 64 * widenFactor].map((v) => scaled(v, c.width));
    this.add('conv1', new Conv2d(c.inputShape[0], ch[0], 3, { padding: 1, bias: false }));
    this.add('block1', new NetworkBlock(n, ch[0], ch[1], 1, c.dropout));
    this.add('block2', new NetworkBlock(n, ch[1], ch[2], 2, c.dropout));
    this.add('block3', new NetworkBlock(n, ch[2], ch[3], 2, c.dropout));
    this.add('bn1', new BatchNorm2d(ch[3]));
    this.add('relu', new Activation('relu'));
    this.add('pool', new GlobalAvgPool2d());
    this.add('flatten', new Flatten());
    this.add('fc', new Linear(ch[3], c.numClasses));
    initConvWeights(this, kaimingFanOut);
    initLinears(this, null, constant(0));
  }
}
