import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';
import type { SgdOptions } from '../../src/kernels/kernels.js';

const nk = native();

const opts = (o: Partial<SgdOptions>): SgdOptions => ({
  lr: 0.1,
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  ...o,
});

test('sgdUpdate: hand-computed steps as torch.optim.SGD', () => {
  for (const k of [js, nk]) {
    // momentum 0.9, weight decay 0.01, p = 1, grad = 0.5:
    // step 1: g = 0.51, buf = g = 0.51, p = 1 − 0.051 = 0.949
    // step 2: g = 0.5 + 0.00949 = 0.50949, buf = 0.9·0.51 + 0.50949 = 0.96849, p = 0.949 − 0.096849 = 0.852151
    const p = Float32Array.of(1);
    const buf = Float32Array.of(NaN); // ignored on the first step
    const o = opts({ momentum: 0.9, weightDecay: 0.01 });
    k.sgdUpdate(p, Float32Array.of(0.5), buf, o, true);
    assertClose(p, [0.949], 1e-7, `${k.name} step 1 p`);
    assertClose(buf, [0.51], 1e-7, `${k.name} step 1 buf`);
    k.sgdUpdate(p, Float32Array.of(0.5), buf, o, false);
    assertClose(p, [0.852151], 1e-7, `${k.name} step 2 p`);
    assertClose(buf, [0.96849], 1e-7, `${k.name} step 2 buf`);

    // Nesterov, first step: buf = 0.51, g = 0.51 + 0.9·0.51 = 0.969, p = 1 − 0.0969.
    const pn = Float32Array.of(1);
    const nesterov = opts({ momentum: 0.9, weightDecay: 0.01, nesterov: true });
    k.sgdUpdate(pn, Float32Array.of(0.5), Float32Array.of(0), nesterov, true);
    assertClose(pn, [0.9031], 1e-7, `${k.name} nesterov`);

    // Dampening applies from the second step only: buf = 0.9·2 + (1 − 0.5)·2 = 2.8.
    const pd = Float32Array.of(0);
    const bd = Float32Array.of(0);
    const od = opts({ lr: 1, momentum: 0.9, dampening: 0.5 });
    k.sgdUpdate(pd, Float32Array.of(2), bd, od, true);
    assertClose(bd, [2], 1e-7, `${k.name} dampening step 1`);
    k.sgdUpdate(pd, Float32Array.of(2), bd, od, false);
    assertClose(bd, [2.8], 1e-7, `${k.name} dampening step 2`);
    assertClose(pd, [-4.8], 1e-7, `${k.name} dampening p`);

    // Plain SGD: p −= lr·(g + wd·p); the buffer is not touched.
    const pp = Float32Array.of(2, -1);
    const bp = Float32Array.of(7, 7);
    k.sgdUpdate(pp, Float32Array.of(1, 1), bp, opts({ weightDecay: 0.5 }), false);
    assertClose(pp, [2 - 0.1 * 2, -1 - 0.1 * 0.5], 1e-7, `${k.name} plain`);
    assert.deepEqual(bp, Float32Array.of(7, 7));
  }
});

test('sgdUpdate: native equals the reference over several steps of every option combination', () => {
  let seed = 1;
  for (const n of [1, 1001, 70001]) {
    for (const momentum of [0, 0.9]) {
      for (const nesterov of momentum ? [false, true] : [false]) {
        for (const weightDecay of [0, 5e-4]) {
          for (const dampening of nesterov ? [0] : [0, 0.1]) {
            const o = opts({ lr: 0.05, momentum, nesterov, weightDecay, dampening });
            const p1 = randomArray(n, seed++);
            const b1 = randomArray(n, seed++);
            const p2 = p1.slice();
            const b2 = b1.slice();
            for (let step = 0; step < 3; step++) {
              const g = randomArray(n, seed++);
              js.sgdUpdate(p1, g, b1, o, step === 0);
              nk.sgdUpdate(p2, g, b2, o, step === 0);
            }
            const what = `n=${n} ${JSON.stringify(o)}`;
            assertClose(p2, p1, 1e-5, `param ${what}`);
            assertClose(b2, b1, 1e-5, `buf ${what}`);
          }
        }
      }
    }
  }
});

test('sgdUpdate: native results do not depend on the thread count', () => {
  const before = nk.threads();
  const o = opts({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const runs = [1, 2, 3].map((t) => {
    nk.setThreads(t);
    const p = randomArray(100003, 1);
    const buf = randomArray(p.length, 2);
    nk.sgdUpdate(p, randomArray(p.length, 3), buf, o, false);
    return { p, buf };
  });
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
  nk.setThreads(before);
});

test('sgdUpdate: without momentum the native buffer may be empty; bad lengths throw', () => {
  const p = Float32Array.of(1, 2);
  nk.sgdUpdate(p, Float32Array.of(1, 1), new Float32Array(0), opts({}), true);
  assertClose(p, [0.9, 1.9], 1e-7, 'plain step with an empty buffer');
  assert.throws(
    () => nk.sgdUpdate(p, new Float32Array(3), new Float32Array(2), opts({}), false),
    /sgdUpdate: grad has length 3, expected 2/,
  );
  assert.throws(
    () => nk.sgdUpdate(p, new Float32Array(2), new Float32Array(0), opts({ momentum: 0.9 }), false),
    /sgdUpdate: momentumBuf has length 0, expected 2/,
  );
});
