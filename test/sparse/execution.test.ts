// Truly sparse execution: compressed layers give the training trajectory of masked ones (same seed, loss equal
// within 1e-4 relative over 200 steps, same masks), hold only their nonzeros, and refuse what cannot run sparse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchLoader } from '../../src/data/loader.js';
import { loadDataset } from '../../src/data/registry.js';
import { createModel } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { constant } from '../../src/optim/schedules.js';
import { SGD } from '../../src/optim/sgd.js';
import type { ExecutionMode } from '../../src/sparse/execution.js';
import { methodDefaults, type Method, type SparseSettings } from '../../src/sparse/method.js';
import { SparseTraining } from '../../src/sparse/training.js';
import { Trainer } from '../../src/train/trainer.js';
import { native } from '../helpers.js';

const k = native();
const STEPS = 200;
const BATCH = 128;
const LR = 0.005;
// The two modes sum in different orders, so they differ by rounding (~1e-8) from the first step; the test runs where
// training does not magnify that beyond 1e-4 in 200 steps: real digits (the embedded MNIST, on which the loss stays
// away from 0), batch 128, lr 0.005. (At batch 32 and lr 0.05, or with GraNet's global pruning on lenet5, two
// correct implementations separate anyway — masked native vs the masked TypeScript reference just as much — once a
// max-pool argmax or a near-tied top-k choice flips.)
const data = loadDataset('mnist');
const ITERS = Math.ceil(data.train.n / BATCH);

const cases = {
  lenet300: { width: 0.5 },
  lenet5: { width: 1 },
};

function settings(method: Method, extra: Partial<SparseSettings> = {}): SparseSettings {
  const epochs = 1;
  return {
    method,
    sparsity: 0.9,
    distribution: 'erk',
    denseFirst: false,
    denseLast: false,
    denseLayers: [],
    layerDensities: {},
    updateInterval: 25,
    dropFraction: 0.3,
    dropSchedule: 'cosine',
    updateEnd: 0.75,
    initialDensity: 1,
    pruneStartEpoch: 0,
    pruneEndEpoch: epochs,
    pruning: 'layerwise',
    snfsMomentum: 0.9,
    ...methodDefaults(method, epochs),
    ...extra,
  };
}

async function run(
  model: keyof typeof cases,
  s: SparseSettings,
  execution: ExecutionMode,
  log?: (l: string) => void,
  steps = STEPS,
  afterFirstStep?: (sparse: SparseTraining) => void,
) {
  const net = createModel(model, { width: cases[model].width, seed: 3 }).useKernels(k);
  const sgd = new SGD(k, net.namedParameters(), { lr: LR, momentum: 0.9, weightDecay: 5e-4 });
  const sparse = new SparseTraining(s, {
    model: net,
    kernels: k,
    optimizer: sgd,
    seed: 3,
    itersPerEpoch: ITERS,
    totalIterations: STEPS,
    layerFlops: new Map(),
    otherFlops: 0,
    execution,
    log,
  });
  const losses: number[] = [];
  const ce = new CrossEntropyLoss(0, k);
  const trainer = new Trainer({
    model: net,
    kernels: k,
    optimizer: sgd,
    schedule: constant(LR),
    loss: { compute: (l, y) => ce.compute(l, y) },
    train: new BatchLoader(data.train, {
      batch: BATCH,
      shuffle: true,
      augment: false,
      normalization: data.normalization,
      seed: 3,
    }),
    evalSets: {},
    epochs: 1,
    shouldStop: () => losses.length >= steps,
    hooks: [
      sparse,
      {
        name: 'losses',
        afterStep: (ctx) => {
          losses.push(ctx.loss!);
          if (losses.length === 1) afterFirstStep?.(sparse);
        },
      },
    ],
  });
  await trainer.run();
  return { losses, sparse, sgd, net };
}

