import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray, randomInts } from '../helpers.js';
import type { Kernels } from '../../src/kernels/kernels.js';

const nk = native();

function run(k: Kernels, logits: Float32Array, targets: Int32Array | Float32Array, N: number, C: number, alpha = 0) {
  const dlogits = new Float32Array(N * C).fill(NaN);
  const probs = new Float32Array(N * C).fill(NaN);
  const loss = k.softmaxCrossEntropy(dlogits, probs, logits, targets, N, C, alpha);
  return { loss, dlogits, probs };
}

/** N random distributions over C classes. */
function softTargets(N: number, C: number, seed: number): Float32Array {
  const t = randomArray(N * C, seed, 0, 1);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < C; j++) s += t[i * C + j];
    for (let j = 0; j < C; j++) t[i * C + j] /= s;
  }
  return t;
}

test('softmaxCrossEntropy: hand-computed values, with and without label smoothing', () => {
  // logits [0, ln 3] → softmax [1/4, 3/4]; target 1 → loss = −ln(3/4) = ln(4/3).
  const logits = Float32Array.of(0, Math.log(3));
  for (const k of [js, nk]) {
    const r = run(k, logits, Int32Array.of(1), 1, 2);
    assert.ok(Math.abs(r.loss - Math.log(4 / 3)) < 1e-6, `${k.name} loss ${r.loss}`);
    assertClose(r.probs, [0.25, 0.75], 1e-6, `${k.name} probs`);
    assertClose(r.dlogits, [0.25, -0.25], 1e-6, `${k.name} dlogits`);
    // α = 0.2, C = 2: target [0.1, 0.9].
    const s = run(k, logits, Int32Array.of(1), 1, 2, 0.2);
    assert.ok(Math.abs(s.loss - (0.1 * Math.log(4) + 0.9 * Math.log(4 / 3))) < 1e-6, `${k.name} smoothed loss`);
    assertClose(s.dlogits, [0.15, -0.15], 1e-6, `${k.name} smoothed dlogits`);
    // Two rows: the mean, and dlogits divided by N = 2. Row 2: uniform logits, loss ln 2.
    const two = run(k, Float32Array.of(0, Math.log(3), 5, 5), Int32Array.of(1, 0), 2, 2);
    assert.ok(Math.abs(two.loss - (Math.log(4 / 3) + Math.log(2)) / 2) < 1e-6, `${k.name} mean over rows`);
    assertClose(two.dlogits, [0.125, -0.125, -0.25, 0.25], 1e-6, `${k.name} dlogits / N`);
  }
});

test('softmaxCrossEntropy: native equals the reference (indices, smoothing, soft targets)', () => {
  let seed = 1;
  for (const [N, C] of [
    [1, 1],
    [3, 5],
    [37, 10],
    [128, 1000],
    [1000, 100],
  ]) {
    const logits = randomArray(N * C, seed++, -6, 6);
    const labels = randomInts(N, seed++, C);
    const soft = softTargets(N, C, seed++);
    for (const [targets, alpha] of [
      [labels, 0],
      [labels, 0.1],
      [soft, 0.3],
    ] as [Int32Array | Float32Array, number][]) {
      const what = `N=${N} C=${C} ${targets instanceof Int32Array ? 'indices' : 'soft'} α=${alpha}`;
      const a = run(js, logits, targets, N, C, alpha);
      const b = run(nk, logits, targets, N, C, alpha);
      const lossOk = Math.abs(b.loss - a.loss) <= 1e-5 * Math.max(1, Math.abs(a.loss));
      assert.ok(lossOk, `loss ${what}: ${b.loss} vs ${a.loss}`);
      assertClose(b.probs, a.probs, 1e-4, `probs ${what}`);
      assertClose(b.dlogits, a.dlogits, 1e-4, `dlogits ${what}`);
    }
  }
});

test('softmaxCrossEntropy: one-hot soft targets equal index targets; huge logits stay finite', () => {
  const [N, C] = [4, 6];
  const logits = randomArray(N * C, 3, -1000, 1000);
  const labels = randomInts(N, 4, C);
  const onehot = new Float32Array(N * C);
  labels.forEach((y, i) => (onehot[i * C + y] = 1));
  for (const k of [js, nk]) {
    const a = run(k, logits, labels, N, C);
    const b = run(k, logits, onehot, N, C, 0.5); // α is ignored with soft targets
    assert.ok(Number.isFinite(a.loss), `${k.name} loss ${a.loss}`);
    assert.ok(a.dlogits.every(Number.isFinite) && a.probs.every(Number.isFinite), `${k.name} finite outputs`);
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * Math.abs(a.loss), `${k.name}: ${a.loss} vs ${b.loss}`);
    assert.deepEqual(a.dlogits, b.dlogits);
  }
});

test('softmaxCrossEntropy: out-of-range labels and bad lengths throw Errors naming the op and row', () => {
  const logits = new Float32Array(15);
  for (const k of [js, nk]) {
    assert.throws(() => run(k, logits, Int32Array.of(0, 4, 5), 3, 5), /softmaxCrossEntropy: target 5 at row 2/);
    assert.throws(() => run(k, logits, Int32Array.of(-1, 0, 0), 3, 5), /softmaxCrossEntropy: target -1 at row 0/);
  }
  const d = new Float32Array(15);
  assert.throws(
    () => nk.softmaxCrossEntropy(d, d, new Float32Array(14), Int32Array.of(0, 0, 0), 3, 5, 0),
    /softmaxCrossEntropy: logits has length 14, expected 15 \(N=3 C=5\)/,
  );
  assert.throws(
    () => nk.softmaxCrossEntropy(d, d, logits, Int32Array.of(0, 0), 3, 5, 0),
    /softmaxCrossEntropy: targets has length 2, expected 3/,
  );
  assert.throws(
    () => nk.softmaxCrossEntropy(d, d, logits, new Float32Array(3), 3, 5, 0),
    /softmaxCrossEntropy: targets has length 3, expected 15/,
  );
  assert.throws(
    () => nk.softmaxCrossEntropy(d, d, logits, new Float64Array(3) as unknown as Float32Array, 3, 5, 0),
    /softmaxCrossEntropy: argument 'targets' must be an Int32Array or a Float32Array/,
  );
});
