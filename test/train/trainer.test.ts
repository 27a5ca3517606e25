// The trainer calls every hook at its point of the loop, in order, with the epoch/batch/iteration numbers of the
// step — across an interruption too — on a tiny synthetic run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchLoader } from '../../src/data/loader.js';
import { loadDataset } from '../../src/data/registry.js';
import { createModel } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { SGD } from '../../src/optim/sgd.js';
import type { Hook } from '../../src/train/hooks.js';
import { Trainer } from '../../src/train/trainer.js';
import { native } from '../helpers.js';

const k = native();
// 20 samples in batches of 8: 3 batches per epoch, the last one short.
const data = loadDataset('synthetic', {
  synthetic: { train: 20, test: 6, shape: [1, 28, 28], classes: 10, seed: 1 },
});
const PER_EPOCH = 3;
const EPOCHS = 2;
const schedule = (it: number) => 0.01 / (1 + it);

/** A trainer whose hooks 'a' and 'b' log every call; `stopAfter` steps interrupt the run. */
function setup(stopAfter = Infinity) {
  const model = createModel('lenet300', { width: 0.05, seed: 2 }).useKernels(k);
  const optimizer = new SGD(k, model.namedParameters(), { lr: 0.01, momentum: 0.9 });
  const ce = new CrossEntropyLoss(0, k);
  const events: string[] = [];
  const problems: string[] = [];
  const weight = () => model.namedParameters()[0][1].data.slice();
  let before = new Float32Array();
  let steps = 0;
  const recorder = (name: string): Hook => ({
    name,
    beforeStep: (ctx) => {
      events.push(`${name}.beforeStep e${ctx.epoch} b${ctx.batchIndex} i${ctx.iteration}`);
      if (ctx.loss !== undefined) problems.push(`loss set before the step at iteration ${ctx.iteration}`);
      if (ctx.lr !== schedule(ctx.iteration)) problems.push(`lr ${ctx.lr} at iteration ${ctx.iteration}`);
      if (ctx.batch.n !== (ctx.batchIndex === PER_EPOCH - 1 ? 4 : 8)) problems.push(`batch of ${ctx.batch.n}`);
      before = weight();
    },
    afterBackward: (ctx) => {
      events.push(`${name}.afterBackward e${ctx.epoch} b${ctx.batchIndex} i${ctx.iteration}`);
      if (!Number.isFinite(ctx.loss)) problems.push(`no loss after backward at iteration ${ctx.iteration}`);
      if (!weight().every((w, i) => w === before[i]))
        problems.push(`weights changed before the optimiser step at iteration ${ctx.iteration}`);
    },
    afterStep: (ctx) => {
      events.push(`${name}.afterStep e${ctx.epoch} b${ctx.batchIndex} i${ctx.iteration}`);
      if (weight().every((w, i) => w === before[i]))
        problems.push(`weights unchanged after the optimiser step at iteration ${ctx.iteration}`);
    },
    epochEnd: (record, trainer) => {
      events.push(`${name}.epochEnd epoch ${record.epoch} i${record.iteration}`);
      if (!('test' in record.eval)) problems.push(`epoch ${record.epoch} ended before its evaluation`);
      if (trainer.position.epoch !== record.epoch || trainer.position.batchIndex !== 0)
        problems.push(`position ${JSON.stringify(trainer.position)} at the end of epoch ${record.epoch}`);
    },
    runEnd: (trainer) => {
      events.push(`${name}.runEnd`);
      if (trainer.position.epoch !== EPOCHS) problems.push(`run ended at epoch ${trainer.position.epoch}`);
    },
  });
  const trainer = new Trainer({
    model,
    kernels: k,
    optimizer,
    schedule,
    loss: { compute: (logits, y) => ce.compute(logits, y) },
    train: new BatchLoader(data.train, {
      batch: 8,
      shuffle: true,
      augment: false,
      normalization: data.normalization,
      seed: 1,
    }),
    evalSets: {
      test: new BatchLoader(data.test, {
        batch: 8,
        shuffle: false,
        augment: false,
        normalization: data.normalization,
        seed: 1,
      }),
    },
    epochs: EPOCHS,
    hooks: [recorder('a'), recorder('b')],
    onEpochEnd: (record) => events.push(`onEpochEnd epoch ${record.epoch}`),
    shouldStop: () => steps >= stopAfter,
    onProgress: () => steps++,
  });
  return { trainer, events, problems, resume: () => (stopAfter = Infinity) };
}

/** The calls expected of iterations [from, to) and of the epoch ends and run end they reach. */
function expected(from: number, to: number, runEnd: boolean): string[] {
  const out: string[] = [];
  for (let it = from; it < to; it++) {
    const where = `e${Math.floor(it / PER_EPOCH)} b${it % PER_EPOCH} i${it}`;
    for (const phase of ['beforeStep', 'afterBackward', 'afterStep'])
      for (const h of ['a', 'b']) out.push(`${h}.${phase} ${where}`);
    if ((it + 1) % PER_EPOCH === 0) {
      const epoch = (it + 1) / PER_EPOCH;
      out.push(
        `a.epochEnd epoch ${epoch} i${it + 1}`,
        `b.epochEnd epoch ${epoch} i${it + 1}`,
        `onEpochEnd epoch ${epoch}`,
      );
    }
  }
  if (runEnd) out.push('a.runEnd', 'b.runEnd');
  return out;
}

test('hooks: beforeStep, afterBackward, afterStep, epochEnd and runEnd in order, with their epoch and iteration', async () => {
  const { trainer, events, problems } = setup();
  assert.equal(trainer.iterationsPerEpoch, PER_EPOCH);
  assert.equal(await trainer.run(), 'completed');
  assert.deepEqual(events, expected(0, EPOCHS * PER_EPOCH, true));
  assert.deepEqual(problems, []);
});

test('hooks: an interrupted run gets no epochEnd or runEnd past where it stopped; resuming continues the numbering', async () => {
  // Stopped after 4 iterations: epoch 1 has ended, epoch 2 is at its second batch.
  const { trainer, events, problems, resume } = setup(4);
  assert.equal(await trainer.run(), 'interrupted');
  assert.deepEqual(events, expected(0, 4, false));
  assert.deepEqual(trainer.position, { ...trainer.position, epoch: 1, batchIndex: 1, iteration: 4 });
  resume();
  events.length = 0;
  assert.equal(await trainer.run(), 'completed');
  assert.deepEqual(events, expected(4, EPOCHS * PER_EPOCH, true));
  assert.deepEqual(problems, []);
});
