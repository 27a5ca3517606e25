import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClose,
  convShape as shape,
  convSizes as sizes,
  js,
  native,
  randomArray,
  randomMask,
  withThreads,
  type ConvDims,
} from '../helpers.js';
import type { ConvShape, Csr, CscView, Kernels } from '../../src/kernels/kernels.js';
import { cscView, csrFromMask, gatherValues } from '../../src/kernels/sparse_format.js';

const nk = native();

// groups 1; a chunk holds ⌈256 / (OH·OW)⌉ samples
const CASES: ConvDims[] = [
  [2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1], // odd, non-square
  [3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1], // stride 2
  [2, 3, 7, 6, 5, 3, 3, 1, 1, 0, 0, 1], // no padding
  [2, 5, 8, 6, 3, 5, 5, 1, 2, 2, 1, 1], // 5×5, mixed stride and padding
  [2, 8, 6, 6, 16, 1, 1, 1, 1, 0, 0, 1], // 1×1: the packed input is the col matrix
  [3, 8, 7, 7, 16, 1, 1, 2, 2, 0, 0, 1], // 1×1 stride 2
  [37, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1], // nine chunks of 4 samples and one of 1
  [300, 2, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1], // 75 chunks: more than the backward pass has tasks
  [3, 2, 32, 32, 3, 3, 3, 1, 1, 1, 1, 1], // one sample per chunk, padded
  [2, 2, 34, 34, 3, 3, 3, 1, 1, 0, 0, 1], // one sample per chunk, unpadded: x and dx used in place
  [2, 3, 32, 32, 4, 1, 1, 1, 1, 0, 0, 1], // one sample per chunk, 1×1
  [5, 2, 16, 32, 2, 3, 3, 2, 2, 1, 1, 1], // chunks of 2, 2 and 1
  [3, 130, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1], // C·R·S = 1170: W's columns span two blocks of the col matrix
  [2, 2, 4, 4, 1030, 1, 1, 1, 1, 0, 0, 1], // K = 1030: Wᵀ's columns span two blocks of dY
];
const DENSITIES = [0, 0.05, 0.5, 1];

interface Inputs {
  s: ConvShape;
  x: Float32Array;
  w: Float32Array; // dense weights, of which W keeps the masked positions
  mask: Float32Array;
  W: Csr;
  Wt: CscView;
  bias: Float32Array | null;
  dy: Float32Array;
  dV0: Float32Array;
  dbias0: Float32Array | null;
}

function inputs(dims: ConvDims, density: number, withBias: boolean, seed: number): Inputs {
  const s = shape(dims);
  const n = sizes(s);
  const Kc = s.C * s.R * s.S;
  const w = randomArray(n.w, seed + 1);
  // Every third row of W is empty, unless W is dense.
  const mask = density === 1 ? new Float32Array(n.w).fill(1) : randomMask(s.K, Kc, density, seed + 2, 3);
  const W = csrFromMask(w, mask, s.K, Kc);
  return {
    s,
    x: randomArray(n.x, seed),
    w,
    mask,
    W,
    Wt: cscView(W),
    bias: withBias ? randomArray(s.K, seed + 3) : null,
    dy: randomArray(n.y, seed + 4),
    dV0: randomArray(W.values.length, seed + 5),
    dbias0: withBias ? randomArray(s.K, seed + 6) : null,
  };
}

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dV: Float32Array;
  dbias: Float32Array | null;
}

/** Forward and backward on one backend; outputs start as NaN (they must be overwritten), gradients as dV0, dbias0. */
function run(k: Kernels, a: Inputs): Result {
  const n = sizes(a.s);
  const y = new Float32Array(n.y).fill(NaN);
  const dx = new Float32Array(n.x).fill(NaN);
  const dV = a.dV0.slice();
  const dbias = a.dbias0 ? a.dbias0.slice() : null;
  k.sparseConv2dForward(y, a.x, a.W, a.bias, a.s);
  k.sparseConv2dBackward(dx, dV, dbias, a.dy, a.x, a.W, a.Wt, a.s);
  return { y, dx, dV, dbias };
}

