// The zoo: names and shapes equal the PyTorch mirror's (python/zoo.py → test/fixtures/zoo_shapes.json), every
// model runs forward and backward, seeding is exact, state dicts survive safetensors, bad names are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, isModelName, MODEL_NAMES, modelInputShape } from '../../src/models/index.js';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { StateBuffer, type Module } from '../../src/nn/module.js';
import { readSafetensors, writeSafetensors } from '../../src/util/safetensors.js';
import { fixturePath, native, randomArray, randomInts } from '../helpers.js';

interface ShapeEntry {
  model: string;
  width: number;
  num_classes: number;
  state: [string, number[], 'param' | 'buffer'][];
}

const SHAPES: ShapeEntry[] = JSON.parse(readFileSync(fixturePath('zoo_shapes.json'), 'utf8'));

function stateList(m: Module): [string, number[], 'param' | 'buffer'][] {
  return m.namedState().map(([name, t]) => [name, t.shape, t instanceof StateBuffer ? 'buffer' : 'param']);
}

test('the fixture covers every model name', () => {
  assert.deepEqual([...new Set(SHAPES.map((e) => e.model))].sort(), [...MODEL_NAMES].sort());
});

for (const entry of SHAPES) {
  test(`${entry.model} width ${entry.width}, ${entry.num_classes} classes: state dict names, shapes and order as PyTorch`, () => {
    const m = createModel(entry.model, { width: entry.width, numClasses: entry.num_classes });
    assert.deepEqual(stateList(m), entry.state);
  });
}

