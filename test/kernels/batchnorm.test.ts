import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';
import { batchNormBackward, batchNormForwardTrain } from '../../src/kernels/js/batchnorm.js';
import type { Kernels } from '../../src/kernels/kernels.js';

const nk = native();

// Odd sizes; HW = 1 is BatchNorm1d; HW ≥ 32 takes the native planes path, smaller HW the columns path;
// the last shapes are large enough to run on several threads.
const SHAPES: [number, number, number][] = [
  [3, 5, 7],
  [128, 64, 1],
  [2, 4, 9],
  [4, 3, 33],
  [5, 6, 64],
  [1, 3, 50],
  [7, 2, 31],
  [16, 8, 16],
  [8, 16, 1024],
  [600, 130, 1],
];

interface TrainResult {
  y: Float32Array;
  saveMean: Float32Array;
  saveInvStd: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

function train(k: Kernels, x: Float32Array, gamma: Float32Array, beta: Float32Array, N: number, C: number, HW: number) {
  const r: TrainResult = {
    y: new Float32Array(x.length).fill(NaN),
    saveMean: new Float32Array(C).fill(NaN),
    saveInvStd: new Float32Array(C).fill(NaN),
    runningMean: randomArray(C, 7, -0.5, 0.5),
    runningVar: randomArray(C, 8, 0.5, 2),
  };
  const { y, saveMean, saveInvStd, runningMean, runningVar } = r;
  k.batchNormForwardTrain(y, saveMean, saveInvStd, x, gamma, beta, runningMean, runningVar, N, C, HW, 0.1, 1e-5);
  return r;
}

function backward(k: Kernels, t: TrainResult, dy: Float32Array, x: Float32Array, gamma: Float32Array, dims: number[]) {
  const [N, C, HW] = dims;
  const dx = new Float32Array(x.length).fill(NaN);
  const dgamma = randomArray(C, 21); // accumulated into
  const dbeta = randomArray(C, 22);
  k.batchNormBackward(dx, dgamma, dbeta, dy, x, gamma, t.saveMean, t.saveInvStd, N, C, HW);
  return { dx, dgamma, dbeta };
}

test('batchNorm: native equals the reference (train, eval, backward) on odd shapes', () => {
  let seed = 100;
  for (const [N, C, HW] of SHAPES) {
    const what = `N=${N} C=${C} HW=${HW}`;
    // An offset mean checks that the statistics do not cancel catastrophically.
    const x = randomArray(N * C * HW, seed++, 2, 5);
    const gamma = randomArray(C, seed++, 0.5, 1.5);
    const beta = randomArray(C, seed++);
    const a = train(js, x, gamma, beta, N, C, HW);
    const b = train(nk, x, gamma, beta, N, C, HW);
    assertClose(b.y, a.y, 1e-4, `y ${what}`);
    assertClose(b.saveMean, a.saveMean, 1e-5, `saveMean ${what}`);
    assertClose(b.saveInvStd, a.saveInvStd, 1e-4, `saveInvStd ${what}`);
    assertClose(b.runningMean, a.runningMean, 1e-5, `runningMean ${what}`);
    assertClose(b.runningVar, a.runningVar, 1e-5, `runningVar ${what}`);

    const dy = randomArray(N * C * HW, seed++);
    const ga = backward(js, a, dy, x, gamma, [N, C, HW]);
    const gb = backward(nk, a, dy, x, gamma, [N, C, HW]);
    assertClose(gb.dx, ga.dx, 1e-4, `dx ${what}`);
    assertClose(gb.dgamma, ga.dgamma, 1e-4, `dgamma ${what}`);
    assertClose(gb.dbeta, ga.dbeta, 1e-4, `dbeta ${what}`);

    const ye = new Float32Array(x.length).fill(NaN);
    const yn = new Float32Array(x.length).fill(NaN);
    js.batchNormForwardEval(ye, x, gamma, beta, a.runningMean, a.runningVar, N, C, HW, 1e-5);
    nk.batchNormForwardEval(yn, x, gamma, beta, a.runningMean, a.runningVar, N, C, HW, 1e-5);
    assertClose(yn, ye, 1e-4, `eval y ${what}`);
  }
});

test('batchNorm: hand-computed case; running_var takes the unbiased batch variance', () => {
  // One channel, values 1..4: mean 2.5, biased variance 1.25, unbiased 5/3.
  const x = Float32Array.of(1, 2, 3, 4);
  for (const k of [js, nk]) {
    const y = new Float32Array(4);
    const mean = new Float32Array(1);
    const invStd = new Float32Array(1);
    const rm = Float32Array.of(0);
    const rv = Float32Array.of(1);
    k.batchNormForwardTrain(y, mean, invStd, x, Float32Array.of(2), Float32Array.of(0.5), rm, rv, 2, 1, 2, 0.1, 0);
    const s = Math.sqrt(1.25);
    assertClose(
      y,
      [-1.5, -0.5, 0.5, 1.5].map((v) => (2 * v) / s + 0.5),
      1e-6,
      `${k.name} y`,
    );
    assertClose(mean, [2.5], 1e-7, `${k.name} saveMean`);
    assertClose(invStd, [1 / s], 1e-6, `${k.name} saveInvStd`);
    assertClose(rm, [0.25], 1e-7, `${k.name} runningMean`);
    assertClose(rv, [0.9 + 0.1 * (5 / 3)], 1e-7, `${k.name} runningVar`);

    // dy = 1 everywhere: dβ = 4, dγ = Σx̂ = 0, dx = 0.
    const dx = new Float32Array(4).fill(NaN);
    const dgamma = Float32Array.of(1);
    const dbeta = Float32Array.of(1);
    k.batchNormBackward(dx, dgamma, dbeta, new Float32Array(4).fill(1), x, Float32Array.of(2), mean, invStd, 2, 1, 2);
    assertClose(dx, [0, 0, 0, 0], 1e-6, `${k.name} dx`);
    assertClose(dgamma, [1], 1e-6, `${k.name} dgamma`);
    assertClose(dbeta, [5], 1e-7, `${k.name} dbeta`);

    const ye = new Float32Array(4);
    // Running mean 1, variance 3, eps 1: y = (x − 1)/2·2 + 0.5.
    const [g, b, mean1, var3] = [2, 0.5, 1, 3].map((v) => Float32Array.of(v));
    k.batchNormForwardEval(ye, x, g, b, mean1, var3, 2, 1, 2, 1);
    assertClose(ye, [0.5, 1.5, 2.5, 3.5], 1e-7, `${k.name} eval y`);
  }
});

test('batchNorm: the float64 reference backward equals central finite differences of its forward', () => {
  const [N, C, HW] = [3, 2, 5];
  const x = Float64Array.from(randomArray(N * C * HW, 1));
  const gamma = Float64Array.from(randomArray(C, 2, 0.5, 1.5));
  const beta = Float64Array.from(randomArray(C, 3));
  const w = Float64Array.from(randomArray(N * C * HW, 4)); // L = Σ w·y, so dy = w
  const loss = () => {
    const y = new Float64Array(x.length);
    const scratch = () => new Float64Array(C);
    batchNormForwardTrain(y, scratch(), scratch(), x, gamma, beta, scratch(), scratch(), N, C, HW, 0.1, 1e-5);
    return y.reduce((s, v, i) => s + v * w[i], 0);
  };
  const mean = new Float64Array(C);
  const invStd = new Float64Array(C);
  const [rm, rv] = [new Float64Array(C), new Float64Array(C)];
  batchNormForwardTrain(new Float64Array(x.length), mean, invStd, x, gamma, beta, rm, rv, N, C, HW, 0.1, 1e-5);
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  batchNormBackward(dx, dgamma, dbeta, w, x, gamma, mean, invStd, N, C, HW);

  const h = 1e-5;
  const numeric = (v: Float64Array) =>
    Array.from(v, (_, i) => {
      const keep = v[i];
      v[i] = keep + h;
      const up = loss();
      v[i] = keep - h;
      const down = loss();
      v[i] = keep;
      return (up - down) / (2 * h);
    });
  assertClose(dx, numeric(x), 1e-6, 'dx');
  assertClose(dgamma, numeric(gamma), 1e-6, 'dgamma');
  assertClose(dbeta, numeric(beta), 1e-6, 'dbeta');
});

test('batchNorm: native results do not depend on the thread count', () => {
  const before = nk.threads();
  for (const [N, C, HW] of [
    [8, 16, 1024],
    [600, 130, 1],
    [64, 32, 16],
  ]) {
    const x = randomArray(N * C * HW, 5);
    const gamma = randomArray(C, 6);
    const beta = randomArray(C, 7);
    const dy = randomArray(N * C * HW, 8);
    const runs = [1, 2, 3].map((t) => {
      nk.setThreads(t);
      const r = train(nk, x, gamma, beta, N, C, HW);
      return { ...r, ...backward(nk, r, dy, x, gamma, [N, C, HW]) };
    });
    for (const r of runs.slice(1)) assert.deepEqual(r, runs[0]);
  }
  nk.setThreads(before);
});

test('batchNorm: bad lengths and a single value per channel throw Errors naming the op', () => {
  const [N, C, HW] = [2, 4, 9];
  const t = () => new Float32Array(N * C * HW);
  const c = () => new Float32Array(C);
  for (const k of [nk, js]) {
    if (k === nk) {
      assert.throws(
        () => k.batchNormForwardTrain(t(), c(), c(), t(), new Float32Array(3), c(), c(), c(), N, C, HW, 0.1, 1e-5),
        /batchNormForwardTrain: gamma has length 3, expected 4 \(N=2 C=4 HW=9\)/,
      );
      assert.throws(
        () => k.batchNormForwardTrain(t(), c(), c(), new Float32Array(71), c(), c(), c(), c(), N, C, HW, 0.1, 1e-5),
        /batchNormForwardTrain: x has length 71, expected 72/,
      );
      assert.throws(
        () => k.batchNormForwardEval(t(), t(), c(), c(), c(), new Float32Array(5), N, C, HW, 1e-5),
        /batchNormForwardEval: runningVar has length 5, expected 4/,
      );
      assert.throws(
        () => k.batchNormBackward(new Float32Array(1), c(), c(), t(), t(), c(), c(), c(), N, C, HW),
        /batchNormBackward: dx has length 1, expected 72/,
      );
      assert.throws(
        () => k.batchNormBackward(t(), c(), c(), t(), t(), c(), c(), c(), N, -1, HW),
        /batchNormBackward: negative dimension/,
      );
    }
    const one = () => new Float32Array(3);
    assert.throws(
      () => k.batchNormForwardTrain(one(), one(), one(), one(), one(), one(), one(), one(), 1, 3, 1, 0.1, 1e-5),
      /batchNormForwardTrain: expected more than 1 value per channel/,
    );
  }
});
