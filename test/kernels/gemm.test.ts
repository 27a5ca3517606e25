import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, js, native, randomArray } from '../helpers.js';

const nk = native();

test('sgemm: native equals the reference in all transpose combinations, odd sizes and offsets', () => {
  const shapes = [
    [1, 1, 1],
    [3, 5, 7],
    [13, 33, 17],
    [12, 32, 256],
    [37, 71, 300],
    [100, 9, 513],
    [5, 200, 2],
  ];
  let seed = 1;
  for (const [M, N, K] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
        ]) {
          const lda = (ta ? M : K) + 3;
          const ldb = (tb ? K : N) + 1;
          const ldc = N + 2;
          const A = randomArray(2 + (ta ? K : M) * lda, seed++);
          const B = randomArray(5 + (tb ? N : K) * ldb, seed++);
          const C0 = randomArray(1 + M * ldc, seed++);
          const c1 = C0.slice();
          const c2 = C0.slice();
          js.sgemm(ta, tb, M, N, K, alpha, A, 2, lda, B, 5, ldb, beta, c1, 1, ldc);
          nk.sgemm(ta, tb, M, N, K, alpha, A, 2, lda, B, 5, ldb, beta, c2, 1, ldc);
          assertClose(c2, c1, 1e-4, `sgemm M=${M} N=${N} K=${K} ta=${ta} tb=${tb} alpha=${alpha} beta=${beta}`);
        }
      }
    }
  }
});

test('sgemm: beta = 0 ignores NaN in C; results identical across thread counts', () => {
  const M = 70;
  const N = 300;
  const K = 90;
  const A = randomArray(M * K, 11);
  const B = randomArray(K * N, 12);
  const runs: Float32Array[] = [];
  const before = nk.threads();
  for (const t of [1, 2, 3]) {
    nk.setThreads(t);
    const C = new Float32Array(M * N).fill(NaN);
    nk.sgemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
    assert.ok(C.every(Number.isFinite), 'NaN leaked from C with beta = 0');
    runs.push(C);
  }
  nk.setThreads(before);
  // Each output element is computed by one thread with the same k-order whatever the split.
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[2], runs[0]);
});

test('sgemm: the binding rejects bad shapes with an Error naming the op', () => {
  const A = new Float32Array(6);
  const B = new Float32Array(6);
  const C = new Float32Array(3);
  assert.throws(() => nk.sgemm(false, false, 2, 2, 3, 1, A, 0, 3, B, 0, 2, 0, C, 0, 2), /sgemm: C has length 3/);
  assert.throws(
    () => nk.sgemm(false, false, 2, 2, 3, 1, new Float64Array(6) as unknown as Float32Array, 0, 3, B, 0, 2, 0, C, 0, 2),
    /sgemm: argument 'A' must be a Float32Array/,
  );
});

test('sgemm: the AVX2 and portable micro-kernels (forced with SPARSETICKETS_ISA) equal the reference', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const helpers = fileURLToPath(new URL('../helpers.js', import.meta.url));
  const script = `
    const { js, native, randomArray, relError } = await import(${JSON.stringify(helpers)});
    const nk = native();
    let worst = 0;
    for (const [M, N, K] of [[7, 45, 33], [64, 100, 300], [13, 17, 1]]) for (const ta of [false, true]) for (const tb of [false, true]) {
      const A = randomArray(M * K, 1), B = randomArray(K * N, 2), c1 = randomArray(M * N, 3), c2 = c1.slice();
      js.sgemm(ta, tb, M, N, K, 1.5, A, 0, ta ? M : K, B, 0, tb ? K : N, 0.5, c1, 0, N);
      nk.sgemm(ta, tb, M, N, K, 1.5, A, 0, ta ? M : K, B, 0, tb ? K : N, 0.5, c2, 0, N);
      worst = Math.max(worst, relError(c2, c1));
    }
    console.log(JSON.stringify({ isa: nk.isa, worst }));`;
  for (const isa of ['avx2', 'generic']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, SPARSETICKETS_ISA: isa },
    });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.isa, isa);
    assert.ok(o.worst <= 1e-4, `${isa}: relative error ${o.worst}`);
  }
});

test('binding: non-integer or out-of-range sizes are errors, not undefined behaviour', () => {
  const A = new Float32Array(4);
  for (const bad of [1e300, NaN, 2.5, Infinity]) {
    assert.throws(
      () => nk.sgemm(false, false, bad, 2, 2, 1, A, 0, 2, A, 0, 2, 0, A, 0, 2),
      /sgemm: argument 'M' must be an integer/,
    );
  }
});
