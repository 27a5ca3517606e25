import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClose,
  convShape as shape,
  convSizes as sizes,
  js,
  native,
  randomArray,
  type ConvDims,
} from '../helpers.js';
import type { ConvShape } from '../../src/kernels/kernels.js';
import * as ref from '../../src/kernels/js/conv.js';

const nk = native();

const CASES: ConvDims[] = [
  [2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1], // odd, non-square
  [3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1], // stride 2
  [2, 5, 8, 6, 3, 5, 5, 1, 1, 2, 2, 1], // 5×5, pad 2
  [2, 3, 11, 13, 8, 7, 7, 2, 2, 3, 3, 1], // 7×7 stride 2 pad 3 (a ResNet stem)
  [2, 8, 6, 6, 16, 1, 1, 1, 1, 0, 0, 1], // 1×1 without im2col
  [3, 8, 7, 7, 16, 1, 1, 2, 2, 0, 0, 1], // 1×1 stride 2 (a shortcut)
  [5, 16, 16, 16, 24, 1, 1, 1, 1, 0, 0, 1], // 1×1, 256 pixels: one sample per chunk
  [2, 8, 16, 16, 6, 1, 1, 1, 1, 0, 0, 2], // 1×1 in groups
  [2, 6, 5, 7, 4, 3, 3, 1, 1, 0, 0, 2], // groups 2, no padding
  [4, 6, 5, 5, 6, 3, 3, 3, 3, 2, 2, 3], // stride 3, groups 3
  [2, 8, 9, 9, 8, 3, 3, 1, 1, 1, 1, 8], // depthwise
  [3, 6, 8, 7, 6, 3, 3, 2, 2, 1, 1, 6], // depthwise stride 2
  [2, 4, 6, 6, 8, 3, 3, 1, 1, 1, 1, 4], // depthwise, channel multiplier 2
  [40, 64, 2, 2, 64, 3, 3, 1, 1, 1, 1, 1], // small images: several samples per chunk
  [40, 16, 4, 4, 32, 1, 1, 1, 1, 0, 0, 1], // 1×1, several samples per chunk
  [17, 6, 3, 5, 4, 3, 3, 1, 2, 1, 0, 2], // odd batch (ragged chunks), groups, mixed stride/pad
  [1, 3, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1], // N = 1
  [3, 4, 20, 20, 8, 3, 3, 1, 1, 1, 1, 1], // 400 pixels, "same" 3×3
  [2, 4, 16, 12, 4, 3, 3, 1, 1, 0, 0, 1], // stride 1, no padding
  [2, 3, 4, 4, 5, 3, 3, 1, 1, 2, 2, 1], // more padding than needed
  [2, 2, 3, 3, 3, 5, 5, 1, 1, 1, 1, 1], // kernel larger than the image
  [1, 2, 1, 1, 2, 2, 2, 4, 4, 3, 3, 1], // some outputs see only padding
  // Chunks of m samples (m = ⌈1024 / (OH·OW)⌉ up to the task's share), at stride 1 and 2:
  [2, 2, 32, 32, 3, 3, 3, 1, 1, 1, 1, 1], // m = 1, padded
  [2, 3, 34, 34, 4, 3, 3, 1, 1, 0, 0, 1], // m = 1, unpadded: x and dx used in place
  [2, 4, 32, 32, 5, 1, 1, 1, 1, 0, 0, 1], // m = 1, pointwise
  [2, 2, 64, 64, 3, 3, 3, 2, 2, 1, 1, 1], // m = 1, stride 2
  [5, 2, 32, 64, 2, 3, 3, 2, 2, 1, 1, 1], // m = 2 (and a remainder of 1)
  [8, 2, 32, 32, 3, 3, 3, 2, 2, 1, 1, 1], // m = 4
  [20, 2, 16, 32, 2, 3, 3, 2, 2, 1, 1, 1], // m = 8 and 2
  [40, 2, 16, 16, 2, 3, 3, 2, 2, 1, 1, 1], // m = 16 and 4
  [12, 4, 16, 16, 4, 3, 3, 2, 2, 1, 1, 4], // depthwise, stride 2, m = 6
  [40, 8, 4, 4, 8, 3, 3, 1, 1, 1, 1, 8], // depthwise, small images: m = 20
];