function assertResultsClose(got: Result, want: Result, what: string): void {
  assertClose(got.y, want.y, 1e-4, `${what} y`);
  assertClose(got.dx, want.dx, 1e-4, `${what} dx`);
  assertClose(got.dV, want.dV, 1e-4, `${what} dValues`);
  if (want.dbias) assertClose(got.dbias!, want.dbias, 1e-4, `${what} dbias`);
}

test('sparseConv2d: native equals the reference over shapes, chunkings and densities 0 to 1', () => {
  let seed = 1;
  for (const dims of CASES) {
    for (const density of DENSITIES) {
      const withBias = seed % 2 === 0;
      const a = inputs(dims, density, withBias, (seed += 10));
      assertResultsClose(run(nk, a), run(js, a), `[${dims}] density=${density} bias=${withBias}`);
    }
  }
});

test('sparseConv2d equals the dense native convolution with the masked weights', () => {
  let seed = 500;
  for (const dims of CASES.filter((_, i) => i % 2 === 0)) {
    for (const density of [0.05, 0.5]) {
      const a = inputs(dims, density, true, (seed += 10));
      const got = run(nk, a);
      const n = sizes(a.s);
      const wm = a.w.map((v, i) => v * a.mask[i]);
      const y = new Float32Array(n.y);
      nk.conv2dForward(y, a.x, wm, a.bias, a.s);
      const dx = new Float32Array(n.x);
      nk.conv2dBackwardInput(dx, a.dy, wm, a.s);
      const dw = new Float32Array(n.w);
      const dbias = a.dbias0!.slice();
      nk.conv2dBackwardWeight(dw, dbias, a.dy, a.x, a.s);
      const kept = { ...a.W, values: new Float32Array(a.W.values.length) };
      gatherValues(kept, dw);
      const what = `[${dims}] density=${density}`;
      assertClose(got.y, y, 1e-4, `${what} y`);
      assertClose(got.dx, dx, 1e-4, `${what} dx`);
      assertClose(
        got.dV.map((v, j) => v - a.dV0[j]),
        kept.values,
        1e-4,
        `${what} dValues vs dense dW at the kept positions`,
      );
      assertClose(got.dbias!, dbias, 1e-4, `${what} dbias`);
    }
  }
});

test('sparseConv2dBackward: dx = null gives the same parameter gradients, which accumulate', () => {
  for (const dims of [CASES[0], CASES[4], CASES[6], CASES[9]]) {
    const a = inputs(dims, 0.3, true, 700);
    for (const k of [js, nk]) {
      const full = run(k, a);
      const dV = a.dV0.slice();
      const dbias = a.dbias0!.slice();
      k.sparseConv2dBackward(null, dV, dbias, a.dy, a.x, a.W, a.Wt, a.s);
      assert.deepEqual(dV, full.dV, `${k.name} [${dims}]: dValues without dx`);
      assert.deepEqual(dbias, full.dbias, `${k.name} [${dims}]: dbias without dx`);
      k.sparseConv2dBackward(null, dV, null, a.dy, a.x, a.W, a.Wt, a.s);
      assertClose(
        dV.map((v, j) => v - a.dV0[j]),
        full.dV.map((v, j) => 2 * (v - a.dV0[j])),
        1e-5,
        `${k.name} [${dims}]: dValues accumulate`,
      );
    }
  }
});

test('sparseConv2d: bit-identical across repeated runs and thread counts', () => {
  for (const dims of [CASES[1], CASES[6], CASES[7], CASES[8], CASES[10], CASES[12]]) {
    const a = inputs(dims, 0.2, true, 800);
    const runs = [1, 2, 2, 3, 1].map((t) => withThreads(nk, t, () => run(nk, a)));
    for (const r of runs.slice(1)) assert.deepEqual(r, runs[0], `[${dims}]`);
  }
});

