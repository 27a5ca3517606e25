// VGG networks for 32×32 inputs.
// vgg16: the "VGG-like" of SNIP / sparse_learning (VGG16('like')): 13 × [Conv 3×3 pad 1 with bias, BN, ReLU]
//   with 5 max-pools, then classifier Linear 512→512, ReLU, BatchNorm1d(512), Linear 512→C. Names
//   features.N.*, classifier.N.*. Init: PyTorch's defaults.
// vgg19: OpenLTH/GraNet's VGG(depth=19): 16 × [Conv 3×3 pad 1 without bias, BN, ReLU] with 4 max-pools, then
//   a 2×2 average pool and Linear 512→C. Names feature.N.*, classifier.*. Init as its weights_init:
//   convs Kaiming-normal fan_out, Linear N(0, 0.01) with zero bias, BN 1/0.
// Shapes (vgg16): x [N, 3, 32, 32] → features [N, 512, 1, 1] → [N, 512] → logits [N, C].
// The final pool of vgg19 is global here (identical on its 2×2 map at 32×32 inputs).
import { constant, normal } from '../nn/init.js';
import { Activation } from '../nn/layers/activation.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten } from '../nn/layers/flatten.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d, MaxPool2d } from '../nn/layers/pool.js';
import { Chain, Sequential } from '../nn/layers/sequential.js';
import { InputTooSmallError, initConvWeights, initLinears, kaimingFanOut, scaled, type ModelConfig } from './common.js';

type VggConfig = (number | 'M')[];

// prettier-ignore
const VGG16_LIKE_CFG: VggConfig = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];
// prettier-ignore
const VGG19_CFG: VggConfig = [
  64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512,
];

/** [Conv, BN, ReLU] per number, MaxPool2d(2) per 'M'; returns the layers and the output channels. */
function convLayers(cfg: VggConfig, inChannels: number, width: number, bias: boolean): [Sequential, number] {
  const seq = new Sequential();
  let c = inChannels;
  for (const v of cfg) {
    if (v === 'M') {
      seq.append(new MaxPool2d(2));
      continue;
    }
    const out = scaled(v, width);
    seq.append(new Conv2d(c, out, 3, { padding: 1, bias }));
    seq.append(new BatchNorm2d(out));
    seq.append(new Activation('relu'));
    c = out;
  }
  return [seq, c];
}

export class VGG16 extends Chain {
  constructor(c: ModelConfig) {
    super();
    const [channels, h, w] = c.inputShape;
    const [features, out] = convLayers(VGG16_LIKE_CFG, channels, c.width, true);
    const side = (n: number) => Math.floor(n / 32); // five 2×2 max-pools
    if (side(h) < 1 || side(w) < 1) throw new InputTooSmallError('vgg16', [h, w], [32, 32]);
    const hidden = scaled(512, c.width);
    this.add('features', features);
    this.add('flatten', new Flatten());
    this.add(
      'classifier',
      new Sequential(
        new Linear(out * side(h) * side(w), hidden),
        new Activation('relu'),
        new BatchNorm1d(hidden),
        new Linear(hidden, c.numClasses),
      ),
    );
  }
}

export class VGG19 extends Chain {
  constructor(c: ModelConfig) {
    super();
    const [feature, out] = convLayers(VGG19_CFG, c.inputShape[0], c.width, false);
    this.add('feature', feature);
    this.add('pool', new GlobalAvgPool2d());
    this.add('flatten', new Flatten());
    this.add('classifier', new Linear(out, c.numClasses));
    initConvWeights(this, kaimingFanOut);
    initLinears(this, () => normal(0.01), constant(0));
  }
}
