// The sparse-training hooks in a real (small) training loop: invariants of SPEC §4 checked at every step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchLoader } from '../../src/data/loader.js';
import { loadDataset } from '../../src/data/registry.js';
import { createModel } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { summarizeModel } from '../../src/nn/summary.js';
import { constant } from '../../src/optim/schedules.js';
import { SGD } from '../../src/optim/sgd.js';
import { methodDefaults, type Method, type SparseSettings } from '../../src/sparse/method.js';
import { plannedDensities } from '../../src/sparse/layers.js';
import { cubicSparsity, dropFraction } from '../../src/sparse/schedules.js';
import { SparseTraining } from '../../src/sparse/training.js';
import type { Hook, StepContext } from '../../src/train/hooks.js';
import { Trainer } from '../../src/train/trainer.js';
import { native } from '../helpers.js';

const k = native();
const data = loadDataset('synthetic', {
  synthetic: { train: 640, test: 64, shape: [1, 12, 12], classes: 10, seed: 1 },
});
const EPOCHS = 4;
const BATCH = 32;
const ITERS = 20; // 640 / 32 per epoch

function settings(method: Method, extra: Partial<SparseSettings> = {}): SparseSettings {
  return {
    method,
    sparsity: 0.9,
    distribution: 'erk',
    denseFirst: false,
    denseLast: false,
    denseLayers: [],
    layerDensities: {},
    updateInterval: 5,
    dropFraction: 0.3,
    dropSchedule: 'cosine',
    updateEnd: 0.75,
    initialDensity: 1,
    pruneStartEpoch: 0,
    pruneEndEpoch: EPOCHS,
    pruning: 'layerwise',
    snfsMomentum: 0.9,
    ...methodDefaults(method, EPOCHS),
    ...extra,
  };
}

