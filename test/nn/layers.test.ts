// Every layer's backward (input gradient and parameter gradients) against central finite differences in
// float64, through the TypeScript reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation } from '../../src/nn/layers/activation.js';
import { BatchNorm1d, BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Flatten } from '../../src/nn/layers/flatten.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { AvgPool2d, GlobalAvgPool2d, MaxPool2d } from '../../src/nn/layers/pool.js';
import { Sequential } from '../../src/nn/layers/sequential.js';
import type { Module } from '../../src/nn/module.js';
import { js, randomArray } from '../helpers.js';
import { gradcheck, randomizeParameters } from './gradcheck.js';

const allParams = (m: Module) => randomizeParameters(m, 7, () => true);

/** Random parameters and running statistics (running_var in [0.5, 1.5]), for eval-mode BatchNorm. */
function randomBatchNorm(m: Module): void {
  allParams(m);
  let s = 11;
  for (const [name, b] of m.namedBuffers()) {
    if (name.endsWith('running_mean')) b.data.set(randomArray(b.data.length, s++, -0.5, 0.5));
    if (name.endsWith('running_var')) b.data.set(randomArray(b.data.length, s++, 0.5, 1.5));
  }
}

test('Linear: dx, dW, db against finite differences', () => {
  gradcheck('Linear', () => new Linear(5, 4), [3, 5], { prepare: allParams });
  gradcheck('Linear without bias', () => new Linear(7, 3, { bias: false }), [2, 7], { prepare: allParams });
});

test('Conv2d: padding, stride, groups, depthwise, 1×1, without bias', () => {
  gradcheck('Conv2d 3×3 pad 1', () => new Conv2d(3, 4, 3, { padding: 1 }), [2, 3, 5, 5], { prepare: allParams });
  gradcheck('Conv2d 3×3 stride 2', () => new Conv2d(2, 3, 3, { stride: 2, bias: false }), [2, 2, 7, 6], {
    prepare: allParams,
  });
  gradcheck('Conv2d groups 2', () => new Conv2d(4, 6, 3, { padding: 1, groups: 2 }), [2, 4, 4, 4], {
    prepare: allParams,
  });
  gradcheck(
    'Conv2d depthwise',
    () => new Conv2d(3, 3, 3, { stride: 2, padding: 1, groups: 3, bias: false }),
    [2, 3, 6, 6],
    {
      prepare: allParams,
    },
  );
  gradcheck('Conv2d 1×1 stride 2', () => new Conv2d(3, 5, 1, { stride: 2 }), [2, 3, 5, 5], { prepare: allParams });
  gradcheck('Conv2d 5×5', () => new Conv2d(1, 2, 5), [2, 1, 8, 8], { prepare: allParams });
});

test('BatchNorm2d and BatchNorm1d: training and eval mode', () => {
  gradcheck('BatchNorm2d train', () => new BatchNorm2d(3), [4, 3, 3, 2], { prepare: allParams });
  gradcheck('BatchNorm2d eval', () => new BatchNorm2d(3), [2, 3, 2, 2], { mode: 'eval', prepare: randomBatchNorm });
  gradcheck('BatchNorm1d train', () => new BatchNorm1d(5), [4, 5], { prepare: allParams });
  gradcheck('BatchNorm1d eval', () => new BatchNorm1d(5), [3, 5], { mode: 'eval', prepare: randomBatchNorm });
});

test('Activation: relu, swish, mish', () => {
  for (const kind of ['relu', 'swish', 'mish'] as const) {
    gradcheck(`Activation ${kind}`, () => new Activation(kind), [2, 3, 4, 4], { samples: 24 });
  }
});

test('MaxPool2d, AvgPool2d, GlobalAvgPool2d', () => {
  gradcheck('MaxPool2d 2', () => new MaxPool2d(2), [2, 3, 6, 6], { samples: 24 });
  gradcheck('MaxPool2d 3 stride 2 pad 1', () => new MaxPool2d(3, 2, 1), [2, 2, 7, 7], { samples: 24 });
  gradcheck('AvgPool2d 2', () => new AvgPool2d(2), [2, 3, 4, 6]);
  gradcheck('AvgPool2d 3 stride 1 pad 1', () => new AvgPool2d(3, 1, 1), [2, 2, 5, 5]);
  gradcheck('GlobalAvgPool2d', () => new GlobalAvgPool2d(), [2, 3, 4, 5]);
});

test('Sequential of conv, BN, ReLU, pool, flatten, linear', () => {
  const build = () =>
    new Sequential(
      new Conv2d(2, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new Activation('relu'),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(4 * 3 * 3, 3),
    );
  gradcheck('Sequential', build, [3, 2, 6, 6], { prepare: allParams });
  const names = build()
    .namedParameters()
    .map(([n]) => n);
  assert.deepEqual(names, ['0.weight', '0.bias', '1.weight', '1.bias', '5.weight', '5.bias']);
});

test('Dropout: inverted scaling in training, identity in eval, same mask forward and backward', () => {
  const d = new Dropout(0.25).useKernels(js).initialize(3);
  const x = { data: randomArray(4000, 1, 0.5, 1.5), shape: [4, 1000] };
  const y = d.forward(x);
  const dy = { data: randomArray(4000, 2), shape: [4, 1000] };
  const dx = d.backward(dy);
  let kept = 0;
  for (let i = 0; i < x.data.length; i++) {
    if (y.data[i] === 0) {
      assert.ok(dx.data[i] === 0, 'dropped in forward, dropped in backward');
    } else {
      kept++;
      assert.ok(Math.abs(y.data[i] - x.data[i] / 0.75) < 1e-6);
      assert.ok(Math.abs(dx.data[i] - dy.data[i] / 0.75) < 1e-6);
    }
  }
  assert.ok(Math.abs(kept / 4000 - 0.75) < 0.03, `kept fraction ${kept / 4000}`);
  const again = new Dropout(0.25).useKernels(js).initialize(3);
  assert.deepEqual(again.forward(x).data, y.data, 'the same seed gives the same mask');
  d.eval();
  assert.equal(d.forward(x), x);
  assert.equal(d.backward(dy), dy);
});

test('layers reject inputs of the wrong shape with a clear message', () => {
  assert.throws(
    () => new Linear(5, 4).useKernels(js).forward({ data: new Float32Array(6), shape: [2, 3] }),
    /Linear: expected an input of shape \[\*, 5\], got \[2, 3\]/,
  );
  assert.throws(
    () => new Conv2d(3, 4, 3).useKernels(js).forward({ data: new Float32Array(8), shape: [2, 4] }),
    /Conv2d: expected/,
  );
  assert.throws(
    () => new BatchNorm2d(3).useKernels(js).forward({ data: new Float32Array(3), shape: [1, 3, 1, 1] }),
    /more than 1 value per channel/,
  );
});
