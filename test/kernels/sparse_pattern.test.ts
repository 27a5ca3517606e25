// The pattern kernels of a prune-and-grow update on compressed weights: native equals the TypeScript reference,
// and both equal the update done on the dense mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { js, lcg, native, randomArray, randomMask } from '../helpers.js';
import type { Csr, Kernels } from '../../src/kernels/kernels.js';
import { cscView, csrFromMask, csrToDense } from '../../src/kernels/sparse_format.js';

const nk = native();

/** A random update of W: `drop` value indices removed, and `grow` positions grown among those inactive after the
 * drop (so some removed positions may come back). Both ascending. */
function randomUpdate(W: Csr, drop: number, grow: number, seed: number) {
  const rand = lcg(seed);
  const nnz = W.rowPtr[W.M];
  const pick = (n: number, k: number) => {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, k).sort((a, b) => a - b);
  };
  const removed = Int32Array.from(pick(nnz, drop));
  const mask = csrToDense({ ...W, values: new Float32Array(nnz).fill(1) });
  const positions: number[] = [];
  for (let r = 0; r < W.M; r++)
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) positions.push(r * W.K + W.colIdx[j]);
  for (const j of removed) mask[positions[j]] = 0;
  const inactive = [...mask.keys()].filter((i) => mask[i] === 0);
  const grown = Int32Array.from(pick(inactive.length, grow).map((i) => inactive[i]));
  for (const p of grown) mask[p] = 1;
  return { removed, grown, mask, positions };
}

function merged(k: Kernels, W: Csr, removed: Int32Array, grown: Int32Array) {
  const nnz = W.rowPtr[W.M] - removed.length + grown.length;
  const out = { rowPtr: new Int32Array(W.M + 1), colIdx: new Int32Array(nnz), source: new Int32Array(nnz) };
  k.mergePattern(out.rowPtr, out.colIdx, out.source, W, removed, grown);
  return out;
}

test('mergePattern, gatherOrZero, cscView: native equals the reference, and the pattern is the updated mask', () => {
  let seed = 1;
  for (const [M, K, density, dropFraction] of [
    [1, 1, 1, 1],
    [7, 13, 0.3, 0.3],
    [40, 33, 0.05, 0.5],
    [16, 16, 1, 0.2],
    [64, 300, 0.1, 0.3],
    [5, 9, 0, 0],
    [3, 50, 0.2, 1],
  ] as const) {
    const W = csrFromMask(randomArray(M * K, seed), randomMask(M, K, density, seed + 1, 3), M, K);
    const nnz = W.rowPtr[M];
    const drop = Math.floor(dropFraction * nnz);
    const { removed, grown, mask, positions } = randomUpdate(W, drop, drop, seed + 2);
    const what = `M=${M} K=${K} density=${density}`;
    const ref = merged(js, W, removed, grown);
    const got = merged(nk, W, removed, grown);
    assert.deepEqual(got, ref, what);
    // The new pattern is the updated mask; each entry comes from its old position or is new.
    const pattern = {
      M,
      K,
      rowPtr: ref.rowPtr,
      colIdx: ref.colIdx,
      values: new Float32Array(ref.colIdx.length).fill(1),
    };
    assert.deepEqual([...csrToDense(pattern)], [...mask], what);
    for (let r = 0; r < M; r++)
      for (let i = ref.rowPtr[r]; i < ref.rowPtr[r + 1]; i++) {
        const s = ref.source[i];
        if (s >= 0) assert.equal(positions[s], r * K + ref.colIdx[i], `${what}: source of entry ${i}`);
      }
    // A removed position grown again keeps its entry (RigL's reinit_when_same = False).
    const regrown = new Set([...grown].filter((p) => [...removed].some((j) => positions[j] === p)));
    assert.equal(ref.source.filter((s) => s >= 0).length, nnz - removed.length + regrown.size, what);

    const old = randomArray(nnz, seed + 3);
    const outRef = new Float32Array(ref.source.length).fill(NaN);
    const outGot = new Float32Array(ref.source.length).fill(NaN);
    js.gatherOrZero(outRef, old, ref.source);
    nk.gatherOrZero(outGot, old, ref.source);
    assert.deepEqual(outGot, outRef, what);
    for (let i = 0; i < outRef.length; i++) assert.equal(outRef[i], ref.source[i] >= 0 ? old[ref.source[i]] : 0);

    const csr = { ...pattern, values: outRef };
    const view = cscView(csr);
    const nat = {
      colPtr: new Int32Array(K + 1),
      rowIdx: new Int32Array(csr.colIdx.length).fill(-7),
      valuePos: new Int32Array(csr.colIdx.length),
    };
    nk.cscView(nat.colPtr, nat.rowIdx, nat.valuePos, csr);
    assert.deepEqual(nat, view, what);
    seed += 10;
  }
});

test('mergePattern, gatherOrZero, cscView: bad arguments throw an Error naming the op', () => {
  const W = csrFromMask(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 1, 0, 1, 1), 2, 3);
  const out = (n: number) => [new Int32Array(3), new Int32Array(n), new Int32Array(n)] as const;
  for (const k of [js, nk]) {
    assert.throws(
      () => k.mergePattern(...out(4), W, new Int32Array(0), Int32Array.of(0)),
      /mergePattern: colIdxOut has length 4, expected 5/,
    );
    assert.throws(
      () => k.mergePattern(...out(4), W, Int32Array.of(1), Int32Array.of(0)),
      /mergePattern: grown position 0 is already in the pattern and was not removed/,
    );
    assert.throws(
      () => k.gatherOrZero(new Float32Array(2), new Float32Array(4), Int32Array.of(0)),
      /gatherOrZero: out has length 2, expected 1/,
    );
    assert.throws(
      () => k.cscView(new Int32Array(3), new Int32Array(4), new Int32Array(4), W),
      /cscView: colPtr has length 3, expected 4/,
    );
  }
  assert.throws(
    () => nk.mergePattern(...out(4), W, Int32Array.of(2, 1), Int32Array.of(1, 3)),
    /mergePattern: removed must increase strictly/,
  );
  assert.throws(
    () => nk.mergePattern(...out(4), W, Int32Array.of(0), Int32Array.of(6)),
    /mergePattern: grown\[0\] = 6 is outside \[0, 6\)/,
  );
  assert.throws(
    () => nk.mergePattern(...out(4), W, Int32Array.of(4), Int32Array.of(1)),
    /mergePattern: removed\[0\] = 4 is outside \[0, 4\)/,
  );
  assert.throws(
    () => nk.mergePattern(...out(4), { ...W, colIdx: Int32Array.of(2, 0, 1, 2) }, Int32Array.of(0), Int32Array.of(1)),
    /mergePattern: colIdx must increase strictly within each row/,
  );
  assert.throws(
    () => nk.gatherOrZero(new Float32Array(1), new Float32Array(4), Int32Array.of(4)),
    /gatherOrZero: source\[0\] = 4 is outside \[-1, 4\)/,
  );
});
