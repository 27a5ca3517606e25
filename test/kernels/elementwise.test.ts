import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';

const nk = native();

test('elementwise: hand-computed values', () => {
  for (const k of [js, nk]) {
    const out = new Float32Array(3).fill(NaN);
    k.add(out, Float32Array.of(1, 2, 3), Float32Array.of(10, 20, 30));
    assert.deepEqual(out, Float32Array.of(11, 22, 33));
    k.mul(out, Float32Array.of(1, 2, 3), Float32Array.of(0, -1, 0.5));
    assert.deepEqual(out, Float32Array.of(0, -2, 1.5));
    const y = Float32Array.of(1, 1, 1);
    k.axpy(y, 2, Float32Array.of(1, 2, 3));
    assert.deepEqual(y, Float32Array.of(3, 5, 7));
    k.scale(y, -0.5);
    assert.deepEqual(y, Float32Array.of(-1.5, -2.5, -3.5));
    const m = Float32Array.of(1, 2, 3, 4); // [[1, 2], [3, 4]]
    k.addBiasRows(m, Float32Array.of(10, 20), 2, 2);
    assert.deepEqual(m, Float32Array.of(11, 22, 13, 24));
    const dbias = Float32Array.of(1, 1);
    k.sumRows(dbias, Float32Array.of(1, 2, 3, 4), 2, 2);
    assert.deepEqual(dbias, Float32Array.of(5, 7)); // accumulated onto the 1s
  }
});

test('elementwise: native equals the reference on odd and large sizes', () => {
  let seed = 1;
  for (const n of [1, 17, 1023, 100003]) {
    const a = randomArray(n, seed++);
    const b = randomArray(n, seed++);
    for (const op of ['add', 'mul'] as const) {
      const o1 = new Float32Array(n).fill(NaN);
      const o2 = new Float32Array(n).fill(NaN);
      js[op](o1, a, b);
      nk[op](o2, a, b);
      assert.deepEqual(o2, o1, `${op} n=${n}`);
    }
    const y1 = randomArray(n, seed);
    const y2 = y1.slice();
    js.axpy(y1, -0.37, a);
    nk.axpy(y2, -0.37, a);
    assertClose(y2, y1, 1e-6, `axpy n=${n}`);
    js.scale(y1, 1.7);
    nk.scale(y2, 1.7);
    assertClose(y2, y1, 1e-6, `scale n=${n}`);
  }
});

test('elementwise: native add and mul work in place', () => {
  const a = randomArray(70001, 3);
  const b = randomArray(70001, 4);
  const sum = new Float32Array(a.length);
  nk.add(sum, a, b);
  const inPlace = a.slice();
  nk.add(inPlace, inPlace, b);
  assert.deepEqual(inPlace, sum);
  const sq = new Float32Array(a.length);
  nk.mul(sq, a, a);
  const inPlaceSq = a.slice();
  nk.mul(inPlaceSq, inPlaceSq, inPlaceSq);
  assert.deepEqual(inPlaceSq, sq);
});

test('addBiasRows / sumRows: native equals the reference; sumRows accumulates', () => {
  let seed = 10;
  for (const [rows, F] of [
    [1, 1],
    [3, 5],
    [128, 10],
    [128, 1000],
    [70000, 3],
    [33, 2049],
  ]) {
    const bias = randomArray(F, seed++);
    const y1 = randomArray(rows * F, seed++);
    const y2 = y1.slice();
    js.addBiasRows(y1, bias, rows, F);
    nk.addBiasRows(y2, bias, rows, F);
    assert.deepEqual(y2, y1, `addBiasRows rows=${rows} F=${F}`);
    const d1 = randomArray(F, seed++);
    const d2 = d1.slice();
    js.sumRows(d1, y1, rows, F);
    nk.sumRows(d2, y1, rows, F);
    assertClose(d2, d1, 1e-6, `sumRows rows=${rows} F=${F}`);
  }
});

test('sumRows: native results do not depend on the thread count', () => {
  const before = nk.threads();
  for (const [rows, F] of [
    [4096, 64],
    [70000, 3],
    [100, 5000],
  ]) {
    const dy = randomArray(rows * F, 7, -1, 3);
    const runs = [1, 2, 3].map((t) => {
      nk.setThreads(t);
      const d = new Float32Array(F);
      nk.sumRows(d, dy, rows, F);
      return d;
    });
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[2], runs[0]);
  }
  nk.setThreads(before);
});

test('elementwise: bad lengths throw Errors naming the op', () => {
  const a = new Float32Array(6);
  assert.throws(() => nk.add(a, a, new Float32Array(5)), /add: b has length 5, expected 6/);
  assert.throws(() => nk.mul(a, new Float32Array(7), a), /mul: a has length 7, expected 6/);
  assert.throws(() => nk.axpy(a, 1, new Float32Array(2)), /axpy: x has length 2, expected 6/);
  assert.throws(
    () => nk.addBiasRows(a, new Float32Array(2), 2, 3),
    /addBiasRows: bias has length 2, expected 3 \(rows=2 F=3\)/,
  );
  assert.throws(() => nk.addBiasRows(a, new Float32Array(3), 3, 3), /addBiasRows: y has length 6, expected 9/);
  assert.throws(() => nk.sumRows(new Float32Array(3), a, 3, 3), /sumRows: dy has length 6, expected 9/);
  assert.throws(() => nk.sumRows(new Float32Array(3), a, -2, 3), /sumRows: invalid shape/);
  assert.throws(
    () => nk.scale(new Float64Array(2) as unknown as Float32Array, 2),
    /scale: argument 'x' must be a Float32Array/,
  );
});