for (const [model, methods] of [
  ['lenet300', ['static', 'set', 'rigl', 'granet']],
  ['lenet5', ['static', 'set', 'rigl']],
] as const) {
  for (const method of methods) {
    test(`${model} ${method}: masked and sparse execution give the same trajectory over ${STEPS} steps`, async () => {
      const s = settings(method, method === 'granet' ? { initialDensity: 0.5 } : {});
      const a = await run(model, s, 'masked');
      const b = await run(model, s, 'sparse');
      assert.equal(b.losses.length, STEPS);
      for (let i = 0; i < STEPS; i++) {
        const rel = Math.abs(a.losses[i] - b.losses[i]) / Math.abs(a.losses[i]);
        assert.ok(rel <= 1e-4, `step ${i}: masked loss ${a.losses[i]}, sparse ${b.losses[i]} (rel. ${rel})`);
      }
      if (method !== 'static') assert.ok(b.sparse.updates.length > 0, 'the masks were updated');
      // the same masks — up to a few near-tied choices among tiny regrown weights (below 0.1% of a layer) — and
      // the same checkpoint tensors (dense layout whatever the execution)
      const tb = b.sparse.stateTensors();
      for (const [name, t] of a.sparse.stateTensors()) {
        const other = tb.get(name)!.data;
        let differ = 0;
        for (let i = 0; i < t.data.length; i++) if (t.data[i] !== other[i]) differ++;
        assert.ok(differ <= 1e-3 * t.data.length, `${name}: ${differ} of ${t.data.length} mask entries differ`);
      }
      const sa = a.sgd.stateTensors();
      for (const [name, t] of b.sgd.stateTensors()) assert.equal(t.length, sa.get(name)!.length, name);
      for (const [name, t] of b.net.stateDict()) assert.deepEqual(t.shape, a.net.stateDict().get(name)!.shape);
      // sparse: every masked weight is held compressed, its gradient and momentum as long as its nonzeros
      for (const l of b.sparse.masks.layers) {
        const nnz = b.sparse.masks.nnz(l);
        assert.equal(l.mask, null, `${l.name} keeps no dense mask`);
        assert.equal(l.param.data.length, nnz);
        assert.equal(l.param.grad.length, nnz);
        assert.equal(b.sgd.buffers(l.name)[0].length, nnz);
        assert.equal(b.sparse.execution.get(l.name), 'sparse');
      }
    });
  }
}

test('lenet5 granet: masked and sparse execution prune and regrow the same weights (first update)', async () => {
  const s = settings('granet', { initialDensity: 0.5 });
  const a = await run('lenet5', s, 'masked', undefined, 30);
  const b = await run('lenet5', s, 'sparse', undefined, 30);
  assert.equal(b.sparse.updates.length, 1);
  assert.ok(b.sparse.updates[0].targetSparsity! > 0.5 && b.sparse.updates[0].grown > 0);
  for (const [name, t] of a.sparse.stateTensors())
    assert.deepEqual(b.sparse.stateTensors().get(name)!.data, t.data, name);
  for (let i = 0; i < 30; i++) assert.ok(Math.abs(a.losses[i] - b.losses[i]) <= 1e-4 * Math.abs(a.losses[i]));
});

// auto's choices follow timings, so they vary from run to run; the trajectory must not. On lenet5 one mixture of
// masked and compressed layers flips a near-tied RigL choice (the modes round differently), so these two tests run
// lenet300, where every mixture stays on the masked trajectory — and the second test proves it for all of them.
test('auto times every masked layer on its real input, logs its choice and keeps the trajectory', async () => {
  const lines: string[] = [];
  const s = settings('rigl');
  const a = await run('lenet300', s, 'masked');
  const b = await run('lenet300', s, 'auto', (l) => lines.push(l));
  for (const l of b.sparse.masks.layers) {
    const line = lines.find((x) => x.startsWith(`auto: ${l.name} `));
    assert.ok(line, `a choice is logged for ${l.name}`);
    assert.match(line, new RegExp(`masked [0-9.]+ ms, sparse [0-9.]+ ms → ${b.sparse.execution.get(l.name)}$`));
  }
  for (let i = 0; i < STEPS; i++) assert.ok(Math.abs(a.losses[i] - b.losses[i]) <= 1e-4 * Math.abs(a.losses[i]));
});

test('every mixture of masked and compressed layers (what auto may choose) keeps the masked trajectory', async () => {
  const s = settings('rigl');
  const a = await run('lenet300', s, 'masked');
  const layers = a.sparse.masks.layers.length;
  for (let mix = 1; mix < 1 << layers; mix++) {
    const b = await run('lenet300', s, 'masked', undefined, STEPS, (sparse) =>
      sparse.masks.layers.forEach((l, i) => {
        if (mix & (1 << i)) sparse.setExecution(l, 'sparse');
      }),
    );
    const compressed = b.sparse.masks.layers.filter((l) => b.sparse.execution.get(l.name) === 'sparse').length;
    assert.equal(compressed, [...mix.toString(2)].filter((c) => c === '1').length);
    for (let i = 0; i < STEPS; i++) {
      const rel = Math.abs(a.losses[i] - b.losses[i]) / Math.abs(a.losses[i]);
      assert.ok(rel <= 1e-4, `mixture ${mix.toString(2)}, step ${i}: rel. difference ${rel}`);
    }
  }
});

test('--mode sparse refuses a method or a layer that cannot run sparse, naming it', async () => {
  await assert.rejects(run('lenet300', settings('snfs'), 'sparse'), /method snfs cannot run sparse: .*momentum/);
  const net = createModel('mobilenet', { width: 0.25, seed: 0 }).useKernels(k);
  const sgd = new SGD(k, net.namedParameters(), { lr: 0.1 });
  const ctx = { model: net, kernels: k, optimizer: sgd, seed: 0, itersPerEpoch: 1, totalIterations: 1 };
  assert.throws(
    () => new SparseTraining(settings('rigl'), { ...ctx, layerFlops: new Map(), otherFlops: 0, execution: 'sparse' }),
    /--mode sparse: layer \S+conv1\.weight cannot run sparse: it is a grouped convolution/,
  );
});
