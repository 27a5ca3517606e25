import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray, randomMask, withThreads } from '../helpers.js';
import type { Csr, CscView, Kernels } from '../../src/kernels/kernels.js';
import {
  checkCsr,
  cscView,
  csrFromMask,
  csrToDense,
  gatherValues,
  scatterValues,
} from '../../src/kernels/sparse_format.js';

const nk = native();

function randomCsr(M: number, K: number, density: number, seed: number, emptyEvery = 0): Csr {
  return csrFromMask(randomArray(M * K, seed), randomMask(M, K, density, seed + 1, emptyEvery), M, K);
}

/** The three products of one layer on one backend: Y = W·X + beta·Y0, dX = Wᵀ·dY, dValues = dV0 + sddmm. */
function products(k: Kernels, W: Csr, Wt: CscView, X: Float32Array, dY: Float32Array, N: number, seed: number) {
  const Y = randomArray(W.M * N, seed);
  k.spmm(Y, W, X, N, 0.5);
  const dX = new Float32Array(W.K * N).fill(NaN);
  k.spmmT(dX, W, Wt, dY, N);
  const dV = randomArray(W.values.length, seed + 1);
  k.sddmm(dV, W, dY, X, N);
  return { Y, dX, dV };
}

test('csrFromMask, cscView, csrToDense, scatterValues and gatherValues round trip', () => {
  let seed = 1;
  for (const [M, K, d] of [
    [1, 1, 1],
    [7, 13, 0.3],
    [40, 33, 0.05],
    [16, 16, 1],
    [5, 9, 0],
    [0, 4, 0.5],
    [3, 0, 0.5],
  ]) {
    const w = randomArray(M * K, seed++);
    const mask = randomMask(M, K, d, seed++, 3);
    const W = csrFromMask(w, mask, M, K);
    checkCsr('test', W);
    const expected = w.map((v, i) => (mask[i] !== 0 ? v : 0));
    assert.deepEqual(csrToDense(W), expected, `csrToDense M=${M} K=${K}`);
    assert.equal(
      W.values.length,
      mask.reduce((a, m) => a + m, 0),
    );

    const Wt = cscView(W);
    assert.equal(Wt.colPtr.length, K + 1);
    const seen = new Uint8Array(W.values.length);
    for (let k = 0; k < K; k++) {
      for (let j = Wt.colPtr[k]; j < Wt.colPtr[k + 1]; j++) {
        const r = Wt.rowIdx[j];
        const p = Wt.valuePos[j];
        if (j > Wt.colPtr[k]) assert.ok(r > Wt.rowIdx[j - 1], 'rows ascend within a column');
        assert.ok(p >= W.rowPtr[r] && p < W.rowPtr[r + 1], 'valuePos lies in its row');
        assert.equal(W.colIdx[p], k);
        seen[p]++;
      }
    }
    assert.ok(
      seen.every((s) => s === 1),
      'every nonzero appears once in the CSC view',
    );

    const dense = new Float32Array(M * K).fill(7);
    scatterValues(W, dense);
    for (let i = 0; i < M * K; i++) assert.equal(dense[i], mask[i] !== 0 ? w[i] : 7);
    const moved = randomArray(M * K, seed++);
    gatherValues(W, moved);
    const back = new Float32Array(M * K);
    scatterValues(W, back);
    for (let i = 0; i < M * K; i++) assert.equal(back[i], mask[i] !== 0 ? moved[i] : 0);
  }
});

test('sparse_format: malformed input throws an Error naming the function', () => {
  const w = new Float32Array(6);
  assert.throws(() => csrFromMask(w, new Float32Array(5), 2, 3), /csrFromMask: mask has length 5/);
  assert.throws(() => csrFromMask(w, new Float32Array(6), 2.5, 3), /csrFromMask: M and K must be integers/);
  const W = csrFromMask(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 1, 0, 1), 2, 2);
  assert.throws(() => gatherValues(W, new Float32Array(3)), /gatherValues: dense has length 3/);
  const bad = (patch: Partial<Csr>) => ({ ...W, ...patch });
  assert.throws(() => cscView(bad({ colIdx: Int32Array.of(1, 0, 1) })), /cscView: .*row 0 has column 0 after 1/);
  assert.throws(() => cscView(bad({ colIdx: Int32Array.of(0, 1, 2) })), /cscView: .*row 1 has column 2/);
  assert.throws(() => cscView(bad({ rowPtr: Int32Array.of(0, 3, 2) })), /cscView: .*rowPtr decreases at 2/);
  assert.throws(() => csrToDense(bad({ values: new Float32Array(2) })), /csrToDense: .*values has length 2/);
});

