// Cross-entropy: value and dlogits against the definition (float64), label smoothing and soft targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { setPrecision } from '../../src/nn/tensor.js';
import { js, randomArray } from '../helpers.js';

/** −Σ_c t_c·log softmax(z)_c averaged over rows, computed directly. */
function reference(logits: ArrayLike<number>, target: (n: number, c: number) => number, N: number, C: number): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[n * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[n * C + c] - max);
    const logZ = max + Math.log(sum);
    for (let c = 0; c < C; c++) total -= target(n, c) * (logits[n * C + c] - logZ);
  }
  return total / N;
}

function withF64<T>(f: () => T): T {
  setPrecision('f64');
  try {
    return f();
  } finally {
    setPrecision('f32');
  }
}

test('cross-entropy with labels and label smoothing: loss and dlogits match the definition', () => {
  withF64(() => {
    const [N, C] = [4, 5];
    const logits = Float64Array.from(randomArray(N * C, 1, -3, 3));
    const labels = Int32Array.of(0, 4, 2, 2);
    for (const alpha of [0, 0.1]) {
      const target = (n: number, c: number) => (1 - alpha) * (c === labels[n] ? 1 : 0) + alpha / C;
      const ce = new CrossEntropyLoss(alpha, js);
      const { loss, dlogits, probs } = ce.compute({ data: logits as unknown as Float32Array, shape: [N, C] }, labels);
      assert.ok(Math.abs(loss - reference(logits, target, N, C)) < 1e-12, `loss α=${alpha}`);
      const h = 1e-6;
      for (let i = 0; i < N * C; i++) {
        const keep = logits[i];
        logits[i] = keep + h;
        const plus = reference(logits, target, N, C);
        logits[i] = keep - h;
        const minus = reference(logits, target, N, C);
        logits[i] = keep;
        assert.ok(Math.abs(dlogits.data[i] - (plus - minus) / (2 * h)) < 1e-8, `dlogits[${i}] α=${alpha}`);
      }
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += probs.data[n * C + c];
        assert.ok(Math.abs(s - 1) < 1e-12);
      }
    }
  });
});

test('cross-entropy with soft targets (distributions per row)', () => {
  withF64(() => {
    const [N, C] = [3, 4];
    const logits = Float64Array.from(randomArray(N * C, 2, -2, 2));
    const soft = Float64Array.from(randomArray(N * C, 3, 0.1, 1));
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += soft[n * C + c];
      for (let c = 0; c < C; c++) soft[n * C + c] /= s;
    }
    const ce = new CrossEntropyLoss(0, js);
    const { loss, dlogits, probs } = ce.compute(
      { data: logits as unknown as Float32Array, shape: [N, C] },
      soft as unknown as Float32Array,
    );
    assert.ok(Math.abs(loss - reference(logits, (n, c) => soft[n * C + c], N, C)) < 1e-12);
    for (let i = 0; i < N * C; i++) assert.ok(Math.abs(dlogits.data[i] - (probs.data[i] - soft[i]) / N) < 1e-14);
  });
});

test('cross-entropy rejects labels out of range and mismatched sizes', () => {
  const ce = new CrossEntropyLoss(0, js);
  const logits = { data: new Float32Array(6), shape: [2, 3] };
  assert.throws(() => ce.compute(logits, Int32Array.of(0, 3)), /label 3 is outside \[0, 3\)/);
  assert.throws(() => ce.compute(logits, Int32Array.of(0)), /1 labels for a batch of 2/);
  assert.throws(() => ce.compute(logits, new Float32Array(5)), /soft targets hold 5 values, expected 2×3/);
  assert.throws(() => new CrossEntropyLoss(1), /smoothing must be in \[0, 1\)/);
});
