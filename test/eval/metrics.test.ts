import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAccumulator } from '../../src/eval/metrics.js';

test('accuracy, NLL and 15-bin ECE from hand-computed cases', () => {
  const m = new MetricAccumulator();
  // row 0: confident right (0.9), row 1: wrong with confidence 0.6, row 2: right at 0.6
  const probs = Float32Array.from([0.9, 0.1, 0.4, 0.6, 0.6, 0.4]);
  m.add(probs, Int32Array.from([0, 0, 0]), 3, 2);
  const r = m.result();
  assert.ok(Math.abs(r.accuracy - 2 / 3) < 1e-12);
  const nll = -(Math.log(0.9) + Math.log(0.4) + Math.log(0.6)) / 3;
  assert.ok(Math.abs(r.nll - nll) < 1e-6);
  // bins: 0.9 → (13/15, 14/15] alone: |1 − 0.9|; 0.6 twice → (8/15, 9/15]: |0.5 − 0.6|
  const ece = (1 / 3) * Math.abs(1 - 0.9) + (2 / 3) * Math.abs(0.5 - 0.6);
  assert.ok(Math.abs(r.ece - ece) < 1e-6, `ece ${r.ece} vs ${ece}`);
});

test('ECE of a perfectly calibrated bin is zero; accumulation over batches equals one pass', () => {
  const a = new MetricAccumulator();
  const probs = Float32Array.from([0.5, 0.5, 0.5, 0.5]);
  a.add(probs, Int32Array.from([0, 1]), 2, 2);
  assert.ok(a.result().ece < 1e-9);
  const b = new MetricAccumulator();
  b.add(probs.subarray(0, 2), Int32Array.from([0]), 1, 2);
  b.add(probs.subarray(2), Int32Array.from([1]), 1, 2);
  assert.deepEqual(b.result(), a.result());
});
