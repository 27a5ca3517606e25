// What a booster asks of the sparse hook (UpdateRequests), the hook's checked checkpoint state, and the one grow-score
// path: SET's scores reach a masked layer through the same stream a compressed layer reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModel } from '../../src/models/index.js';
import { summarizeModel } from '../../src/nn/summary.js';
import { SGD } from '../../src/optim/sgd.js';
import { methodDefaults, type Method, type SparseSettings } from '../../src/sparse/method.js';
import { randomScores } from '../../src/sparse/prune_grow.js';
import { collectScores, uniformScores } from '../../src/sparse/scores.js';
import { SparseTraining } from '../../src/sparse/training.js';
import { Rng } from '../../src/util/rng.js';
import { native } from '../helpers.js';

const k = native();

function sparse(method: Method): SparseTraining {
  const model = createModel('lenet300', { width: 0.25, seed: 1, inputShape: [1, 12, 12] }).useKernels(k);
  const s: SparseSettings = {
    method,
    sparsity: 0.9,
    distribution: 'erk',
    denseFirst: false,
    denseLast: true,
    denseLayers: [],
    layerDensities: {},
    updateInterval: 5,
    dropFraction: 0.3,
    dropSchedule: 'cosine',
    updateEnd: 0.75,
    initialDensity: 1,
    pruneStartEpoch: 0,
    pruneEndEpoch: 2,
    pruning: 'layerwise',
    snfsMomentum: 0.9,
    ...methodDefaults(method, 2),
  };
  const optimizer = new SGD(k, model.namedParameters(), { lr: 0.1, momentum: 0.9 });
  const summary = summarizeModel(model, [1, 12, 12]);
  const flops = {
    layerFlops: new Map(summary.layers.map((l) => [l.name, l.flops_dense])),
    otherFlops: summary.other_flops,
  };
  return new SparseTraining(s, {
    model,
    kernels: k,
    optimizer,
    seed: 1,
    itersPerEpoch: 10,
    totalIterations: 20,
    ...flops,
  });
}

const nnz = (m: Float32Array) => m.reduce((a, b) => a + b, 0);

test('an exploration runs where the timetable announced one: k = ceil(rate·nnz) per layer not kept dense', () => {
  const sp = sparse('set');
  sp.requests.follow({ regularUpdates: () => true, explorationAt: (it) => it === 7 });
  const before = new Map([...sp.requests.ticketMasks()].map(([name, m]) => [name, m.slice()]));
  assert.equal(before.size, sp.masks.layers.length - 1, 'the layer kept dense is in no ticket');
  const r = sp.requests.explore(7, 0.5, 'base');
  const want = [...before.values()].reduce((a, m) => a + Math.ceil(0.5 * nnz(m)), 0);
  assert.deepEqual([r.exploration, r.dropped, r.grown, r.dropFraction], [true, want, want, 0.5]);
  for (const [name, m] of sp.requests.ticketMasks()) {
    assert.equal(nnz(m), nnz(before.get(name)!), `${name}: an exploration keeps nnz`);
    assert.notDeepEqual(m, before.get(name), `${name}: connections moved`);
  }
  assert.deepEqual(sp.updates, [r]);
});

test('a booster is followed once, and explores only where its timetable says', () => {
  const sp = sparse('rigl');
  const timetable = { regularUpdates: () => true, explorationAt: (it: number) => it === 7 };
  sp.requests.follow(timetable);
  assert.throws(() => sp.requests.follow(timetable), /already follows a booster/);
  assert.throws(() => sp.requests.explore(8, 0.5, 'code'), /iteration 8 is not an exploration/);
  assert.throws(() => sp.requests.explore(7, 1.5, 'code'), /rate must be in \[0, 1\]/);
  assert.equal(sp.updates.length, 0);
});

test('the checkpoint state is checked where it enters: as written, it is taken as is; otherwise the field is named', () => {
  const sp = sparse('gmp');
  const state = JSON.parse(
    JSON.stringify({
      snipPending: false,
      flopsSum: 12,
      flopsSteps: 3,
      updates: [{ iteration: 5, dropFraction: 0, dropped: 0, grown: 0, density: 0.5, targetSparsity: 0.5 }],
    }),
  );
  assert.equal(sp.parseState(state), state);
  sp.loadState(sp.parseState(state));
  assert.deepEqual(sp.saveState(), state);
  assert.equal(sp.trainingFlopsRatio(), 12 / (3 * (3 * sp.forwardFlops(true))));
  const bad = { ...state, updates: [{ ...state.updates[0], dropped: 'many' }] };
  assert.throws(() => sp.parseState(bad), /sparse hook state: .* at updates\.0\.dropped: Expected number/);
  assert.throws(() => sp.parseState({ ...state, flopsSteps: undefined }), /at flopsSteps/);
});

test('SET grow scores reach a masked layer through the stream a compressed layer reads: the same draws', () => {
  const n = (1 << 20) + 1234; // more than one block of the stream
  const streamed = collectScores(uniformScores(n, Rng.derive(5, 'grow:fc1.weight:10')), n);
  assert.deepEqual(streamed, randomScores(n, Rng.derive(5, 'grow:fc1.weight:10')));
  const small = randomScores(300, new Rng(2, 0));
  assert.equal(
    collectScores((visit) => visit(0, small), 300),
    small,
    'a one-block source is taken without a copy',
  );
});
