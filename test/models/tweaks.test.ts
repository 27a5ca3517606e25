// The AT tweak's architecture variants (SPEC §9): swish or mish in every activation slot of every zoo model, and
// the BasicBlocks' jump paths — their shapes, their 1e-4 initialisation, their place in the state dict, their
// gradients (finite differences), and that no sparse method or pruning ever masks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel, EXTRA_SKIP_MODELS, MODEL_NAMES, modelInputShape } from '../../src/models/index.js';
import { BasicBlock, isJumpPath, JUMP_INIT } from '../../src/models/residual.js';
import { Activation } from '../../src/nn/layers/activation.js';
import type { Module } from '../../src/nn/module.js';
import { summarizeModel } from '../../src/nn/summary.js';
import { prunableParams } from '../../src/sparse/layers.js';
import { gradcheck, randomizeParameters } from '../nn/gradcheck.js';

const activations = (m: Module) =>
  m
    .namedModules()
    .filter(([, x]) => x instanceof Activation)
    .map(([, x]) => (x as Activation).kind);

for (const kind of ['swish', 'mish'] as const) {
  test(`activation ${kind}: every activation slot of every zoo model holds it`, () => {
    for (const name of [...MODEL_NAMES, 'wrn-10-2']) {
      const relu = activations(createModel(name, { width: 0.125 }));
      const swapped = activations(createModel(name, { width: 0.125, activation: kind }));
      assert.ok(relu.length > 0 && relu.every((k) => k === 'relu'), `${name}: the plain model is all ReLU`);
      assert.deepEqual(
        swapped,
        relu.map(() => kind),
        `${name}: every slot is ${kind}`,
      );
    }
  });
}

test('the activation changes no parameter: same names, shapes and initial values', () => {
  const a = createModel('resnet20', { width: 0.25, seed: 4 }).stateDict();
  const b = createModel('resnet20', { width: 0.25, seed: 4, activation: 'mish' }).stateDict();
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});

const randomBatchNorm = (m: Module) =>
  randomizeParameters(m, 5, (name, p) => p.shape.length === 1 && p.init.kind === 'constant');

test('BasicBlock with jump paths and swish/mish: backward against finite differences', () => {
  const o = { prepare: randomBatchNorm };
  // The jumps' 1e-4 weights are moved off their constant too, so that their gradients are exercised at scale.
  const jumpsToo = (m: Module) => {
    randomBatchNorm(m);
    randomizeParameters(
      m,
      9,
      (name) => name.startsWith('conv_jump') && name.endsWith('weight') && !name.includes('bn'),
    );
  };
  for (const kind of ['swish', 'mish', 'relu'] as const) {
    const block = (inC: number, outC: number, stride: number, shortcut: boolean) => () => {
      const b = new BasicBlock(inC, outC, stride, shortcut, true);
      for (const [, m] of b.namedModules()) if (m instanceof Activation) m.kind = kind;
      return b;
    };
    gradcheck(`BasicBlock+jumps ${kind}, identity`, block(4, 4, 1, false), [2, 4, 5, 5], { prepare: jumpsToo });
    gradcheck(`BasicBlock+jumps ${kind}, projection stride 2`, block(3, 6, 2, true), [2, 3, 6, 6], o);
  }
});

for (const name of ['resnet20', 'resnet18']) {
  test(`${name} with swish and extra skips: backward of the whole network against finite differences`, () => {
    const width = name === 'resnet20' ? 0.25 : 1 / 16;
    const inputShape: [number, number, number] = [3, 16, 16];
    const build = () => createModel(name, { width, numClasses: 5, inputShape, activation: 'swish', extraSkips: true });
    gradcheck(name, build, [3, ...inputShape], { prepare: randomBatchNorm, samples: 3, maxTensors: 16 });
  });
}

