import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';
import { outSize, type PoolShape } from '../../src/kernels/kernels.js';
import * as ref from '../../src/kernels/js/pool.js';

const nk = native();

// [N, C, H, W, kH, kW, strideH, strideW, padH, padW]
type Dims = [number, number, number, number, number, number, number, number, number, number];

function shape([N, C, H, W, kH, kW, strideH, strideW, padH, padW]: Dims): PoolShape {
  return { N, C, H, W, kH, kW, strideH, strideW, padH, padW };
}

function sizes(s: PoolShape) {
  const OH = outSize(s.H, s.kH, s.strideH, s.padH);
  const OW = outSize(s.W, s.kW, s.strideW, s.padW);
  return { x: s.N * s.C * s.H * s.W, y: s.N * s.C * OH * OW };
}

const CASES: Dims[] = [
  [2, 3, 8, 8, 2, 2, 2, 2, 0, 0], // VGG's 2×2 stride 2
  [2, 3, 7, 9, 2, 2, 2, 2, 0, 0], // same, odd sizes (floor drops the last row / column)
  [3, 2, 9, 7, 3, 3, 2, 2, 1, 1], // overlapping, padded
  [2, 4, 5, 6, 3, 2, 1, 2, 1, 0], // stride 1 in H
  [1, 2, 6, 6, 4, 4, 4, 4, 2, 2], // pad = half the window
  [2, 3, 4, 4, 4, 4, 1, 1, 0, 0], // the whole plane
  [4, 5, 1, 7, 1, 3, 1, 2, 0, 1], // one row
  [64, 16, 4, 4, 2, 2, 2, 2, 0, 0], // many planes
];

const X = [1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 7, 7, 9, 1, 3, 6];