test('sparseConv2d: the AVX2 and portable kernels (forced with SPARSETICKETS_ISA) equal the reference', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const helpers = fileURLToPath(new URL('../helpers.js', import.meta.url));
  const format = fileURLToPath(new URL('../../src/kernels/sparse_format.js', import.meta.url));
  const script = `
    const { convShape, convSizes, js, native, randomArray, randomMask, relError } = await import(${JSON.stringify(helpers)});
    const { csrFromMask, cscView } = await import(${JSON.stringify(format)});
    const nk = native();
    let worst = 0;
    for (const dims of [[5, 3, 8, 8, 6, 3, 3, 2, 1, 1, 0, 1], [2, 4, 33, 32, 5, 1, 1, 1, 1, 0, 0, 1]]) {
      const s = convShape(dims), n = convSizes(s), Kc = s.C * s.R * s.S;
      const W = csrFromMask(randomArray(n.w, 1), randomMask(s.K, Kc, 0.3, 2), s.K, Kc), Wt = cscView(W);
      const x = randomArray(n.x, 3), dy = randomArray(n.y, 4), bias = randomArray(s.K, 5);
      for (const k of [js, nk]) {
        k.out = { y: new Float32Array(n.y), dx: new Float32Array(n.x), dV: new Float32Array(W.values.length) };
        k.sparseConv2dForward(k.out.y, x, W, bias, s);
        k.sparseConv2dBackward(k.out.dx, k.out.dV, null, dy, x, W, Wt, s);
      }
      for (const key of ['y', 'dx', 'dV']) worst = Math.max(worst, relError(nk.out[key], js.out[key]));
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

test('sparseConv2d: bad arguments throw an Error naming the op and the shapes', () => {
  const a = inputs([2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1], 0.5, true, 900);
  const { s, x, W, Wt, bias, dy } = a;
  const n = sizes(s);
  const y = new Float32Array(n.y);
  const dx = new Float32Array(n.x);
  const dV = new Float32Array(W.values.length);
  const db = new Float32Array(s.K);
  const F = 'sparseConv2dForward';
  const B = 'sparseConv2dBackward';
  const fwd = (p: { y?: Float32Array; x?: Float32Array; W?: Csr; bias?: Float32Array | null; s?: ConvShape }) =>
    nk.sparseConv2dForward(p.y ?? y, p.x ?? x, p.W ?? W, p.bias === undefined ? bias : p.bias, p.s ?? s);
  const bwd = (p: {
    dx?: Float32Array | null;
    dV?: Float32Array;
    db?: Float32Array | null;
    dy?: Float32Array;
    W?: Csr;
    Wt?: CscView;
    s?: ConvShape;
  }) =>
    nk.sparseConv2dBackward(
      p.dx === undefined ? dx : p.dx,
      p.dV ?? dV,
      p.db === undefined ? db : p.db,
      p.dy ?? dy,
      x,
      p.W ?? W,
      p.Wt ?? Wt,
      p.s ?? s,
    );
  fwd({});
  bwd({});

  const grouped = { ...s, C: 4, K: 4, groups: 2 };
  const Wg = csrFromMask(new Float32Array(4 * 18), new Float32Array(4 * 18).fill(1), 4, 18);
  assert.throws(
    () => fwd({ x: new Float32Array(2 * 4 * 25), W: Wg, s: grouped }),
    /sparseConv2dForward: grouped convolutions cannot run sparse, groups must be 1 \(N=2 C=4 .* groups=2/,
  );
  assert.throws(
    () => bwd({ dx: null, W: Wg, Wt: cscView(Wg), s: grouped }),
    /sparseConv2dBackward: grouped convolutions cannot run sparse/,
  );
  assert.throws(
    () => js.sparseConv2dForward(y, new Float32Array(2 * 4 * 25), Wg, null, grouped),
    /sparseConv2dForward: grouped convolutions cannot run sparse/,
  );

  // W must be [K, C·R·S] = [4, 27]
  const narrow = csrFromMask(new Float32Array(4 * 18), new Float32Array(4 * 18).fill(1), 4, 18);
  const tall = csrFromMask(new Float32Array(5 * 27), new Float32Array(5 * 27).fill(1), 5, 27);
  assert.throws(
    () => fwd({ W: narrow }),
    /sparseConv2dForward: W is \[4, 18\] but the convolution needs \[K, C·R·S\] = \[4, 27\] \(N=2 C=3 H=5 W=5 K=4/,
  );
  assert.throws(() => fwd({ W: tall }), /sparseConv2dForward: W is \[5, 27\] but the convolution needs/);
  assert.throws(
    () => bwd({ W: narrow, Wt: cscView(narrow), dV: new Float32Array(72) }),
    /sparseConv2dBackward: W is \[4, 18\]/,
  );
  assert.throws(
    () => js.sparseConv2dBackward(dx, dV, db, dy, x, narrow, Wt, s),
    /sparseConv2dBackward: W is \[4, 18\]/,
  );

  // lengths
  assert.throws(() => fwd({ y: new Float32Array(n.y - 1) }), new RegExp(`${F}: y has length ${n.y - 1}, expected`));
  assert.throws(() => fwd({ x: new Float32Array(n.x + 1) }), new RegExp(`${F}: x has length ${n.x + 1}, expected`));
  assert.throws(() => fwd({ bias: new Float32Array(3) }), new RegExp(`${F}: bias has length 3, expected 4`));
  assert.throws(() => bwd({ dx: new Float32Array(5) }), new RegExp(`${B}: dx has length 5, expected ${n.x}`));
  assert.throws(() => bwd({ dV: new Float32Array(dV.length + 1) }), new RegExp(`${B}: dValues has length`));
  assert.throws(() => bwd({ db: new Float32Array(0) }), new RegExp(`${B}: dbias has length 0, expected 4`));
  assert.throws(() => bwd({ dy: new Float32Array(n.y + 2) }), new RegExp(`${B}: dy has length ${n.y + 2}`));
  assert.throws(() => fwd({ s: { ...s, strideH: 0 } }), new RegExp(`${F}: strideH must be >= 1`));

  // malformed patterns and views
  const bad = (patch: Partial<Csr>): Csr => ({ ...W, ...patch });
  const cols = W.colIdx.slice();
  cols[cols.length - 1] = 27; // the last of its row, so the row still ascends
  assert.throws(
    () => fwd({ W: bad({ colIdx: cols }) }),
    new RegExp(`${F}: colIdx\\[\\d+\\] = 27 is outside \\[0, K\\)`),
  );
  assert.throws(() => fwd({ W: bad({ values: new Float32Array(2) }) }), new RegExp(`${F}: values has length 2`));
  const other = cscView(csrFromMask(a.w, randomMask(4, 27, 0.2, 5), 4, 27));
  assert.throws(() => bwd({ Wt: other }), new RegExp(`${B}: colPtr\\[K\\] = \\d+ but W has nnz`));
});

test('transpose: native equals the reference on odd shapes', () => {
  let seed = 1000;
  for (const [rows, cols] of [
    [1, 1],
    [1, 77],
    [77, 1],
    [37, 53],
    [32, 64],
    [300, 784],
    [0, 5],
    [5, 0],
  ]) {
    const a = randomArray(rows * cols, seed++);
    const want = new Float32Array(rows * cols);
    js.transpose(want, a, rows, cols);
    for (const threads of [1, 2]) {
      const got = new Float32Array(rows * cols).fill(NaN);
      withThreads(nk, threads, () => nk.transpose(got, a, rows, cols));
      assert.deepEqual(got, want, `${rows}×${cols} threads=${threads}`);
    }
  }
  const small = new Float32Array(6);
  js.transpose(small, Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
  assert.deepEqual(Array.from(small), [1, 4, 2, 5, 3, 6]);
});

test('transpose: bad arguments throw an Error naming the op', () => {
  const a = new Float32Array(12);
  assert.throws(() => nk.transpose(new Float32Array(11), a, 3, 4), /transpose: out has length 11, expected 12/);
  assert.throws(() => nk.transpose(new Float32Array(12), a, 4, 4), /transpose: a has length 12, expected 16/);
  assert.throws(() => nk.transpose(new Float32Array(12), a, -3, -4), /transpose: rows and cols must be >= 0/);
  assert.throws(() => nk.transpose(a, a, 3, 4), /transpose: out must not overlap a/);
  assert.throws(() => nk.transpose(a.subarray(2, 8), a.subarray(0, 6), 2, 3), /transpose: out must not overlap a/);
});
