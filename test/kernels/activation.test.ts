import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';
import { activationBackward, activationForward } from '../../src/kernels/js/activation.js';
import type { Activation } from '../../src/kernels/kernels.js';

const nk = native();
const KINDS: Activation[] = ['relu', 'swish', 'mish'];
// Values where the approximations change regime: tails of exp, the softplus threshold, around zero.
const SPECIAL = [-200, -90, -87.5, -30, -20.5, -1e-3, 0, 1e-3, 8, 19.9, 20, 20.1, 30, 88.5, 200];

function inputs(n: number, seed: number): Float32Array {
  const x = randomArray(n, seed, -8, 8);
  x.set(SPECIAL.slice(0, Math.min(n, SPECIAL.length)));
  return x;
}

test('activations: native equals the reference, forward and backward, overwriting the outputs', () => {
  let seed = 1;
  for (const n of [1, 7, 15, 1000, 100003]) {
    const x = inputs(n, seed++);
    const dy = randomArray(n, seed++);
    for (const kind of KINDS) {
      const y1 = new Float32Array(n).fill(NaN);
      const y2 = new Float32Array(n).fill(NaN);
      js.activationForward(kind, y1, x);
      nk.activationForward(kind, y2, x);
      assertClose(y2, y1, 1e-4, `${kind} forward n=${n}`);
      const d1 = new Float32Array(n).fill(NaN);
      const d2 = new Float32Array(n).fill(NaN);
      js.activationBackward(kind, d1, dy, x);
      nk.activationBackward(kind, d2, dy, x);
      assertClose(d2, d1, 1e-4, `${kind} backward n=${n}`);
      // Elementwise relative error too, away from tiny values (the max-norm measure above hides them).
      for (let i = 0; i < n; i++) {
        if (Math.abs(y1[i]) > 1e-3) assert.ok(Math.abs(y2[i] - y1[i]) <= 1e-5 * Math.abs(y1[i]), `${kind}(${x[i]})`);
      }
    }
  }
});

test('activations: hand-computed values', () => {
  const x = Float32Array.of(-1, 0, 1, 2);
  const one = new Float32Array(4).fill(1);
  const sig1 = 1 / (1 + Math.exp(-1));
  const mish1 = Math.tanh(Math.log(1 + Math.E)); // 0.8650983882673103
  const expected: Record<Activation, { y: number[]; d: number[] }> = {
    relu: { y: [0, 0, 1, 2], d: [0, 0, 1, 1] },
    swish: { y: [-(1 - sig1), 0, sig1, 2 / (1 + Math.exp(-2))], d: [NaN, 0.5, sig1 * (1 + (1 - sig1)), NaN] },
    mish: { y: [NaN, 0, mish1, NaN], d: [NaN, 0.6, NaN, NaN] }, // mish'(0) = tanh(ln 2) = 3/5
  };
  for (const k of [js, nk]) {
    for (const kind of KINDS) {
      const y = new Float32Array(4);
      const d = new Float32Array(4);
      k.activationForward(kind, y, x);
      k.activationBackward(kind, d, one, x);
      expected[kind].y.forEach((v, i) => {
        if (!Number.isNaN(v)) assert.ok(Math.abs(y[i] - v) < 1e-6, `${k.name} ${kind}(${x[i]}) = ${y[i]}, want ${v}`);
      });
      expected[kind].d.forEach((v, i) => {
        if (!Number.isNaN(v)) assert.ok(Math.abs(d[i] - v) < 1e-6, `${k.name} ${kind}'(${x[i]}) = ${d[i]}, want ${v}`);
      });
    }
  }
});

test('activations: NaN passes through the forward pass, as in PyTorch', () => {
  for (const k of [js, nk]) {
    for (const kind of KINDS) {
      const y = new Float32Array(2);
      k.activationForward(kind, y, Float32Array.of(NaN, 1));
      assert.ok(Number.isNaN(y[0]), `${k.name} ${kind}(NaN) = ${y[0]}`);
    }
  }
});

test('activations: the float64 reference derivatives equal central finite differences', () => {
  const x = Float64Array.from(inputs(200, 3).filter((v) => Math.abs(v) > 1e-2));
  const h = 1e-6;
  for (const kind of ['swish', 'mish'] as Activation[]) {
    const up = new Float64Array(x.length);
    const down = new Float64Array(x.length);
    activationForward(
      kind,
      up,
      x.map((v) => v + h),
    );
    activationForward(
      kind,
      down,
      x.map((v) => v - h),
    );
    const d = new Float64Array(x.length);
    activationBackward(kind, d, new Float64Array(x.length).fill(1), x);
    assertClose(
      d,
      up.map((u, i) => (u - down[i]) / (2 * h)),
      1e-6,
      kind,
    );
  }
});

test('activations: native works in place (y = x, dx = dy)', () => {
  const x = inputs(5001, 9);
  const dy = randomArray(5001, 10);
  for (const kind of KINDS) {
    const y = new Float32Array(x.length);
    nk.activationForward(kind, y, x);
    const inPlace = x.slice();
    nk.activationForward(kind, inPlace, inPlace);
    assert.deepEqual(inPlace, y, `${kind} forward`);
    const d = new Float32Array(x.length);
    nk.activationBackward(kind, d, dy, x);
    const dInPlace = dy.slice();
    nk.activationBackward(kind, dInPlace, dInPlace, x);
    assert.deepEqual(dInPlace, d, `${kind} backward`);
  }
});

test('activations: native results do not depend on the thread count', () => {
  const before = nk.threads();
  const x = inputs(100003, 11);
  const dy = randomArray(x.length, 12);
  for (const kind of KINDS) {
    const runs = [1, 2, 3].map((t) => {
      nk.setThreads(t);
      const y = new Float32Array(x.length);
      const dx = new Float32Array(x.length);
      nk.activationForward(kind, y, x);
      nk.activationBackward(kind, dx, dy, x);
      return { y, dx };
    });
    assert.deepEqual(runs[1], runs[0], kind);
    assert.deepEqual(runs[2], runs[0], kind);
  }
  nk.setThreads(before);
});

test('activations: bad lengths and kinds throw Errors naming the op', () => {
  const a = new Float32Array(4);
  assert.throws(
    () => nk.activationForward('relu', new Float32Array(3), a),
    /activationForward: y has length 3, expected 4/,
  );
  assert.throws(() => nk.activationBackward('mish', a, new Float32Array(5), a), /activationBackward: dy has length 5/);
  assert.throws(() => nk.activationForward('gelu' as Activation, a, a), /activationForward: argument 'kind'/);
  assert.throws(() => js.activationBackward('gelu' as Activation, a, a, a), /activationBackward: argument 'kind'/);
});