test('pool reference: hand-computed max and average pooling (float64)', () => {
  const x = Float64Array.from(X);
  const s = shape([1, 1, 4, 4, 2, 2, 2, 2, 0, 0]);
  const y = new Float64Array(4).fill(NaN);
  const am = new Int32Array(4).fill(-1);
  ref.maxPool2dForward(y, am, x, s);
  assert.deepEqual(Array.from(y), [5, 8, 9, 7]);
  assert.deepEqual(Array.from(am), [1, 6, 12, 10]); // 7 appears twice: the first wins
  ref.avgPool2dForward(y, x, s);
  assert.deepEqual(Array.from(y), [13 / 4, 11 / 4, 12 / 4, 23 / 4]);

  // 3×3 windows, stride 2, pad 1: max treats the padding as −∞, the average divides by 9 regardless.
  const p = shape([1, 1, 4, 4, 3, 3, 2, 2, 1, 1]);
  ref.maxPool2dForward(y, am, x, p);
  assert.deepEqual(Array.from(y), [5, 8, 9, 8]);
  assert.deepEqual(Array.from(am), [1, 6, 12, 6]);
  const dx = new Float64Array(16).fill(NaN);
  ref.maxPool2dBackward(dx, Float64Array.from([1, 2, 3, 4]), am, p);
  const want = new Array(16).fill(0);
  want[1] = 1;
  want[6] = 2 + 4; // two windows share the maximum at (1, 2)
  want[12] = 3;
  assert.deepEqual(Array.from(dx), want);
  ref.avgPool2dForward(y, x, p);
  assert.deepEqual(Array.from(y), [13 / 9, 20 / 9, 19 / 9, 39 / 9]);
  ref.avgPool2dBackward(dx, Float64Array.from([9, 0, 0, 0]), p);
  assert.deepEqual(Array.from(dx), [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

  const g = new Float64Array(2);
  ref.globalAvgPoolForward(g, Float64Array.from([1, 2, 3, 4, 10, 20, 30, 40]), 1, 2, 4);
  assert.deepEqual(Array.from(g), [2.5, 25]);
  const gdx = new Float64Array(8);
  ref.globalAvgPoolBackward(gdx, Float64Array.from([4, 8]), 1, 2, 4);
  assert.deepEqual(Array.from(gdx), [1, 1, 1, 1, 2, 2, 2, 2]);
});

test('maxPool2d: native equals the reference exactly (values, argmax, gradients)', () => {
  let seed = 1;
  for (const dims of CASES) {
    const s = shape(dims);
    const n = sizes(s);
    const x = randomArray(n.x, (seed += 10));
    const dy = randomArray(n.y, seed + 1);
    const want = { y: new Float32Array(n.y), am: new Int32Array(n.y), dx: new Float32Array(n.x) };
    js.maxPool2dForward(want.y, want.am, x, s);
    js.maxPool2dBackward(want.dx, dy, want.am, s);
    const y = new Float32Array(n.y).fill(NaN);
    const am = new Int32Array(n.y).fill(-7);
    const dx = new Float32Array(n.x).fill(NaN);
    nk.maxPool2dForward(y, am, x, s);
    nk.maxPool2dBackward(dx, dy, am, s);
    assert.deepEqual(y, want.y, `[${dims}] y`);
    assert.deepEqual(am, want.am, `[${dims}] argmax`);
    assertClose(dx, want.dx, 1e-6, `[${dims}] dx`);
  }
});

test('maxPool2d: NaN propagates and ties go to the first maximum, as in PyTorch', () => {
  const x = Float32Array.from([1, NaN, 3, 3, 2, 2, 2, 2]);
  const s = shape([1, 2, 2, 2, 2, 2, 2, 2, 0, 0]);
  for (const k of [js, nk]) {
    const y = new Float32Array(2);
    const am = new Int32Array(2);
    k.maxPool2dForward(y, am, x, s);
    assert.ok(Number.isNaN(y[0]), `${k.name}: NaN did not propagate`);
    assert.deepEqual(Array.from(am), [1, 0], k.name);
    assert.equal(y[1], 2);
  }
});

test('avgPool2d: native equals the float64 reference', () => {
  let seed = 100;
  for (const dims of CASES) {
    const s = shape(dims);
    const n = sizes(s);
    const x = randomArray(n.x, (seed += 10));
    const dy = randomArray(n.y, seed + 1);
    const wantY = new Float64Array(n.y);
    const wantDx = new Float64Array(n.x);
    ref.avgPool2dForward(wantY, Float64Array.from(x), s);
    ref.avgPool2dBackward(wantDx, Float64Array.from(dy), s);
    const y = new Float32Array(n.y).fill(NaN);
    const dx = new Float32Array(n.x).fill(NaN);
    nk.avgPool2dForward(y, x, s);
    nk.avgPool2dBackward(dx, dy, s);
    assertClose(y, wantY, 1e-4, `[${dims}] y`);
    assertClose(dx, wantDx, 1e-4, `[${dims}] dx`);
  }
});

test('globalAvgPool: native equals the float64 reference', () => {
  for (const [N, C, HW] of [
    [1, 1, 1],
    [2, 3, 17],
    [128, 512, 4],
    [8, 64, 64],
    [3, 5, 1000],
  ]) {
    const x = randomArray(N * C * HW, N + C + HW);
    const dy = randomArray(N * C, HW);
    const wantY = new Float64Array(N * C);
    const wantDx = new Float64Array(N * C * HW);
    ref.globalAvgPoolForward(wantY, Float64Array.from(x), N, C, HW);
    ref.globalAvgPoolBackward(wantDx, Float64Array.from(dy), N, C, HW);
    const y = new Float32Array(N * C).fill(NaN);
    const dx = new Float32Array(N * C * HW).fill(NaN);
    nk.globalAvgPoolForward(y, x, N, C, HW);
    nk.globalAvgPoolBackward(dx, dy, N, C, HW);
    assertClose(y, wantY, 1e-4, `N=${N} C=${C} HW=${HW} y`);
    assertClose(dx, wantDx, 1e-4, `N=${N} C=${C} HW=${HW} dx`);
  }
});

test('pooling: results are bit-identical when repeated', () => {
  const s = shape(CASES[2]);
  const n = sizes(s);
  const x = randomArray(n.x, 7);
  const once = () => {
    const y = new Float32Array(n.y);
    const am = new Int32Array(n.y);
    const a = new Float32Array(n.y);
    nk.maxPool2dForward(y, am, x, s);
    nk.avgPool2dForward(a, x, s);
    return { y, am, a };
  };
  assert.deepEqual(once(), once());
});

test('pooling: the binding rejects bad lengths and windows with an Error naming the op', () => {
  const s = shape([1, 2, 4, 4, 2, 2, 2, 2, 0, 0]);
  const x = new Float32Array(32);
  const y = new Float32Array(8);
  const am = new Int32Array(8);
  assert.throws(
    () => nk.maxPool2dForward(y, am, new Float32Array(31), s),
    /maxPool2dForward: x has length 31, expected 32 \(N=1 C=2 H=4 W=4/,
  );
  assert.throws(() => nk.maxPool2dForward(y, new Int32Array(7), x, s), /maxPool2dForward: argmax has length 7/);
  assert.throws(
    () => nk.maxPool2dForward(y, new Float32Array(8) as unknown as Int32Array, x, s),
    /maxPool2dForward: argument 'argmax' must be an Int32Array/,
  );
  assert.throws(() => nk.maxPool2dForward(y, am, x, { ...s, padH: 2 }), /maxPool2dForward: padding must be at most/);
  assert.throws(() => nk.maxPool2dForward(y, am, x, { ...s, kW: 5 }), /maxPool2dForward: .*output size < 1/);
  assert.throws(() => nk.maxPool2dBackward(x, new Float32Array(9), am, s), /maxPool2dBackward: dy has length 9/);
  assert.throws(
    () => nk.maxPool2dBackward(x, y, Int32Array.from([0, 0, 0, 16, 0, 0, 0, 0]), s),
    /maxPool2dBackward: argmax holds an index outside/,
  );
  assert.throws(() => nk.avgPool2dForward(new Float32Array(9), x, s), /avgPool2dForward: y has length 9/);
  assert.throws(() => nk.avgPool2dForward(y, x, { ...s, strideW: 0 }), /avgPool2dForward: strideW must be >= 1/);
  assert.throws(() => nk.avgPool2dBackward(y, y, s), /avgPool2dBackward: dx has length 8, expected 32/);
  assert.throws(
    () => nk.globalAvgPoolForward(new Float32Array(2), x, 1, 2, 15),
    /globalAvgPoolForward: x has length 32, expected 30/,
  );
  assert.throws(() => nk.globalAvgPoolBackward(x, y, 1, 2, 0), /globalAvgPoolBackward: N, C and HW must be >= 1/);
});
