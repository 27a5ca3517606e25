// Prune-and-grow on compressed weights makes exactly the choices of pruneAndGrow on the dense mask (SPEC §4),
// with the grow scores streamed through RunningTopK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cscView, csrFromMask, csrToDense } from '../../src/kernels/sparse_format.js';
import { rebuildPattern, selectGrowth } from '../../src/sparse/compressed_update.js';
import { uniformScores, type ScoreSource } from '../../src/sparse/scores.js';
import { magnitude, pruneAndGrow, randomScores } from '../../src/sparse/prune_grow.js';
import { RunningTopK } from '../../src/sparse/running_topk.js';
import { topKIndices, topKSegments } from '../../src/sparse/topk.js';
import { Rng } from '../../src/util/rng.js';
import { js, native } from '../helpers.js';

/** Scores with many ties (a few distinct values) and some NaNs, so the tie-breaking is exercised. */
function tiedScores(n: number, rng: Rng): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = rng.float() < 0.02 ? NaN : Math.floor(rng.float() * 7) / 7;
  return s;
}

test('RunningTopK keeps exactly topKIndices of the whole stream (ties to the lower position, NaN last)', () => {
  const rng = new Rng(3, 0);
  for (const [n, k] of [
    [1, 1],
    [50, 0],
    [50, 50],
    [5000, 3],
    [5000, 700],
    [20000, 1500],
  ]) {
    const scores = tiedScores(n, rng);
    const top = new RunningTopK(k);
    for (let i = 0; i < n; i++) top.offer(i, scores[i]);
    assert.deepEqual([...top.result().positions], [...topKIndices(scores, k, true)], `n=${n} k=${k}`);
  }
});

/** Random weights with a random mask of the given density. */
function layer(M: number, K: number, density: number, rng: Rng) {
  const weights = new Float32Array(M * K);
  const mask = new Float32Array(M * K);
  for (let i = 0; i < weights.length; i++) {
    weights[i] = rng.normal();
    mask[i] = rng.float() < density ? 1 : 0;
  }
  return { weights, mask };
}

const chunked =
  (scores: Float32Array, chunk: number): ScoreSource =>
  (visit) => {
    for (let s = 0; s < scores.length; s += chunk) visit(s, scores.slice(s, Math.min(scores.length, s + chunk)));
  };

for (const [M, K, density, p] of [
  [20, 30, 0.1, 0.3],
  [64, 75, 0.05, 0.5],
  [7, 300, 0.5, 0.2],
  [10, 10, 1, 0.3],
] as const) {
  test(`compressed prune-and-grow = pruneAndGrow on the dense mask (${M}×${K}, density ${density}, p ${p})`, () => {
    const rng = new Rng(11, M);
    const { weights, mask } = layer(M, K, density, rng);
    const grow = tiedScores(M * K, rng);
    // dense reference
    const denseMask = mask.slice();
    const masked = weights.map((w, i) => w * mask[i]);
    const u = pruneAndGrow(denseMask, magnitude(masked), grow, p);
    // compressed
    const W = csrFromMask(weights, mask, M, K);
    const k = Math.floor(p * W.values.length);
    const [dropped] = topKSegments([{ scores: W.values }], k, false, true);
    const grown = selectGrowth(W, dropped, k, chunked(grow, 97));
    assert.deepEqual([...grown], [...u.grown]);
    for (const kernels of [js, native()]) {
      const { csr, csc, carry } = rebuildPattern(W, dropped, grown, kernels);
      // the new pattern is the new dense mask; kept (and dropped-and-regrown) values carry, new ones are 0
      const expected = masked.map((w, i) => w * denseMask[i] + 0); // (+ 0: masking gives −0, the CSR plain 0)
      assert.deepEqual([...csrToDense(csr)], [...expected], kernels.name);
      assert.deepEqual(csc, cscView(csr), kernels.name);
      const state = W.values.map((_, j) => j + 1);
      const moved = csrToDense({ ...csr, values: carry(state) });
      const before = csrToDense({ ...W, values: state });
      for (let i = 0; i < moved.length; i++) {
        const wasActive = mask[i] === 1 && denseMask[i] === 1;
        assert.equal(moved[i], wasActive ? before[i] : 0, `${kernels.name}: state at ${i}`);
      }
    }
  });
}

test('uniformScores streams the same draws as randomScores', () => {
  const n = (1 << 20) + 12345;
  const ref = randomScores(n, Rng.derive(5, 'grow:x:100'));
  const got = new Float32Array(n);
  uniformScores(n, Rng.derive(5, 'grow:x:100'))((start, s) => got.set(s, start));
  assert.deepEqual(got, ref);
});

test('rebuildPattern: removing everything, growing into empty rows', () => {
  const W = csrFromMask(new Float32Array([1, 2, 0, 0, 0, 0]), new Float32Array([1, 1, 0, 0, 0, 0]), 2, 3);
  for (const kernels of [js, native()]) {
    const { csr } = rebuildPattern(W, new Int32Array([0, 1]), new Int32Array([4, 5]), kernels);
    assert.deepEqual([...csr.rowPtr], [0, 0, 2]);
    assert.deepEqual([...csr.colIdx], [1, 2]);
    assert.deepEqual([...csr.values], [0, 0]);
  }
});