test('spmm, spmmT, sddmm: native equals the reference on random CSR matrices', () => {
  let seed = 100;
  const cases: [number, number, number, number[]][] = [
    // M, K, density, Ns
    [37, 53, 0.5, [1, 7, 128]],
    [64, 300, 0.2, [1, 7, 300]],
    [129, 211, 0.05, [7, 128, 1000]],
    [301, 1500, 0.01, [1, 128, 300]], // K spans two cache blocks of X
    [1100, 2100, 0.004, [7, 300]], // M spans two cache blocks of dY; several blocks of X
    [400, 500, 1e-3, [128, 1000]], // mostly empty rows
    [33, 65, 0.3, [1000]],
  ];
  for (const [M, K, d, Ns] of cases) {
    const W = randomCsr(M, K, d, seed++, 5);
    const Wt = cscView(W);
    for (const N of Ns) {
      const X = randomArray(K * N, seed++);
      const dY = randomArray(M * N, seed++);
      const want = products(js, W, Wt, X, dY, N, seed);
      for (const threads of [1, 2]) {
        const got = withThreads(nk, threads, () => products(nk, W, Wt, X, dY, N, seed));
        const what = `M=${M} K=${K} d=${d} N=${N} threads=${threads}`;
        assertClose(got.Y, want.Y, 1e-4, `spmm ${what}`);
        assertClose(got.dX, want.dX, 1e-4, `spmmT ${what}`);
        assertClose(got.dV, want.dV, 1e-4, `sddmm ${what}`);
      }
      seed++;
    }
  }
});

test('spmm, spmmT, sddmm equal the dense GEMMs on the masked dense matrix', () => {
  let seed = 200;
  for (const [M, K, N, d] of [
    [19, 41, 7, 0.3],
    [24, 17, 130, 0.1],
    [8, 70, 1, 0.6],
  ]) {
    const W = randomCsr(M, K, d, seed++, 4);
    const Wd = csrToDense(W);
    const X = randomArray(K * N, seed++);
    const dY = randomArray(M * N, seed++);
    const Y = new Float32Array(M * N);
    js.sgemm(false, false, M, N, K, 1, Wd, 0, K, X, 0, N, 0, Y, 0, N);
    const dX = new Float32Array(K * N);
    js.sgemm(true, false, K, N, M, 1, Wd, 0, K, dY, 0, N, 0, dX, 0, N);
    const dW = new Float32Array(M * K);
    js.sgemm(false, true, M, K, N, 1, dY, 0, N, X, 0, N, 0, dW, 0, K);
    const dWkept = { ...W, values: new Float32Array(W.values.length) };
    gatherValues(dWkept, dW);

    const Ys = new Float32Array(M * N).fill(NaN);
    nk.spmm(Ys, W, X, N, 0);
    const dXs = new Float32Array(K * N).fill(NaN);
    nk.spmmT(dXs, W, cscView(W), dY, N);
    const dV = new Float32Array(W.values.length);
    nk.sddmm(dV, W, dY, X, N);
    const what = `M=${M} K=${K} N=${N}`;
    assertClose(Ys, Y, 1e-4, `spmm vs sgemm ${what}`);
    assertClose(dXs, dX, 1e-4, `spmmT vs sgemm(transA) ${what}`);
    assertClose(dV, dWkept.values, 1e-4, `sddmm vs sgemm(transB) at the kept positions ${what}`);
  }
});

test('spmm: beta = 0 ignores NaN in Y, beta ≠ 0 adds beta·Y; sddmm accumulates', () => {
  const M = 30;
  const K = 40;
  const N = 21;
  const W = randomCsr(M, K, 0.2, 300, 7);
  const X = randomArray(K * N, 301);
  for (const k of [js, nk]) {
    const Y0 = new Float32Array(M * N).fill(NaN);
    k.spmm(Y0, W, X, N, 0);
    assert.ok(Y0.every(Number.isFinite), `${k.name}: NaN leaked from Y with beta = 0`);
    const prior = randomArray(M * N, 302);
    const Y1 = prior.slice();
    k.spmm(Y1, W, X, N, -0.75);
    assertClose(
      Y1,
      Y0.map((v, i) => v - 0.75 * prior[i]),
      1e-5,
      `${k.name}: beta`,
    );

    const dY = randomArray(M * N, 303);
    const once = new Float32Array(W.values.length);
    k.sddmm(once, W, dY, X, N);
    const twice = once.slice();
    k.sddmm(twice, W, dY, X, N);
    assertClose(
      twice,
      once.map((v) => 2 * v),
      1e-6,
      `${k.name}: sddmm accumulates`,
    );
  }
});

