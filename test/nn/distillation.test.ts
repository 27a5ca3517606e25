import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistillationLoss } from '../../src/nn/distillation.js';
import { js, randomArray, randomInts } from '../helpers.js';

const N = 3;
const C = 5;

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The formula of SPEC §3 in float64: α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y), mean over rows. */
function formula(s: ArrayLike<number>, t: ArrayLike<number>, y: Int32Array, alpha: number, T: number): number {
  let total = 0;
  for (let i = 0; i < N; i++) {
    const si = Array.from({ length: C }, (_, c) => s[i * C + c]);
    const ti = Array.from({ length: C }, (_, c) => t[i * C + c]);
    const p = softmax(ti.map((v) => v / T));
    const q = softmax(si.map((v) => v / T));
    const kl = p.reduce((acc, pc, c) => acc + pc * Math.log(pc / q[c]), 0);
    const ce = -Math.log(softmax(si)[y[i]]);
    total += alpha * T * T * kl + (1 - alpha) * ce;
  }
  return total / N;
}

test('distillation loss equals its formula, and its gradient equals finite differences of the formula', () => {
  const s = randomArray(N * C, 1, -3, 3);
  const t = randomArray(N * C, 2, -3, 3);
  const y = randomInts(N, 3, C);
  for (const [alpha, T] of [
    [0.5, 4],
    [0.9, 2],
    [0, 1],
  ]) {
    const kd = new DistillationLoss(alpha, T, js);
    const r = kd.compute({ data: s, shape: [N, C] }, { data: t, shape: [N, C] }, y);
    assert.ok(Math.abs(r.loss - formula(s, t, y, alpha, T)) < 1e-5, `loss α=${alpha} T=${T}`);
    const h = 1e-3;
    for (let i = 0; i < N * C; i++) {
      const plus = Float64Array.from(s);
      const minus = Float64Array.from(s);
      plus[i] += h;
      minus[i] -= h;
      const fd = (formula(plus, t, y, alpha, T) - formula(minus, t, y, alpha, T)) / (2 * h);
      assert.ok(
        Math.abs(r.dlogits.data[i] - fd) < 1e-4,
        `dlogits[${i}] ${r.dlogits.data[i]} vs ${fd} (α=${alpha}, T=${T})`,
      );
    }
  }
});

test('α = 0 is plain cross-entropy; invalid settings are errors', () => {
  const s = randomArray(N * C, 4);
  const y = randomInts(N, 5, C);
  const r = new DistillationLoss(0, 3, js).compute(
    { data: s, shape: [N, C] },
    { data: randomArray(N * C, 6), shape: [N, C] },
    y,
  );
  assert.ok(Math.abs(r.loss - formula(s, s, y, 0, 1)) < 1e-6);
  assert.throws(() => new DistillationLoss(1.5), /alpha must be in \[0, 1\]/);
  assert.throws(() => new DistillationLoss(0.5, 0), /temperature must be > 0/);
});
