// Multistep drops at whole epochs (schedule.milestoneEpochs): the rate changes on the first iteration of the
// epoch, as the papers' code steps torch's MultiStepLR once an epoch, where fractions of the iterations can land
// mid-epoch (0.75 × 226 epochs = 169.5); with Sup-tickets the epochs are the normal phase's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAIN, mergeConfig, validateConfig } from '../../src/run/config.js';
import { makeSchedule, supTicketsSchedule } from '../../src/run/schedule.js';

const config = (over: Record<string, unknown>) =>
  validateConfig(mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, over), 'test');

test('milestoneEpochs: ×gamma from the first iteration of each named epoch', () => {
  const ipe = 352;
  const c = config({ epochs: 226, optimizer: { lr: 0.1 }, schedule: { milestoneEpochs: [113, 169] } });
  const s = makeSchedule(c, ipe);
  assert.equal(s(113 * ipe - 1), 0.1);
  assert.ok(Math.abs(s(113 * ipe) - 0.01) < 1e-12);
  assert.ok(Math.abs(s(169 * ipe - 1) - 0.01) < 1e-12);
  assert.ok(Math.abs(s(169 * ipe) - 0.001) < 1e-12);
  // The fraction 0.75 of 226 epochs drops half-way through epoch 169 instead.
  const f = makeSchedule(config({ epochs: 226, optimizer: { lr: 0.1 }, schedule: { milestones: [0.5, 0.75] } }), ipe);
  assert.ok(Math.abs(f(169 * ipe) - 0.01) < 1e-12);
  assert.ok(Math.abs(f(Math.round(169.5 * ipe)) - 0.001) < 1e-12);
});

test('milestoneEpochs with Sup-tickets: the normal phase’s epochs, then the cyclic triangle', () => {
  const ipe = 10;
  const c = config({
    epochs: 250,
    optimizer: { lr: 0.1 },
    schedule: { milestoneEpochs: [113, 169], cycleEpochs: 8, lowLr: 0.001, highLr: 0.005 },
    sparse: { method: 'rigl' },
    booster: { kind: 'suptickets', cycleRate: 0.1 },
  });
  const s = supTicketsSchedule(c, ipe, 226);
  assert.ok(Math.abs(s(169 * ipe) - 0.001) < 1e-12);
  assert.ok(Math.abs(s(226 * ipe) - 0.001) < 1e-12); // the first batch of a cycle: lowLr
  assert.ok(Math.abs(s(230 * ipe) - 0.005) < 1e-12); // mid-cycle: highLr
});

test('milestoneEpochs: a drop at or after the last epoch is refused', () => {
  assert.throws(
    () => config({ epochs: 182, optimizer: { lr: 0.1 }, schedule: { milestoneEpochs: [91, 182] } }),
    /schedule\.milestoneEpochs: epoch 182 is not before the end of the run \(epochs 182\)/,
  );
  assert.throws(() => config({ epochs: 10, optimizer: { lr: 0.1 }, schedule: { milestoneEpochs: [2.5] } }), /integer/);
});