test('spmm, spmmT, sddmm: empty patterns and empty shapes', () => {
  for (const k of [js, nk]) {
    const W = csrFromMask(randomArray(12, 1), new Float32Array(12), 3, 4); // nnz = 0
    const Y = randomArray(3 * 5, 2);
    const Y0 = Y.slice();
    k.spmm(Y, W, randomArray(4 * 5, 3), 5, 2);
    assert.deepEqual(
      Y,
      Y0.map((v) => 2 * v),
      `${k.name}: W = 0 leaves beta·Y`,
    );
    const dX = new Float32Array(4 * 5).fill(NaN);
    k.spmmT(dX, W, cscView(W), randomArray(3 * 5, 4), 5);
    assert.deepEqual(dX, new Float32Array(4 * 5), `${k.name}: W = 0 gives dX = 0`);
    k.sddmm(new Float32Array(0), W, randomArray(15, 5), randomArray(20, 6), 5);

    for (const [M, K] of [
      [0, 6],
      [6, 0],
      [0, 0],
    ]) {
      const E = csrFromMask(new Float32Array(M * K), new Float32Array(M * K), M, K);
      const y = new Float32Array(M * 3).fill(NaN);
      k.spmm(y, E, new Float32Array(K * 3), 3, 0);
      assert.ok(y.every((v) => v === 0));
      const dx = new Float32Array(K * 3).fill(NaN);
      k.spmmT(dx, E, cscView(E), new Float32Array(M * 3), 3);
      assert.ok(dx.every((v) => v === 0));
    }
    const W2 = randomCsr(4, 4, 0.5, 9);
    k.spmm(new Float32Array(0), W2, new Float32Array(0), 0, 0); // N = 0
  }
});

test('spmm, spmmT, sddmm: bit-identical across repeated runs and thread counts', () => {
  const M = 700;
  const K = 1300;
  const W = randomCsr(M, K, 0.03, 400, 9);
  const Wt = cscView(W);
  for (const N of [128, 300, 512]) {
    const X = randomArray(K * N, 401);
    const dY = randomArray(M * N, 402);
    const runs = [1, 1, 2, 2, 3].map((t) => withThreads(nk, t, () => products(nk, W, Wt, X, dY, N, 403)));
    for (const r of runs.slice(1)) {
      assert.deepEqual(r.Y, runs[0].Y, `spmm N=${N}`);
      assert.deepEqual(r.dX, runs[0].dX, `spmmT N=${N}`);
      assert.deepEqual(r.dV, runs[0].dV, `sddmm N=${N}`);
    }
  }
});

test('spmm, spmmT, sddmm: the AVX2 and portable kernels (forced with SPARSETICKETS_ISA) equal the reference', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const helpers = fileURLToPath(new URL('../helpers.js', import.meta.url));
  const format = fileURLToPath(new URL('../../src/kernels/sparse_format.js', import.meta.url));
  const script = `
    const { js, native, randomArray, relError } = await import(${JSON.stringify(helpers)});
    const { csrFromMask, cscView } = await import(${JSON.stringify(format)});
    const nk = native();
    let worst = 0;
    for (const [M, K, N, d] of [[37, 2500, 77, 0.02], [2100, 60, 9, 0.05], [50, 90, 300, 0.2]]) {
      const mask = randomArray(M * K, 1).map((v) => (Math.abs(v) < d ? 1 : 0));
      const W = csrFromMask(randomArray(M * K, 2), mask, M, K), Wt = cscView(W);
      const X = randomArray(K * N, 3), dY = randomArray(M * N, 4);
      for (const k of [js, nk]) {
        k.out = { Y: randomArray(M * N, 5), dX: new Float32Array(K * N), dV: randomArray(W.values.length, 6) };
        k.spmm(k.out.Y, W, X, N, 0.5);
        k.spmmT(k.out.dX, W, Wt, dY, N);
        k.sddmm(k.out.dV, W, dY, X, N);
      }
      for (const key of ['Y', 'dX', 'dV']) worst = Math.max(worst, relError(nk.out[key], js.out[key]));
    }
    console.log(JSON.stringify({ isa: nk.isa, worst }));`;
  for (const isa of ['avx2', 'generic']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, SPARSETICKETS_ISA: isa, SPARSETICKETS_THREADS: '2' },
    });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.isa, isa);
    assert.ok(o.worst <= 1e-4, `${isa}: relative error ${o.worst}`);
  }
});