interface Result {
  y: ArrayLike<number>;
  dx: ArrayLike<number>;
  dw: ArrayLike<number>;
  dbias: ArrayLike<number> | null;
}

interface Inputs {
  x: Float32Array;
  w: Float32Array;
  bias: Float32Array | null;
  dy: Float32Array;
  dw0: Float32Array;
  dbias0: Float32Array | null;
}

function inputs(s: ConvShape, withBias: boolean, seed: number): Inputs {
  const n = sizes(s);
  return {
    x: randomArray(n.x, seed),
    w: randomArray(n.w, seed + 1),
    bias: withBias ? randomArray(s.K, seed + 2) : null,
    dy: randomArray(n.y, seed + 3),
    dw0: randomArray(n.w, seed + 4),
    dbias0: withBias ? randomArray(s.K, seed + 5) : null,
  };
}

/** The float64 reference, with the parameter gradients accumulated onto dw0 and dbias0. */
function reference(s: ConvShape, a: Inputs): Result {
  const f64 = (v: Float32Array) => Float64Array.from(v);
  const n = sizes(s);
  const y = new Float64Array(n.y);
  const dx = new Float64Array(n.x);
  const dw = f64(a.dw0);
  const dbias = a.dbias0 ? f64(a.dbias0) : null;
  ref.conv2dForward(y, f64(a.x), f64(a.w), a.bias ? f64(a.bias) : null, s);
  ref.conv2dBackwardInput(dx, f64(a.dy), f64(a.w), s);
  ref.conv2dBackwardWeight(dw, dbias, f64(a.dy), f64(a.x), s);
  return { y, dx, dw, dbias };
}

/** One backend's three passes; outputs start as NaN (they must be overwritten), gradients as dw0 / dbias0. */
function run(k: typeof nk, s: ConvShape, a: Inputs): Result {
  const n = sizes(s);
  const y = new Float32Array(n.y).fill(NaN);
  const dx = new Float32Array(n.x).fill(NaN);
  const dw = a.dw0.slice();
  const dbias = a.dbias0 ? a.dbias0.slice() : null;
  k.conv2dForward(y, a.x, a.w, a.bias, s);
  k.conv2dBackwardInput(dx, a.dy, a.w, s);
  k.conv2dBackwardWeight(dw, dbias, a.dy, a.x, s);
  return { y, dx, dw, dbias };
}

function assertResultsClose(got: Result, want: Result, what: string): void {
  assertClose(got.y, want.y, 1e-4, `${what} y`);
  assertClose(got.dx, want.dx, 1e-4, `${what} dx`);
  assertClose(got.dw, want.dw, 1e-4, `${what} dw`);
  if (want.dbias) assertClose(got.dbias!, want.dbias, 1e-4, `${what} dbias`);
}

test('conv2d reference: a hand-computed 3×3 input with a 2×2 kernel (float64)', () => {
  const s = shape([1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1]);
  const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const w = Float64Array.from([1, 2, 3, 4]);
  const y = new Float64Array(4).fill(NaN);
  ref.conv2dForward(y, x, w, Float64Array.from([0.5]), s);
  assert.deepEqual(Array.from(y), [37.5, 47.5, 67.5, 77.5]);
  const dy = Float64Array.from([1, 1, 1, 1]);
  const dx = new Float64Array(9).fill(NaN);
  ref.conv2dBackwardInput(dx, dy, w, s);
  assert.deepEqual(Array.from(dx), [1, 3, 2, 4, 10, 6, 3, 7, 4]);
  const dw = Float64Array.from([1, 1, 1, 1]);
  const dbias = Float64Array.from([1]);
  ref.conv2dBackwardWeight(dw, dbias, dy, x, s);
  assert.deepEqual(Array.from(dw), [13, 17, 25, 29]);
  assert.deepEqual(Array.from(dbias), [5]);
});

