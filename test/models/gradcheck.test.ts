// Whole-network backward against finite differences: the residual blocks, then every zoo model at a small
// width, in float64 through the TypeScript reference kernels (training mode, BN parameters randomised).
import { test } from 'node:test';
import { createModel, MODEL_NAMES, modelInputShape } from '../../src/models/index.js';
import { DepthwiseSeparable } from '../../src/models/mobilenet.js';
import { BasicBlock, Bottleneck } from '../../src/models/residual.js';
import { WideBlock } from '../../src/models/wrn.js';
import type { Module } from '../../src/nn/module.js';
import { gradcheck, randomizeParameters } from '../nn/gradcheck.js';

/** BN γ in [0.5, 1.5] and β in [−0.5, 0.5], so that their gradients are exercised away from 1/0. */
const randomBatchNorm = (m: Module) =>
  randomizeParameters(m, 5, (name, p) => p.shape.length === 1 && p.init.kind === 'constant');

test('residual blocks: BasicBlock, Bottleneck, WideBlock, DepthwiseSeparable', () => {
  const o = { prepare: randomBatchNorm };
  gradcheck('BasicBlock identity shortcut', () => new BasicBlock(4, 4, 1, false), [2, 4, 5, 5], o);
  gradcheck('BasicBlock projection, stride 2', () => new BasicBlock(3, 6, 2, true), [2, 3, 6, 6], o);
  gradcheck('Bottleneck projection', () => new Bottleneck(4, 2, 1, true), [2, 4, 4, 4], o);
  gradcheck('Bottleneck identity', () => new Bottleneck(8, 2, 1, false), [2, 8, 3, 3], o);
  gradcheck('Bottleneck stride 2', () => new Bottleneck(8, 3, 2, true), [2, 8, 5, 5], o);
  gradcheck('WideBlock equal in/out', () => new WideBlock(4, 4, 1, 0), [2, 4, 5, 5], o);
  gradcheck('WideBlock convShortcut, stride 2', () => new WideBlock(3, 6, 2, 0), [2, 3, 6, 6], o);
  gradcheck('DepthwiseSeparable stride 2', () => new DepthwiseSeparable(3, 5, 2), [2, 3, 6, 6], o);
});

/** Small widths and, where the architecture allows it, 16×16 inputs keep float64 JS runs fast. */
const SMALL: Record<string, { width: number; input?: [number, number, number] }> = {
  lenet300: { width: 0.1 },
  lenet5: { width: 0.2 },
  'mlp-cifar': { width: 0.02 },
  vgg16: { width: 1 / 16 },
  vgg19: { width: 1 / 16, input: [3, 16, 16] },
  resnet18: { width: 1 / 16, input: [3, 16, 16] },
  resnet34: { width: 1 / 16, input: [3, 16, 16] },
  resnet50: { width: 1 / 16, input: [3, 16, 16] },
  resnet20: { width: 0.25, input: [3, 16, 16] },
  resnet32: { width: 0.25, input: [3, 16, 16] },
  mobilenet: { width: 1 / 8, input: [3, 16, 16] },
  'wrn-16-8': { width: 1 / 16, input: [3, 16, 16] },
  'wrn-28-10': { width: 1 / 32, input: [3, 16, 16] },
};

for (const name of MODEL_NAMES) {
  test(`${name}: backward of the whole network against finite differences`, () => {
    const { width, input } = SMALL[name];
    const inputShape = input ?? modelInputShape(name);
    const build = () => createModel(name, { width, numClasses: 5, inputShape });
    gradcheck(name, build, [3, ...inputShape], { prepare: randomBatchNorm, samples: 3, maxTensors: 12 });
  });
}