test('spmm, spmmT, sddmm: the binding rejects bad shapes and patterns with an Error naming the op', () => {
  const W = csrFromMask(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 1, 0, 1, 1), 2, 3);
  const Wt = cscView(W);
  const N = 4;
  const X = new Float32Array(3 * N);
  const dY = new Float32Array(2 * N);
  const Y = new Float32Array(2 * N);
  const dX = new Float32Array(3 * N);
  const dV = new Float32Array(4);
  const bad = (patch: Partial<Csr>): Csr => ({ ...W, ...patch });
  const badT = (patch: Partial<CscView>): CscView => ({ ...Wt, ...patch });

  assert.throws(() => nk.spmm(new Float32Array(7), W, X, N, 0), /spmm: Y has length 7, expected 8 \(M=2 K=3 N=4 nnz=4/);
  assert.throws(() => nk.spmm(Y, W, new Float32Array(11), N, 0), /spmm: X has length 11, expected 12/);
  assert.throws(() => nk.spmm(Y, bad({ values: new Float32Array(3) }), X, N, 0), /spmm: values has length 3/);
  assert.throws(() => nk.spmm(Y, bad({ rowPtr: Int32Array.of(0, 2) }), X, N, 0), /spmm: rowPtr has length 2/);
  assert.throws(() => nk.spmm(Y, bad({ rowPtr: Int32Array.of(0, 3, 2) }), X, N, 0), /spmm: rowPtr decreases at 2/);
  assert.throws(() => nk.spmm(Y, bad({ rowPtr: Int32Array.of(1, 2, 4) }), X, N, 0), /spmm: rowPtr\[0\] = 1/);
  assert.throws(
    () => nk.spmm(Y, bad({ colIdx: Int32Array.of(0, 3, 1, 2) }), X, N, 0),
    /spmm: colIdx\[1\] = 3 is outside \[0, K\)/,
  );
  assert.throws(
    () => nk.spmm(Y, bad({ colIdx: Int32Array.of(-1, 2, 1, 2) }), X, N, 0),
    /spmm: colIdx\[0\] = -1 is outside \[0, K\)/,
  );
  assert.throws(
    () => nk.spmm(Y, bad({ colIdx: Int32Array.of(2, 0, 1, 2) }), X, N, 0),
    /spmm: colIdx must increase strictly within each row; row 0 has 2 then 0/,
  );
  assert.throws(
    () => nk.spmm(Y, bad({ colIdx: Int32Array.of(0, 2, 1, 1) }), X, N, 0),
    /spmm: colIdx must increase strictly within each row; row 1 has 1 then 1/,
  );
  assert.throws(() => nk.spmm(Y, W, X, -1, 0), /spmm: M, K and N must be in \[0, 2\^31\)/);
  assert.throws(
    () => nk.spmm(Y, bad({ colIdx: new Float32Array(4) as unknown as Int32Array }), X, N, 0),
    /spmm: argument 'colIdx' must be an Int32Array/,
  );
  assert.throws(
    () => nk.spmm(new Float64Array(8) as unknown as Float32Array, W, X, N, 0),
    /spmm: argument 'Y' must be a Float32Array/,
  );

  assert.throws(() => nk.spmmT(new Float32Array(11), W, Wt, dY, N), /spmmT: dX has length 11, expected 12/);
  assert.throws(() => nk.spmmT(dX, W, Wt, new Float32Array(9), N), /spmmT: dY has length 9, expected 8/);
  assert.throws(
    () => nk.spmmT(dX, W, badT({ colPtr: Int32Array.of(0, 2, 3, 3) }), dY, N),
    /spmmT: colPtr\[K\] = 3 but W has nnz = 4/,
  );
  assert.throws(
    () => nk.spmmT(dX, W, badT({ valuePos: Int32Array.of(0, 2, 4, 3) }), dY, N),
    /spmmT: valuePos\[2\] = 4/,
  );
  assert.throws(() => nk.spmmT(dX, W, badT({ rowIdx: Int32Array.of(0, 2, 0, 1) }), dY, N), /spmmT: rowIdx\[1\] = 2/);
  assert.throws(
    () => nk.spmmT(dX, W, badT({ rowIdx: Int32Array.of(0, 1, 1, 0) }), dY, N),
    /spmmT: rowIdx must increase strictly within each column; column 2 has 1 then 0/,
  );

  assert.throws(() => nk.sddmm(new Float32Array(5), W, dY, X, N), /sddmm: dValues has length 5, expected 4/);
  assert.throws(() => nk.sddmm(dV, W, dY, new Float32Array(13), N), /sddmm: X has length 13, expected 12/);
  assert.throws(() => nk.sddmm(dV, bad({ colIdx: Int32Array.of(0, 7, 1, 2) }), dY, X, N), /sddmm: colIdx\[1\] = 7/);
});
