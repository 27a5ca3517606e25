// The post-activation residual blocks of the CIFAR ResNets: out = relu(branch(x) + shortcut(x)), where the
// shortcut is the identity (an empty Sequential) or `shortcut.0` 1×1 conv + `shortcut.1` BN when the shape
// changes. Shapes: x [N, Cin, H, W] → out [N, Cout, H/stride, W/stride].
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Sequential } from '../nn/layers/sequential.js';
import { Module } from '../nn/module.js';
import { reuse, type Tensor } from '../nn/tensor.js';

/** branch(x) + shortcut(x), then ReLU; the subclass registers its branch layers, then calls addShortcut. */
abstract class ResidualBlock extends Module {
  shortcut!: Sequential;
  readonly relu = new Activation('relu');
  private x?: Tensor;
  private sum?: Tensor;
  private dx?: Tensor;

  protected abstract branchForward(x: Tensor): Tensor;
  protected abstract branchBackward(dy: Tensor): Tensor;

  protected addShortcut(inChannels: number, outChannels: number, stride: number, needed: boolean): void {
    this.shortcut = this.registerModule('shortcut', new Sequential());
    if (needed) {
      this.shortcut.append(new Conv2d(inChannels, outChannels, 1, { stride, bias: false }));
      this.shortcut.append(new BatchNorm2d(outChannels));
    }
    this.registerModule('relu', this.relu);
  }

  forward(x: Tensor): Tensor {
    const b = this.branchForward(x);
    const s = this.shortcut.forward(x);
    if (b.data.length !== s.data.length) {
      throw new Error(`residual block: branch [${b.shape}] and shortcut [${s.shape}] differ`);
    }
    const sum = (this.sum = reuse(this.sum, b.shape));
    this.k.add(sum.data, b.data, s.data);
    this.x = x;
    return this.relu.forward(sum);
  }

  backward(dy: Tensor): Tensor {
    const dsum = this.relu.backward(dy);
    const dxBranch = this.branchBackward(dsum);
    const dxShortcut = this.shortcut.backward(dsum);
    const dx = (this.dx = reuse(this.dx, this.x!.shape));
    this.k.add(dx.data, dxBranch.data, dxShortcut.data);
    return dx;
  }
}

/** conv3×3(stride) → BN → ReLU → conv3×3 → BN (expansion 1). */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu1 = new Activation('relu');
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;

  /** `shortcut`: whether the 1×1 projection exists (callers apply their reference's rule). */
  constructor(inPlanes: number, planes: number, stride: number, shortcut: boolean) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu1', this.relu1);
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.addShortcut(inPlanes, planes, stride, shortcut);
  }

  protected branchForward(x: Tensor): Tensor {
    const h = this.relu1.forward(this.bn1.forward(this.conv1.forward(x)));
    return this.bn2.forward(this.conv2.forward(h));
  }

  protected branchBackward(dy: Tensor): Tensor {
    const dh = this.relu1.backward(this.conv2.backward(this.bn2.backward(dy)));
    return this.conv1.backward(this.bn1.backward(dh));
  }
}

/** conv1×1 → BN → ReLU → conv3×3(stride) → BN → ReLU → conv1×1 (×4 channels) → BN. */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu1 = new Activation('relu');
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly relu2 = new Activation('relu');
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;

  constructor(inPlanes: number, planes: number, stride: number, shortcut: boolean) {
    super();
    const out = Bottleneck.expansion * planes;
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 1, { bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu1', this.relu1);
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.registerModule('relu2', this.relu2);
    this.conv3 = this.registerModule('conv3', new Conv2d(planes, out, 1, { bias: false }));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(out));
    this.addShortcut(inPlanes, out, stride, shortcut);
  }

  protected branchForward(x: Tensor): Tensor {
    let h = this.relu1.forward(this.bn1.forward(this.conv1.forward(x)));
    h = this.relu2.forward(this.bn2.forward(this.conv2.forward(h)));
    return this.bn3.forward(this.conv3.forward(h));
  }

  protected branchBackward(dy: Tensor): Tensor {
    let dh = this.relu2.backward(this.conv3.backward(this.bn3.backward(dy)));
    dh = this.relu1.backward(this.conv2.backward(this.bn2.backward(dh)));
    return this.conv1.backward(this.bn1.backward(dh));
  }
}