/** Trains lenet300 (width 0.25) on synthetic 12×12 images with the method; `check` runs after every step. */
async function train(
  s: SparseSettings,
  seed: number,
  check?: (sp: SparseTraining, ctx: StepContext, before: Map<string, Float32Array>) => void,
) {
  const model = createModel('lenet300', { width: 0.25, seed, inputShape: data.shape }).useKernels(k);
  const sgd = new SGD(k, model.namedParameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const summary = summarizeModel(model, data.shape);
  const sparse = new SparseTraining(s, {
    model,
    kernels: k,
    optimizer: sgd,
    seed,
    itersPerEpoch: ITERS,
    totalIterations: ITERS * EPOCHS,
    layerFlops: new Map(summary.layers.map((l) => [l.name, l.flops_dense])),
    otherFlops: summary.other_flops,
  });
  let before = new Map<string, Float32Array>();
  const checker: Hook = {
    name: 'check',
    beforeStep: () => {
      before = new Map(sparse.masks.layers.map((l) => [l.name, l.mask!.slice()]));
    },
    afterStep: (ctx) => check?.(sparse, ctx, before),
  };
  const ce = new CrossEntropyLoss(0, k);
  const loader = new BatchLoader(data.train, {
    batch: BATCH,
    shuffle: true,
    augment: false,
    normalization: data.normalization,
    seed,
  });
  const trainer = new Trainer({
    model,
    kernels: k,
    optimizer: sgd,
    schedule: constant(0.05),
    loss: { compute: (l, y) => ce.compute(l, y) },
    train: loader,
    evalSets: {},
    epochs: EPOCHS,
    hooks: [sparse, checker],
  });
  await trainer.run();
  return { sparse, sgd, model };
}

const nnzOf = (m: Float32Array) => m.reduce((a, b) => a + b, 0);

for (const method of ['set', 'rigl', 'snfs'] as const) {
  test(`${method}: nnz per layer unchanged by updates; pruned weights and momentum exactly zero after every step; grown weights start at zero`, async () => {
    let updatesSeen = 0;
    const { sparse } = await train(settings(method), 7, (sp, ctx, before) => {
      for (const l of sp.masks.layers) {
        const buf = ctx.trainer.optimizer.buffers(l.name)[0];
        for (let i = 0; i < l.mask!.length; i++) {
          if (l.mask![i] === 0) {
            // (=== rather than Object.is: masking a negative value by multiplication gives −0)
            assert.ok(l.param.data[i] === 0, `${l.name}[${i}] pruned but nonzero at iteration ${ctx.iteration}`);
            assert.ok(buf[i] === 0, `${l.name}[${i}] momentum of a pruned weight is nonzero`);
          } else if (before.get(l.name)![i] === 0) {
            // grown at this step's update: weight and momentum start at zero
            assert.ok(l.param.data[i] === 0, `${l.name}[${i}] grown with a nonzero weight`);
            assert.ok(buf[i] === 0, `${l.name}[${i}] grown with nonzero momentum`);
          }
        }
        assert.equal(
          nnzOf(l.mask!),
          nnzOf(before.get(l.name)!),
          `${l.name}: nnz changed at iteration ${ctx.iteration}`,
        );
      }
      if (sp.updates.length > updatesSeen) updatesSeen = sp.updates.length;
    });
    // Updates every ΔT = 5 iterations until 75% of 80 iterations: 5, 10, …, 60.
    assert.deepEqual(
      sparse.updates.map((u) => u.iteration),
      Array.from({ length: 12 }, (_, i) => 5 * (i + 1)),
    );
    for (const u of sparse.updates) {
      assert.equal(u.dropFraction, dropFraction('cosine', 0.3, u.iteration, 60), `drop fraction at ${u.iteration}`);
      assert.equal(u.dropped, u.grown);
    }
    assert.ok(sparse.updates.some((u) => u.dropped > 0));
    assert.ok(Math.abs(sparse.masks.densities().overall - 0.1) < 1e-3);
  });
}

test('same seed → same masks after training; another seed → other masks', async () => {
  const a = (await train(settings('rigl'), 3)).sparse.masks;
  const b = (await train(settings('rigl'), 3)).sparse.masks;
  const c = (await train(settings('rigl'), 4)).sparse.masks;
  for (let i = 0; i < a.layers.length; i++) assert.deepEqual(a.layers[i].mask, b.layers[i].mask);
  assert.notDeepEqual(a.layers[0].mask, c.layers[0].mask);
});

test('static: masks never change; training FLOPs are 3·f_S per step', async () => {
  let first: Float32Array[] | undefined;
  const { sparse } = await train(settings('static'), 5, (sp) => {
    first ??= sp.masks.layers.map((l) => l.mask!.slice());
    sp.masks.layers.forEach((l, i) => assert.deepEqual(l.mask, first![i]));
  });
  assert.equal(sparse.updates.length, 0);
  const ratio = sparse.forwardFlops() / sparse.forwardFlops(true);
  assert.ok(Math.abs(sparse.trainingFlopsRatio() - ratio) < 1e-12);
});

test('training FLOPs add up SPEC §4 step by step: RigL/GraNet dense gradient every ΔT, SNFS every step, then 3·f_S', async () => {
  const summary = summarizeModel(createModel('lenet300', { width: 0.25, seed: 0, inputShape: data.shape }), data.shape);
  const fD = summary.flops.forward_dense;
  const forward = (masks: Map<string, Float32Array>) =>
    summary.layers.reduce((f, l) => f + (l.flops_dense * nnzOf(masks.get(l.name)!)) / l.params, summary.other_flops);
  for (const method of ['set', 'rigl', 'snfs', 'granet', 'gmp'] as const) {
    const s = settings(method, method === 'granet' || method === 'gmp' ? { pruneEndEpoch: 2 } : {});
    const end = s.updateEnd === null ? Infinity : Math.round(s.updateEnd * ITERS * EPOCHS);
    const dt = s.updateInterval;
    let sum = 0;
    let steps = 0;
    const { sparse } = await train(s, 4, (_sp, ctx, before) => {
      const fS = forward(before); // the masks the step ran with
      const updating = ctx.iteration + 1 <= end;
      if (!updating || method === 'set' || method === 'gmp') sum += 3 * fS;
      else if (method === 'snfs') sum += 2 * fS + fD;
      else sum += (3 * fS * dt + 2 * fS + fD) / (dt + 1);
      steps++;
    });
    const want = sum / (steps * 3 * fD);
    assert.ok(
      Math.abs(sparse.trainingFlopsRatio() - want) < 1e-12,
      `${method}: ${sparse.trainingFlopsRatio()} vs ${want}`,
    );
    if (method === 'gmp')
      assert.ok(want > 1.5 * (sparse.forwardFlops() / fD), 'GMP starts dense: it costs more than its final density');
  }
});

test('GraNet: the global density follows the cubic schedule at every update, with regrowth; GMP prunes from dense', async () => {
  for (const method of ['granet', 'gmp'] as const) {
    const s = settings(method, { pruneStartEpoch: 0, pruneEndEpoch: 3, sparsity: 0.9 });
    const { sparse } = await train(s, 9);
    const ci = 0;
    const cf = Math.floor((3 * ITERS) / s.updateInterval);
    assert.ok(sparse.updates.length > 0);
    let last = 0;
    for (const u of sparse.updates) {
      const c = Math.floor(u.iteration / s.updateInterval);
      if (c <= cf) {
        const want = cubicSparsity(c, ci, cf, s.initialDensity, 0.1);
        assert.equal(u.targetSparsity, want, `${method} target at update ${c}`);
        const total = sparse.masks.layers.reduce((a, l) => a + l.mask!.length, 0);
        // Pruning keeps floor(N·(1 − s_c)) weights; prune-and-grow keeps that count.
        assert.ok(Math.abs(u.density - Math.floor(total * (1 - want)) / total) < 1e-12, `${method} density at ${c}`);
        assert.ok(u.targetSparsity! >= last);
        last = u.targetSparsity!;
      }
      if (method === 'gmp') assert.equal(u.grown, 0);
    }
    assert.ok(Math.abs(sparse.masks.densities().overall - 0.1) < 1e-3, `${method} ends at the final density`);
    if (method === 'granet')
      assert.ok(
        sparse.updates.some((u) => u.grown > 0),
        'GraNet regrows',
      );
  }
});

test('GraNet/GMP keep the dense layers whole and count them in the global budget', async () => {
  for (const method of ['granet', 'gmp'] as const) {
    const s = settings(method, { pruneEndEpoch: 3, sparsity: 0.8, denseLast: true, denseLayers: ['fc2.*'] });
    const cf = Math.floor((3 * ITERS) / s.updateInterval);
    const { sparse } = await train(s, 3, (sp) => {
      for (const l of sp.masks.layers.slice(1))
        assert.equal(nnzOf(l.mask!), l.mask!.length, `${method}: ${l.name} stays dense`);
    });
    const total = sparse.masks.layers.reduce((a, l) => a + l.mask!.length, 0);
    for (const u of sparse.updates.filter((u) => Math.floor(u.iteration / s.updateInterval) <= cf)) {
      const want = cubicSparsity(Math.floor(u.iteration / s.updateInterval), 0, cf, s.initialDensity, 1 - s.sparsity);
      assert.equal(u.targetSparsity, want);
      assert.ok(Math.abs(u.density - Math.floor(total * (1 - want)) / total) < 1e-12);
    }
  }
});

test('layer-wise GraNet/GMP: every layer follows its own cubic schedule to its final ERK density', async () => {
  for (const method of ['granet', 'gmp'] as const) {
    const s = settings(method, { pruneEndEpoch: 3, sparsity: 0.9, pruning: 'layerwise' });
    const cf = Math.floor((3 * ITERS) / s.updateInterval);
    const model = createModel('lenet300', { width: 0.25, seed: 0, inputShape: data.shape });
    const prunable = model.namedParameters().filter(([, p]) => p.prunable);
    const initial = plannedDensities(prunable, s, 1 - s.initialDensity);
    const final = plannedDensities(prunable, s, s.sparsity);
    let checked = 0;
    await train(s, 6, (sp, ctx) => {
      const c = Math.floor((ctx.iteration + 1) / s.updateInterval);
      if ((ctx.iteration + 1) % s.updateInterval !== 0 || c > cf) return;
      for (const l of sp.masks.layers) {
        const target = cubicSparsity(c, 0, cf, initial.get(l.name)!, final.get(l.name)!);
        const n = l.mask!.length;
        assert.equal(nnzOf(l.mask!), n - Math.round(target * n), `${method} ${l.name} at update ${c}`);
      }
      checked++;
    });
    assert.equal(checked, cf);
  }
});

test('SNIP keeps exact per-layer counts at the ERK densities, the top |g·w| of the dense network on its first batch', async () => {
  const { sparse } = await train(settings('snip'), 2);
  const report = sparse.layerReport();
  for (const l of report.layers)
    assert.equal(l.nnz, l.params - Math.round((1 - sparse.planned.get(l.name)!) * l.params));
  // Independently: the same initial network, unmasked, and the first batch of the same loader.
  const model = createModel('lenet300', { width: 0.25, seed: 2, inputShape: data.shape }).useKernels(k);
  const loader = new BatchLoader(data.train, {
    batch: BATCH,
    shuffle: true,
    augment: false,
    normalization: data.normalization,
    seed: 2,
  });
  const batch = loader.epoch(0).next().value!;
  const logits = model.forward({ data: batch.x, shape: batch.shape });
  model.backward(new CrossEntropyLoss(0, k).compute(logits, batch.y).dlogits);
  for (const [name, p] of model.namedParameters()) {
    const l = sparse.masks.get(name);
    if (!l) continue;
    const scores = Array.from(p.data, (w, i) => Math.abs(Math.fround(w * p.grad[i])));
    const keep = l.mask!.reduce((a, b) => a + b, 0);
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const expected = new Float32Array(scores.length);
    for (const i of order.slice(0, keep)) expected[i] = 1;
    assert.deepEqual(l.mask, expected, `${name}: SNIP keeps the largest |g·w| of the dense initial network`);
  }
});
