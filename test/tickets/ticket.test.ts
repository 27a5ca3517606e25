// Ticket files and BatchNorm refresh (BU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchLoader } from '../../src/data/loader.js';
import { loadDataset } from '../../src/data/registry.js';
import { createModel } from '../../src/models/index.js';
import type { BatchNorm2d } from '../../src/nn/layers/batchnorm.js';
import { SGD } from '../../src/optim/sgd.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { refreshBatchNorm } from '../../src/tickets/batchnorm.js';
import {
  applyTicket,
  loadTicket,
  packMask,
  saveTicket,
  ticketFromModel,
  unpackMask,
} from '../../src/tickets/ticket.js';
import { readSafetensors, writeSafetensors } from '../../src/util/safetensors.js';
import { native } from '../helpers.js';

const k = native();
const dir = mkdtempSync(join(tmpdir(), 'st-ticket-'));

test('mask packing: 8 positions a byte, least significant first, any length', () => {
  for (const n of [1, 7, 8, 9, 1000]) {
    const m = Uint8Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    assert.deepEqual(unpackMask(packMask(m), n), m);
  }
  assert.equal(packMask(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1)), Buffer.from([1, 1]).toString('base64'));
});

test('a ticket file holds exactly the state dict; masks (a kept weight may be 0) and provenance round-trip', () => {
  const model = createModel('resnet20', { width: 0.25, seed: 1 }).useKernels(k);
  const masks = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters())
    if (p.prunable)
      masks.set(
        name,
        Float32Array.from({ length: p.size }, (_, i) => (i % 3 === 0 ? 1 : 0)),
      );
  // A kept weight that is exactly 0: the mask says kept, the value says 0.
  model.namedParameters().find(([n]) => n === 'conv.weight')![1].data[0] = 0;
  const t = ticketFromModel(model, masks, { model: 'resnet20', width: 0.25, classes: 10, method: 'rigl', seed: 1 });
  const file = join(dir, 't.safetensors');
  saveTicket(file, t);
  const { tensors, metadata } = readSafetensors(file);
  assert.deepEqual([...tensors.keys()], [...model.stateDict().keys()], 'exactly the state dict, in order');
  assert.equal(metadata.format, 'sparsetickets-ticket-1');
  const back = loadTicket(file);
  assert.equal(back.masks.get('conv.weight')![0], 1, 'a kept zero weight stays kept');
  for (const [name, m] of masks) assert.deepEqual([...back.masks.get(name)!], [...m], name);
  assert.equal(back.provenance.density, t.provenance.density);
  assert.ok(Math.abs(back.provenance.density - 1 / 3) < 0.01);
  const other = createModel('resnet20', { width: 0.25, seed: 2 }).useKernels(k);
  applyTicket(other, back);
  assert.deepEqual(other.stateDict().get('fc.weight'), model.stateDict().get('fc.weight'), 'the state is applied');
});

test('loading: a checkpoint or a plain state dict is not a ticket; a ticket without masks is refused unless dense is allowed', () => {
  const model = createModel('lenet300', { width: 0.25, seed: 1 }).useKernels(k);
  const ck = join(dir, 'ck.safetensors');
  saveCheckpoint(ck, { model, optimizer: new SGD(k, model.namedParameters(), { lr: 0.1 }), modelName: 'lenet300' });
  assert.throws(() => loadTicket(ck), /is a sparsetickets-checkpoint-1 file, not a ticket/);
  const plain = join(dir, 'plain.safetensors');
  writeSafetensors(plain, model.stateDict());
  assert.throws(() => loadTicket(plain), /without ticket metadata, not a ticket/);
  const noMasks = join(dir, 'nomasks.safetensors');
  saveTicket(
    noMasks,
    ticketFromModel(model, new Map(), { model: 'lenet300', width: 0.25, classes: 10, method: 'rigl' }),
  );
  assert.throws(() => loadTicket(noMasks), /the ticket has no masks/);
  assert.equal(loadTicket(noMasks, { allowDense: true }).masks.size, 0);
});

test('BU: refreshed BatchNorm statistics equal a fresh cumulative pass (mean of the batch statistics), momentum restored', () => {
  const data = loadDataset('synthetic', {
    synthetic: { train: 96, test: 8, shape: [3, 32, 32], classes: 10, seed: 3 },
  });
  const loader = new BatchLoader(data.train, {
    batch: 32,
    shuffle: true,
    augment: false,
    normalization: data.normalization,
    seed: 5,
  });
  const model = createModel('resnet20', { width: 0.25, seed: 4 }).useKernels(k);
  const named = new Map(model.namedModules());
  const conv1 = named.get('conv')!;
  const bn1 = named.get('bn') as BatchNorm2d;
  // Stale statistics that a refresh must forget.
  bn1.runningMean.data.fill(7);
  bn1.runningVar.data.fill(9);
  const batches = refreshBatchNorm(model, loader);
  assert.equal(batches, 3);
  assert.equal(bn1.momentum, 0.1, 'momentum restored');
  assert.equal(model.training, false, 'left in eval mode');
  assert.equal(bn1.numBatchesTracked.data[0], 3);
  // Transcription: per batch, the channel mean and unbiased variance of conv1's output; the running values are
  // their plain means over the batches (torch's momentum=None).
  conv1.train();
  const C = bn1.numFeatures;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (const b of loader.epoch(0)) {
    const y = conv1.forward({ data: b.x, shape: b.shape });
    const [N, , H, W] = y.shape;
    for (let c = 0; c < C; c++) {
      let s = 0;
      let s2 = 0;
      for (let n = 0; n < N; n++)
        for (let i = 0; i < H * W; i++) {
          const v = y.data[(n * C + c) * H * W + i];
          s += v;
          s2 += v * v;
        }
      const m = N * H * W;
      mean[c] += s / m / batches;
      variance[c] += (s2 - (s * s) / m) / (m - 1) / batches;
    }
  }
  for (let c = 0; c < C; c++) {
    assert.ok(Math.abs(bn1.runningMean.data[c] - mean[c]) < 1e-4 * (1 + Math.abs(mean[c])), `mean ${c}`);
    assert.ok(Math.abs(bn1.runningVar.data[c] - variance[c]) < 1e-3 * variance[c], `var ${c}`);
  }
});
