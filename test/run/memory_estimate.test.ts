import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMemory, estimateTrainingMemory, type MemoryNeeds } from '../../src/run/memory_estimate.js';
import { createModel } from '../../src/models/index.js';
import { withShapesOnly } from '../../src/nn/tensor.js';
import { UsageError } from '../../src/util/errors.js';

const lenet: MemoryNeeds = {
  model: 'lenet300',
  width: 1,
  numClasses: 10,
  inputShape: [1, 28, 28],
  batch: 100,
  optimizerSlots: 1,
  masks: false,
};

test('a shapes-only model has its parameter shapes and no memory', () => {
  const m = withShapesOnly(() => createModel('vgg16', { width: 50 }));
  assert.ok(m.numParameters() > 3e10, 'vgg16 at width 50 has ~37 billion parameters');
  assert.ok(m.parameters().every((p) => p.data.length === 0));
  assert.equal(createModel('lenet300').parameters()[0].data.length, 784 * 300, 'allocation is back to normal after');
});

test('the estimate counts weights, gradients, optimiser state, masks and the activations of both passes', () => {
  const e = estimateTrainingMemory(lenet)!;
  const params = 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10;
  assert.equal(e.state, 4 * params * 3);
  // Layer outputs per sample at width 0.25 (flatten 784, fc1 75, relu 75, fc2 25, relu 25, fc3 10), scaled
  // to width 1, for the forward and the backward pass.
  assert.equal(e.activations, 4 * 994 * 4 * (100 + 100));
  const masked = estimateTrainingMemory({ ...lenet, masks: true, optimizerSlots: 2 })!;
  assert.equal(masked.state, 4 * (params * 4 + 784 * 300 + 300 * 100 + 100 * 10));
  assert.equal(estimateTrainingMemory({ ...lenet, model: 'vgg16', inputShape: [1, 4, 4] }), undefined);
});

test('checkMemory refuses in one line a run that cannot fit, and lets a small one through', () => {
  assert.doesNotThrow(() => checkMemory('train', lenet));
  assert.throws(
    () => checkMemory('bench', { ...lenet, model: 'vgg16', width: 100, inputShape: [3, 32, 32] }),
    (e: unknown) =>
      e instanceof UsageError &&
      /^bench: vgg16 at width 100 needs at least [\d.]+ GiB .* at batch 100\), but only .* can be allocated \(.*\); lower --width or --batch$/.test(
        e.message,
      ),
  );
});
