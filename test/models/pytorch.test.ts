// One training step of vgg16 and resnet18 (width 1/8) against PyTorch (test/fixtures, written by
// scripts/make_fixtures.py): logits, loss, every parameter gradient and the updated BatchNorm statistics.
// The native kernels run in float32 (tolerance 1e-4 per tensor); the TypeScript reference kernels run in
// float64 (the reference was computed in float64 and stored as float32, hence 1e-6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../../src/kernels/kernels.js';
import { createModel } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { setPrecision, type Precision } from '../../src/nn/tensor.js';
import { readSafetensors, type SafeTensor, type TensorMap } from '../../src/util/safetensors.js';
import { assertClose, fixturePath, js, native } from '../helpers.js';

interface Fixture {
  state: TensorMap;
  grads: TensorMap;
  after: TensorMap;
  input: SafeTensor;
  target: Int32Array;
  logits: Float32Array;
  loss: number;
  width: number;
  numClasses: number;
}

function loadFixture(model: string): Fixture {
  const { tensors, metadata } = readSafetensors(fixturePath(`${model}.safetensors`));
  const section = (prefix: string): TensorMap =>
    new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  return {
    state: section('state.'),
    grads: section('grad.'),
    after: section('after.'),
    input: tensors.get('input')!,
    target: Int32Array.from(tensors.get('target')!.data as BigInt64Array, Number),
    logits: tensors.get('logits')!.data as Float32Array,
    loss: (tensors.get('loss')!.data as Float64Array)[0],
    width: Number(metadata.width),
    numClasses: Number(metadata.num_classes),
  };
}

function trainingStepMatchesPyTorch(model: string, k: Kernels, precision: Precision, tol: number): void {
  const f = loadFixture(model);
  setPrecision(precision);
  try {
    const net = createModel(model, { width: f.width, numClasses: f.numClasses }).useKernels(k).train();
    net.loadStateDict(f.state);
    net.zeroGrad();
    const input = f.input.data as Float32Array;
    const x = precision === 'f64' ? (Float64Array.from(input) as unknown as Float32Array) : input;
    const logits = net.forward({ data: x, shape: f.input.shape });
    const { loss, dlogits } = new CrossEntropyLoss(0, k).compute(logits, f.target);
    net.backward(dlogits);

    assertClose(logits.data, f.logits, tol, `${model} logits`);
    assert.ok(Math.abs(loss - f.loss) <= tol * Math.abs(f.loss), `${model} loss ${loss} vs PyTorch ${f.loss}`);

    const params = net.namedParameters();
    assert.deepEqual(
      params.map(([n]) => n),
      [...f.grads.keys()],
      'the same parameters in the same order',
    );
    const globalMax = Math.max(...[...f.grads.values()].map((g) => maxAbs(g.data as Float32Array)));
    for (const [name, p] of params) {
      const expected = f.grads.get(name)!.data as Float32Array;
      if (maxAbs(expected) < 1e-9 * globalMax) {
        // conv biases right before a training-mode BatchNorm: the gradient is exactly zero, only rounding remains
        assert.ok(
          maxAbs(p.grad) <= 1e-5 * globalMax,
          `${model} ${name}: gradient should vanish, max ${maxAbs(p.grad)}`,
        );
      } else {
        assertClose(p.grad, expected, tol, `${model} grad ${name}`);
      }
    }

    const state = net.stateDict();
    for (const [name, expected] of f.after) {
      const actual = state.get(name)!;
      if (expected.dtype === 'I64') assert.deepEqual(actual.data, expected.data, `${model} ${name}`);
      else
        assertClose(actual.data as Float32Array, expected.data as Float32Array, tol, `${model} ${name} after the step`);
    }
  } finally {
    setPrecision('f32');
  }
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

for (const model of ['vgg16', 'resnet18']) {
  test(`${model}: a training step with the native kernels (float32) equals PyTorch's`, () => {
    trainingStepMatchesPyTorch(model, native(), 'f32', 1e-4);
  });
  test(`${model}: a training step with the reference kernels (float64) equals PyTorch's`, () => {
    trainingStepMatchesPyTorch(model, js, 'f64', 1e-6);
  });
}
