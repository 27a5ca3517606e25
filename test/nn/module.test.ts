// Module mechanics: PyTorch-style names and order, state dicts, strict loading, modes, seeding, buffer reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Activation } from '../../src/nn/layers/activation.js';
import { BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { Chain, Sequential } from '../../src/nn/layers/sequential.js';
import { Module } from '../../src/nn/module.js';
import { js, randomArray } from '../helpers.js';

/** Names and state only (its chain is not runnable: no pooling between features and head). */
class Tiny extends Chain {
  constructor() {
    super();
    this.add(
      'features',
      new Sequential(new Conv2d(2, 3, 3, { padding: 1, bias: false }), new BatchNorm2d(3), new Activation()),
    );
    this.add('drop', new Dropout(0.5));
    this.add('head', new Sequential(new Linear(3, 2)));
  }
}

test('names and order follow torch.nn.Module.state_dict()', () => {
  const m = new Tiny();
  assert.deepEqual(
    m.namedParameters().map(([n, p]) => [n, p.shape]),
    [
      ['features.0.weight', [3, 2, 3, 3]],
      ['features.1.weight', [3]],
      ['features.1.bias', [3]],
      ['head.0.weight', [2, 3]],
      ['head.0.bias', [2]],
    ],
  );
  assert.deepEqual(
    m.namedBuffers().map(([n]) => n),
    ['features.1.running_mean', 'features.1.running_var', 'features.1.num_batches_tracked'],
  );
  assert.deepEqual(
    [...m.stateDict().keys()],
    [
      'features.0.weight',
      'features.1.weight',
      'features.1.bias',
      'features.1.running_mean',
      'features.1.running_var',
      'features.1.num_batches_tracked',
      'head.0.weight',
      'head.0.bias',
    ],
  );
  const sd = m.stateDict();
  assert.equal(sd.get('features.1.num_batches_tracked')!.dtype, 'I64');
  assert.deepEqual(sd.get('features.1.num_batches_tracked')!.shape, []);
  assert.equal(sd.get('head.0.weight')!.dtype, 'F32');
  assert.deepEqual(
    m
      .namedParameters()
      .filter(([, p]) => p.prunable)
      .map(([n]) => n),
    ['features.0.weight', 'head.0.weight'],
  );
  assert.equal(m.numParameters(), 54 + 3 + 3 + 6 + 2);
});

test('initialize: same seed gives bit-identical parameters, another seed others; defaults as PyTorch', () => {
  const a = new Tiny().initialize(42);
  const b = new Tiny().initialize(42);
  const c = new Tiny().initialize(43);
  for (const [[name, p], [, q], [, r]] of zip3(a.namedParameters(), b.namedParameters(), c.namedParameters())) {
    assert.deepEqual(p.data, q.data, name);
    if (p.init.kind !== 'constant') assert.notDeepEqual(p.data, r.data, name);
  }
  const w = a.namedParameters()[0][1].data;
  const bound = 1 / Math.sqrt(2 * 9);
  assert.ok(w.every((v) => Math.abs(v) <= bound) && w.some((v) => Math.abs(v) > bound / 2), 'kaiming_uniform(a=√5)');
  assert.deepEqual([...a.namedParameters()[1][1].data], [1, 1, 1], 'BN weight 1');
  assert.deepEqual([...a.namedParameters()[2][1].data], [0, 0, 0], 'BN bias 0');
});

function zip3<A, B, C>(a: A[], b: B[], c: C[]): [A, B, C][] {
  return a.map((x, i) => [x, b[i], c[i]]);
}

test('loadStateDict: copies values, and strict loading lists every problem', () => {
  const a = new Tiny().initialize(1);
  const b = new Tiny().initialize(2);
  b.loadStateDict(a.stateDict());
  assert.deepEqual(b.stateDict(), a.stateDict());

  const sd = a.stateDict();
  sd.delete('head.0.bias');
  sd.delete('features.1.running_var');
  sd.set('extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
  sd.set('head.0.weight', { dtype: 'F32', shape: [3, 2], data: new Float32Array(6) });
  assert.throws(
    () => b.loadStateDict(sd),
    (e: Error) =>
      /missing keys: features\.1\.running_var, head\.0\.bias/.test(e.message) &&
      /unexpected keys: extra\.weight/.test(e.message) &&
      /shape mismatches: head\.0\.weight \(checkpoint \[3, 2\], model \[2, 3\]\)/.test(e.message),
  );
  sd.set('head.0.weight', a.stateDict().get('head.0.weight')!);
  b.initialize(5);
  b.loadStateDict(sd, { strict: false });
  assert.deepEqual(b.stateDict().get('head.0.weight'), a.stateDict().get('head.0.weight'));
  assert.notDeepEqual(
    b.stateDict().get('head.0.bias'),
    a.stateDict().get('head.0.bias'),
    'missing keys keep their values',
  );
});

test('loadStateDict accepts float64 and int64 tensors (PyTorch double checkpoints)', () => {
  const m = new Tiny().initialize(1);
  const sd = m.stateDict();
  const w = sd.get('head.0.weight')!;
  sd.set('head.0.weight', {
    dtype: 'F64',
    shape: w.shape,
    data: Float64Array.from(w.data as Float32Array, (v) => v * 2),
  });
  sd.set('features.1.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(12345n) });
  m.loadStateDict(sd);
  const after = m.stateDict();
  assert.deepEqual(
    [...(after.get('head.0.weight')!.data as Float32Array)],
    [...(w.data as Float32Array)].map((v) => v * 2),
  );
  assert.equal((after.get('features.1.num_batches_tracked')!.data as BigInt64Array)[0], 12345n);
});

test('train()/eval() reach every descendant; zeroGrad clears every gradient', () => {
  const m = new Tiny();
  m.eval();
  assert.ok(m.namedModules().every(([, x]) => !x.training));
  m.train();
  assert.ok(m.namedModules().every(([, x]) => x.training));
  for (const p of m.parameters()) p.grad.fill(3);
  m.zeroGrad();
  assert.ok(m.parameters().every((p) => p.grad.every((v) => v === 0)));
});

test('forward and backward reuse their buffers from step to step (no allocation per step)', () => {
  const m = new Sequential(new Conv2d(2, 3, 3, { padding: 1 }), new BatchNorm2d(3), new Activation())
    .useKernels(js)
    .initialize(0);
  const x = { data: randomArray(2 * 2 * 4 * 4, 1), shape: [2, 2, 4, 4] };
  const y1 = m.forward(x);
  const dx1 = m.backward({ data: randomArray(y1.data.length, 2), shape: y1.shape });
  const y2 = m.forward(x);
  const dx2 = m.backward({ data: randomArray(y2.data.length, 3), shape: y2.shape });
  assert.equal(y1.data, y2.data);
  assert.equal(dx1.data, dx2.data);
  const y3 = m.forward({ data: randomArray(3 * 2 * 4 * 4, 1), shape: [3, 2, 4, 4] });
  assert.notEqual(y3.data.buffer, y1.data.buffer, 'a larger batch gets larger buffers');
  assert.deepEqual(y3.shape, [3, 3, 4, 4]);
  const y4 = m.forward({ data: randomArray(1 * 2 * 4 * 4, 1), shape: [1, 2, 4, 4] });
  assert.equal(y4.data.buffer, y3.data.buffer, 'a smaller batch is a view of the same memory');
  assert.equal(y4.data.length, 1 * 3 * 4 * 4);
  assert.deepEqual(y4.shape, [1, 3, 4, 4]);
});

test('BatchNorm counts batches in num_batches_tracked (training only)', () => {
  const bn = new BatchNorm2d(2).useKernels(js);
  const x = { data: randomArray(16, 1), shape: [2, 2, 2, 2] };
  bn.forward(x);
  bn.forward(x);
  bn.eval().forward(x);
  assert.equal((bn.stateDict().get('num_batches_tracked')!.data as BigInt64Array)[0], 2n);
});

test('invalid registrations are rejected', () => {
  class Bad extends Module {
    constructor(name: string) {
      super();
      this.registerModule(name, new Activation());
      this.registerModule('a', new Activation());
    }
    forward(x: { data: Float32Array; shape: number[] }) {
      return x;
    }
    backward(dy: { data: Float32Array; shape: number[] }) {
      return dy;
    }
  }
  assert.throws(() => new Bad('a'), /already registered/);
  assert.throws(() => new Bad('x.y'), /invalid name/);
});

test('a compressed Parameter holds only its nonzeros; state dicts and state stay in the dense layout', () => {
  const lin = new Linear(5, 3).initialize(4);
  const p = lin.weight;
  const mask = new Float32Array(15).map((_, i) => (i % 4 === 1 ? 1 : 0));
  const masked = p.data.map((w, i) => w * mask[i] + 0);
  p.compress(mask);
  assert.equal(p.data.length, 4);
  assert.equal(p.grad.length, 4);
  assert.equal(p.size, 15);
  assert.deepEqual([...p.csr!.colIdx], [1, 0, 4, 3]);
  // exported dense, PyTorch shape; loading a state dict writes the kept positions only
  const sd = lin.stateDict();
  assert.deepEqual(sd.get('weight')!.shape, [3, 5]);
  assert.deepEqual([...(sd.get('weight')!.data as Float32Array)], [...masked]);
  const other = new Float32Array(15).map((_, i) => i);
  lin.loadStateDict(new Map([...sd, ['weight', { dtype: 'F32', shape: [3, 5], data: other }]]));
  assert.deepEqual([...p.data], [1, 5, 9, 13]);
  // optimiser state round trip through the dense layout
  const state = new Float32Array([10, 20, 30, 40]);
  const dense = p.toDense(state);
  assert.deepEqual(
    [...dense].filter((v) => v !== 0),
    [10, 20, 30, 40],
  );
  assert.deepEqual([...p.fromDense(dense)], [10, 20, 30, 40]);
  assert.throws(() => p.compress(mask), /already compressed/);
  p.decompress();
  assert.equal(p.csr, null);
  assert.equal(p.data.length, 15);
  assert.deepEqual([...p.data], [...other.map((v, i) => v * mask[i])]);
});
