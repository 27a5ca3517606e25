// The post-activation residual blocks of the CIFAR ResNets: out = relu(branch(x) + shortcut(x)), where the
// shortcut is the identity (an empty Sequential) or `shortcut.0` 1×1 conv + `shortcut.1` BN when the shape
// changes. Shapes: x [N, Cin, H, W] → out [N, Cout, H/stride, W/stride].
// A BasicBlock can carry the two "jump" paths of the AT tweak (SPEC §9, Spending the lottery better §3.1;
// VITA-Group/ToST skip_connection/models/resnet_modified.py), named as there: conv_jump1 (1×1, the block's
// stride) + conv_jump1_bn added before the first activation, conv_jump2 (1×1) + conv_jump2_bn from the first
// activation's output added before the last. Their convs start at the constant 1e-4 and are never pruned.
import { constant } from '../nn/init.js';
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

/** The initial value of every jump-path conv weight (SPEC §9; ToST fills them with 0.0001). */
export const JUMP_INIT = 1e-4;

/** Whether a parameter or buffer name belongs to a jump path of the extra skips (never pruned, new to a ticket
 * found without them). */
export function isJumpPath(name: string): boolean {
  return /(^|\.)conv_jump[12](_bn)?\./.test(name);
}

/** A 1×1 conv (never pruned, weights 1e-4) + BN: one jump path. */
class Jump {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(inPlanes: number, planes: number, stride: number) {
    this.conv = new Conv2d(inPlanes, planes, 1, { stride, bias: false, prunable: false });
    this.conv.weight.init = constant(JUMP_INIT);
    this.bn = new BatchNorm2d(planes);
  }
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x));
  }
  backward(dy: Tensor): Tensor {
    return this.conv.backward(this.bn.backward(dy));
  }
}

/** conv3×3(stride) → BN → ReLU → conv3×3 → BN (expansion 1); with `extraSkips`, the two jump paths:
 * h = act(bn1(conv1 x) + jump1(x)), branch = bn2(conv2 h) + jump2(h). */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu1 = new Activation('relu');
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly jumps: [Jump, Jump] | null = null;
  private s1?: Tensor;
  private s2?: Tensor;
  private dh?: Tensor;
  private dxBranch?: Tensor;

  /** `shortcut`: whether the 1×1 projection exists (callers apply their reference's rule). */
  constructor(inPlanes: number, planes: number, stride: number, shortcut: boolean, extraSkips = false) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu1', this.relu1);
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.addShortcut(inPlanes, planes, stride, shortcut);
    if (extraSkips) {
      // ToST's registration order: conv_jump1, conv_jump2, conv_jump1_bn, conv_jump2_bn.
      const j = (this.jumps = [new Jump(inPlanes, planes, stride), new Jump(planes, planes, 1)]);
      this.registerModule('conv_jump1', j[0].conv);
      this.registerModule('conv_jump2', j[1].conv);
      this.registerModule('conv_jump1_bn', j[0].bn);
      this.registerModule('conv_jump2_bn', j[1].bn);
    }
  }

  protected branchForward(x: Tensor): Tensor {
    const j = this.jumps;
    const h = this.relu1.forward(this.plus('s1', this.bn1.forward(this.conv1.forward(x)), j?.[0].forward(x)));
    return this.plus('s2', this.bn2.forward(this.conv2.forward(h)), j?.[1].forward(h));
  }

  protected branchBackward(dy: Tensor): Tensor {
    const j = this.jumps;
    const dh = this.plus('dh', this.conv2.backward(this.bn2.backward(dy)), j?.[1].backward(dy));
    const ds1 = this.relu1.backward(dh);
    return this.plus('dxBranch', this.conv1.backward(this.bn1.backward(ds1)), j?.[0].backward(ds1));
  }

  /** a + b into this block's own buffer `slot` (a itself without a jump path). */
  private plus(slot: 's1' | 's2' | 'dh' | 'dxBranch', a: Tensor, b: Tensor | undefined): Tensor {
    if (!b) return a;
    const out = (this[slot] = reuse(this[slot], a.shape));
    this.k.add(out.data, a.data, b.data);
    return out;
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