test('conv2d reference: padding and stride on a hand-computed example (float64)', () => {
  // 1×1×3×3 input, 3×3 kernel of ones, stride 2, pad 1: each output sums the in-image part of its window.
  const s = shape([1, 1, 3, 3, 1, 3, 3, 2, 2, 1, 1, 1]);
  const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const y = new Float64Array(4);
  ref.conv2dForward(y, x, new Float64Array(9).fill(1), null, s);
  assert.deepEqual(Array.from(y), [1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
});

test('conv2d: the js backend is the float64 reference run in float32', () => {
  const s = shape([2, 4, 6, 5, 6, 3, 3, 2, 1, 1, 1, 2]);
  const a = inputs(s, true, 900);
  assertResultsClose(run(js, s, a), reference(s, a), 'js');
});

test('conv2d: native equals the reference over strides, paddings, kernels, groups and batch chunking', () => {
  let seed = 1;
  for (const dims of CASES) {
    for (const withBias of [false, true]) {
      const s = shape(dims);
      const a = inputs(s, withBias, (seed += 10));
      assertResultsClose(run(nk, s, a), reference(s, a), `[${dims}] bias=${withBias}`);
    }
  }
});

test('conv2d: native is correct with 1 and 3 threads, and bit-identical when repeated', () => {
  const before = nk.threads();
  try {
    for (const threads of [1, 3, before]) {
      nk.setThreads(threads);
      for (const dims of CASES.filter((_, i) => i % 3 === 0)) {
        const s = shape(dims);
        const a = inputs(s, true, 500);
        const first = run(nk, s, a);
        assertResultsClose(first, reference(s, a), `threads=${threads} [${dims}]`);
        const again = run(nk, s, a);
        assert.deepEqual(again, first, `threads=${threads} [${dims}]: a repeated run differs`);
      }
    }
  } finally {
    nk.setThreads(before);
  }
});

test('conv2d: the binding rejects bad lengths, groups and sizes with an Error naming the op', () => {
  const s = shape([1, 3, 2, 2, 4, 1, 1, 1, 1, 0, 0, 1]);
  const n = sizes(s);
  const x = new Float32Array(n.x);
  const w = new Float32Array(n.w);
  const y = new Float32Array(n.y);
  assert.throws(
    () => nk.conv2dForward(y, new Float32Array(10), w, null, s),
    /conv2dForward: x has length 10, expected 12 \(N=1 C=3 H=2 W=2 K=4/,
  );
  assert.throws(() => nk.conv2dForward(y, x, w, new Float32Array(3), s), /conv2dForward: bias has length 3/);
  assert.throws(() => nk.conv2dForward(y, x, w, new Float32Array(0), s), /conv2dForward: bias has length 0/);
  assert.throws(() => nk.conv2dForward(new Float32Array(1), x, w, null, s), /conv2dForward: y has length 1/);
  assert.throws(() => nk.conv2dForward(y, x, w, null, { ...s, groups: 2 }), /conv2dForward: groups must divide/);
  assert.throws(() => nk.conv2dForward(y, x, w, null, { ...s, groups: 0 }), /conv2dForward: groups must be >= 1/);
  assert.throws(() => nk.conv2dForward(y, x, w, null, { ...s, R: 3, S: 3 }), /conv2dForward: .*output size < 1/);
  assert.throws(() => nk.conv2dForward(y, x, w, null, { ...s, strideH: 0 }), /conv2dForward: strideH must be >= 1/);
  assert.throws(() => nk.conv2dForward(y, x, w, null, { ...s, padW: -1 }), /conv2dForward: padW must be >= 0/);
  assert.throws(() => nk.conv2dBackwardInput(x, new Float32Array(5), w, s), /conv2dBackwardInput: dy has length 5/);
  assert.throws(() => nk.conv2dBackwardInput(y, y, w, s), /conv2dBackwardInput: dx has length 16, expected 12/);
  assert.throws(
    () => nk.conv2dBackwardWeight(new Float32Array(11), null, y, x, s),
    /conv2dBackwardWeight: dw has length 11, expected 12/,
  );
  assert.throws(() => nk.conv2dBackwardWeight(w, new Float32Array(1), y, x, s), /conv2dBackwardWeight: dbias has/);
  assert.throws(
    () => nk.conv2dBackwardWeight(w, null, y, new Float64Array(n.x) as unknown as Float32Array, s),
    /conv2dBackwardWeight: argument 'x' must be a Float32Array/,
  );
});