test('jump paths: two per BasicBlock, 1×1 convs (the block stride on jump1) + BN, after the shortcut in state order', () => {
  const m = createModel('resnet20', { width: 0.5, extraSkips: true });
  const plain = createModel('resnet20', { width: 0.5 });
  const state = new Map(m.namedState().map(([n, t]) => [n, t.shape]));
  const jumpNames = [...state.keys()].filter(isJumpPath);
  // 9 blocks × (2 conv weights + 2 BN × 5 tensors)
  assert.equal(jumpNames.length, 9 * 12);
  // Every other tensor is the plain model's, in the same order.
  assert.deepEqual(
    [...state.keys()].filter((n) => !isJumpPath(n)),
    plain.namedState().map(([n]) => n),
  );
  // blocks.3 opens the second segment: 8 → 16 channels at stride 2.
  assert.deepEqual(state.get('blocks.3.conv_jump1.weight'), [16, 8, 1, 1]);
  assert.deepEqual(state.get('blocks.3.conv_jump2.weight'), [16, 16, 1, 1]);
  assert.deepEqual(state.get('blocks.3.conv_jump1_bn.weight'), [16]);
  const block3 = m.namedModules().find(([n]) => n === 'blocks.3')![1] as BasicBlock;
  assert.equal(block3.jumps![0].conv.stride, 2);
  assert.equal(block3.jumps![1].conv.stride, 1);
  const keys = [...state.keys()].filter((n) => n.startsWith('blocks.3.'));
  const at = (n: string) => keys.indexOf(`blocks.3.${n}`);
  assert.ok(at('shortcut.1.num_batches_tracked') < at('conv_jump1.weight'));
  assert.ok(at('conv_jump1.weight') < at('conv_jump2.weight') && at('conv_jump2.weight') < at('conv_jump1_bn.weight'));
});

test('jump paths: conv weights start at the constant 1e-4, their BN at 1/0, whatever the seed; the rest as without', () => {
  for (const name of EXTRA_SKIP_MODELS) {
    const m = createModel(name, { width: 1 / 16, seed: 7, extraSkips: true });
    const plain = createModel(name, { width: 1 / 16, seed: 7 }).stateDict();
    for (const [n, t] of m.stateDict()) {
      const d = t.data as Float32Array;
      if (/conv_jump[12]\.weight$/.test(n))
        assert.ok(
          d.every((v) => v === Math.fround(JUMP_INIT)),
          n,
        );
      else if (/conv_jump[12]_bn\.weight$/.test(n))
        assert.ok(
          d.every((v) => v === 1),
          n,
        );
      else if (/conv_jump[12]_bn\.bias$/.test(n))
        assert.ok(
          d.every((v) => v === 0),
          n,
        );
      else if (!isJumpPath(n)) assert.deepEqual(d, plain.get(n)!.data, `${name} ${n}: as the plain model's`);
    }
  }
});

test('jump paths are never prunable: no sparse method masks them, density counts only the prunable weights', () => {
  const m = createModel('resnet18', { width: 1 / 16, extraSkips: true });
  const jumps = m.namedParameters().filter(([n]) => isJumpPath(n) && n.includes('conv_jump') && !n.includes('_bn'));
  assert.equal(jumps.length, 16);
  assert.ok(jumps.every(([, p]) => !p.prunable));
  const prunable = prunableParams(m.namedParameters()).map(([n]) => n);
  assert.ok(prunable.length > 0 && !prunable.some(isJumpPath));
  const plain = createModel('resnet18', { width: 1 / 16 });
  assert.deepEqual(
    prunable,
    prunableParams(plain.namedParameters()).map(([n]) => n),
  );
  // The summary counts the jump convs' FLOPs but not their weights among the prunable ones.
  const s = summarizeModel(m, modelInputShape('resnet18'));
  const p = summarizeModel(plain, modelInputShape('resnet18'));
  assert.equal(s.params, p.params);
  assert.ok(s.flops.forward_dense > p.flops.forward_dense);
});

test('extra skips on a model without BasicBlocks is refused, naming the models that have them', () => {
  for (const name of MODEL_NAMES.filter((n) => !EXTRA_SKIP_MODELS.includes(n))) {
    assert.throws(
      () => createModel(name, { width: 0.125, extraSkips: true }),
      /extra skips need BasicBlocks.*resnet18/,
    );
  }
  assert.throws(() => createModel('resnet20', { activation: 'gelu' as 'relu' }), /unknown activation 'gelu'/);
});