/** One step: forward gives [N, classes] logits, the loss is finite, backward fills every parameter gradient. */
function forwardBackward(m: Module, name: string, numClasses: number, seed = 1): Float32Array[] {
  const shape = [2, ...modelInputShape(name)];
  const x = {
    data: randomArray(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  };
  m.train().zeroGrad();
  const logits = m.forward(x);
  assert.deepEqual(logits.shape, [2, numClasses], `${name} logits shape`);
  const { loss, dlogits } = new CrossEntropyLoss(0.1, native()).compute(logits, randomInts(2, seed, numClasses));
  assert.ok(Number.isFinite(loss), `${name} loss ${loss}`);
  const dx = m.backward(dlogits);
  assert.deepEqual(dx.shape, shape, `${name} input gradient shape`);
  return m.parameters().map((p) => p.grad.slice());
}

for (const name of [...MODEL_NAMES, 'wrn-10-2']) {
  test(`${name}: forward gives [N, classes], backward reaches every parameter (native kernels)`, () => {
    const m = createModel(name, { width: 0.125, numClasses: 7, seed: 3 }).useKernels(native());
    const grads = forwardBackward(m, name, 7);
    const params = m.namedParameters();
    // conv biases feeding a training-mode BN (vgg16) have a zero gradient; every other tensor must move
    const convBiases = new Set(
      m
        .namedModules()
        .filter(([, c]) => c instanceof Conv2d)
        .map(([path]) => `${path}.bias`),
    );
    grads.forEach((g, i) => {
      assert.ok(g.every(Number.isFinite), `${name} ${params[i][0]}: non-finite gradient`);
      if (!convBiases.has(params[i][0]))
        assert.ok(
          g.some((v) => v !== 0),
          `${name} ${params[i][0]}: zero gradient`,
        );
    });
    m.eval();
    const y = m.forward({
      data: randomArray(2 * modelInputShape(name).reduce((a, b) => a * b, 1), 5),
      shape: [2, ...modelInputShape(name)],
    });
    assert.ok(y.data.every(Number.isFinite), `${name} eval-mode logits`);
  });
}

test('same seed → bit-identical parameters and identical gradients; another seed → other parameters', () => {
  for (const name of ['resnet20', 'vgg16', 'wrn-10-2', 'mobilenet', 'lenet5']) {
    const build = (seed: number) => createModel(name, { width: 0.25, seed }).useKernels(native());
    const a = build(11);
    const b = build(11);
    const c = build(12);
    const pa = a.namedParameters();
    const pb = b.namedParameters();
    const pc = c.namedParameters();
    let differs = 0;
    pa.forEach(([n, p], i) => {
      assert.deepEqual(p.data, pb[i][1].data, `${name} ${n}`);
      if (p.init.kind !== 'constant' && p.data.some((v, j) => v !== pc[i][1].data[j])) differs++;
    });
    assert.equal(
      differs,
      pa.filter(([, p]) => p.init.kind !== 'constant').length,
      `${name}: every random tensor changes with the seed`,
    );
    const ga = forwardBackward(a, name, 10);
    const gb = forwardBackward(b, name, 10);
    ga.forEach((g, i) => assert.deepEqual(g, gb[i], `${name} ${pa[i][0]} gradient`));
  }
});

test('inits follow the references: Kaiming-normal fan_out convs (ResNet, WRN), zero WRN fc bias, BN 1/0', () => {
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  const r18 = new Map(createModel('resnet18').namedParameters());
  const w = r18.get('layer3.0.conv2.weight')!.data; // [256, 256, 3, 3]: fan_out = 256·9
  assert.ok(Math.abs(std(w) / Math.sqrt(2 / (256 * 9)) - 1) < 0.01, `std ${std(w)}`);
  const cls = r18.get('classifier.weight')!.data; // PyTorch default: U(±1/√512)
  assert.ok(cls.every((v) => Math.abs(v) <= 1 / Math.sqrt(512)));
  const wrn = new Map(createModel('wrn-16-8', { width: 0.5 }).namedParameters());
  assert.ok(wrn.get('fc.bias')!.data.every((v) => v === 0));
  assert.ok(wrn.get('block1.layer.0.bn1.weight')!.data.every((v) => v === 1));
  const v19 = new Map(createModel('vgg19', { width: 0.5 }).namedParameters());
  assert.ok(Math.abs(std(v19.get('classifier.weight')!.data) / 0.01 - 1) < 0.05);
});

test('state dict round trip through safetensors restores the exact network, BN statistics included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-zoo-'));
  try {
    const a = createModel('resnet20', { width: 0.5, seed: 1 }).useKernels(native());
    forwardBackward(a, 'resnet20', 10); // moves the running statistics and num_batches_tracked
    const path = join(dir, 'resnet20.safetensors');
    writeSafetensors(path, a.stateDict(), { model: 'resnet20' });
    const b = createModel('resnet20', { width: 0.5, seed: 2 }).useKernels(native());
    b.loadStateDict(readSafetensors(path).tensors);
    assert.deepEqual(b.stateDict(), a.stateDict());
    assert.equal((b.stateDict().get('bn.num_batches_tracked')!.data as BigInt64Array)[0], 1n);
    const x = { data: randomArray(2 * 3 * 32 * 32, 9), shape: [2, 3, 32, 32] };
    assert.deepEqual(b.eval().forward(x).data, a.eval().forward(x).data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown model names are refused with the list of valid names', () => {
  for (const bad of ['resnet19', 'wrn-27-10', 'vgg', '']) {
    assert.throws(
      () => createModel(bad),
      (e: Error) =>
        e.message.includes(`unknown model '${bad}'`) &&
        MODEL_NAMES.filter((n) => !n.startsWith('wrn')).every((n) => e.message.includes(n)) &&
        e.message.includes('wrn-D-K'),
    );
    assert.equal(isModelName(bad), false);
  }
  assert.ok(isModelName('wrn-40-4'));
  assert.throws(() => modelInputShape('nope'), /unknown model 'nope'/);
  assert.throws(() => createModel('resnet18', { width: 0 }), /width must be > 0/);
  assert.throws(() => createModel('resnet18', { numClasses: 2.5 }), /numClasses must be a positive integer/);
});

test('input shapes: MNIST for the LeNets, CIFAR otherwise; inputShape adapts the first layers', () => {
  assert.deepEqual(modelInputShape('lenet300'), [1, 28, 28]);
  assert.deepEqual(modelInputShape('lenet5'), [1, 28, 28]);
  assert.deepEqual(modelInputShape('wrn-28-10'), [3, 32, 32]);
  const cifarLenet = new Map(createModel('lenet5', { inputShape: [3, 32, 32] }).namedParameters());
  assert.deepEqual(cifarLenet.get('conv1.weight')!.shape, [20, 3, 5, 5]);
  assert.deepEqual(cifarLenet.get('fc3.weight')!.shape, [500, 50 * 5 * 5]);
  const mnistMlp = new Map(createModel('lenet300', { inputShape: [3, 32, 32] }).namedParameters());
  assert.deepEqual(mnistMlp.get('fc1.weight')!.shape, [300, 3072]);
  assert.throws(() => createModel('vgg16', { inputShape: [3, 28, 28] }), /vgg16: input 28×28 is too small/);
});
