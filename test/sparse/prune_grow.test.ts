import { test } from 'node:test';
import assert from 'node:assert/strict';
import { magnitude, pruneAndGrow, randomScores } from '../../src/sparse/prune_grow.js';
import { Rng } from '../../src/util/rng.js';
import { lcg, randomArray, randomInts } from '../helpers.js';

/** The k eligible indices of best score (ties by lower index), ascending, by a full sort. */
function best(scores: Float32Array, k: number, largest: boolean, eligible: (i: number) => boolean): number[] {
  const idx = Array.from(scores.keys()).filter(eligible);
  idx.sort((a, b) =>
    scores[a] === scores[b] ? a - b : (largest ? scores[a] > scores[b] : scores[a] < scores[b]) ? -1 : 1,
  );
  return idx.slice(0, k).sort((a, b) => a - b);
}

const count = (mask: Float32Array) => mask.reduce((a, b) => a + b, 0);

test('pruneAndGrow drops the k smallest |w| active, grows the k best inactive-after-drop, keeps nnz', () => {
  const r = lcg(21);
  let regrownSomewhere = false;
  for (let trial = 0; trial < 400; trial++) {
    const n = 1 + Math.floor(r() * 300);
    const density = r();
    const mask = Float32Array.from({ length: n }, () => (r() < density ? 1 : 0));
    // Quantised weights and grow scores: many exact ties.
    const weight = Float32Array.from(randomInts(n, trial, 7), (v, i) => (v - 3) * mask[i]);
    const grow = trial % 2 ? randomArray(n, 999 + trial, 0, 1) : Float32Array.from(randomInts(n, 500 + trial, 4));
    const p = [0.1, 0.3, 0.5, 0.9, 1, r()][trial % 6];
    const before = Float32Array.from(mask);
    const nnz = count(before);
    const k = Math.floor(p * nnz);
    const dropScore = magnitude(weight);

    const { dropped, grown } = pruneAndGrow(mask, dropScore, grow, p);

    assert.equal(dropped.length, k, `trial ${trial}: k = floor(p·nnz)`);
    assert.equal(grown.length, k);
    assert.deepEqual(
      Array.from(dropped),
      best(dropScore, k, false, (i) => before[i] === 1),
      `trial ${trial} drop`,
    );
    const afterDrop = Float32Array.from(before);
    for (const i of dropped) afterDrop[i] = 0;
    assert.deepEqual(
      Array.from(grown),
      best(grow, k, true, (i) => afterDrop[i] === 0),
      `trial ${trial} grow`,
    );
    const expected = Float32Array.from(afterDrop);
    for (const i of grown) expected[i] = 1;
    assert.deepEqual(mask, expected);
    assert.ok(
      mask.every((m) => m === 0 || m === 1),
      'mask stays 0/1',
    );
    assert.equal(count(mask), nnz, 'nnz unchanged');
    if (Array.from(grown).some((i) => before[i] === 1)) regrownSomewhere = true;
  }
  assert.ok(regrownSomewhere, 'some update regrew a position it had just dropped');
});

test('pruneAndGrow: a just-dropped position with the best grow score is regrown', () => {
  const mask = Float32Array.from([1, 1, 1, 1, 0, 0]);
  const weight = Float32Array.from([0.1, -0.5, 0.6, 0.7, 0, 0]);
  const grow = Float32Array.from([9, 0, 0, 0, 1, 2]);
  const { dropped, grown } = pruneAndGrow(mask, magnitude(weight), grow, 0.5);
  assert.deepEqual(Array.from(dropped), [0, 1]);
  assert.deepEqual(Array.from(grown), [0, 5]);
  assert.deepEqual(Array.from(mask), [1, 0, 1, 1, 0, 1]);
  // The caller's follow-up multiplication: position 0 keeps its value, 1 is zeroed, 5 is new (already 0).
  assert.deepEqual(
    Array.from(weight, (w, i) => w * mask[i]),
    [Math.fround(0.1), -0, Math.fround(0.6), Math.fround(0.7), 0, 0],
  );
});

test('pruneAndGrow with floor(p·nnz) = 0 changes nothing', () => {
  const mask = Float32Array.from([1, 0, 1, 0, 1]);
  const { dropped, grown } = pruneAndGrow(mask, new Float32Array(5), Float32Array.from([0, 9, 0, 9, 0]), 0.33);
  assert.equal(dropped.length + grown.length, 0);
  assert.deepEqual(Array.from(mask), [1, 0, 1, 0, 1]);
});

test('pruneAndGrow rejects non-0/1 masks, mismatched lengths and fractions outside [0, 1]', () => {
  const z = new Float32Array(3);
  assert.throws(() => pruneAndGrow(Float32Array.from([1, 0.5, 0]), z, z, 0.5), /mask must be 0\/1/);
  assert.throws(() => pruneAndGrow(new Float32Array(4), z, z, 0.5), /lengths differ/);
  assert.throws(() => pruneAndGrow(new Float32Array(3), z, z, 1.5), /dropFraction/);
  assert.throws(() => pruneAndGrow(new Float32Array(3), z, z, NaN), /dropFraction/);
});

test('magnitude and randomScores', () => {
  const v = Float32Array.from([-2, 0, 3.5, -0]);
  assert.deepEqual(Array.from(magnitude(v)), [2, 0, 3.5, 0]);
  const out = new Float32Array(4);
  assert.equal(magnitude(v, out), out);
  assert.throws(() => magnitude(v, new Float32Array(3)), /out length/);

  const rng = new Rng(42, 7);
  const s = randomScores(1000, rng);
  assert.equal(rng.counter, 1000, 'one draw per score');
  const again = new Rng(42, 7);
  assert.deepEqual(
    s,
    Float32Array.from({ length: 1000 }, () => again.float()),
  );
  assert.ok(s.every((x) => x >= 0 && x <= 1));
  assert.ok(new Set(s).size > 990, 'scores are spread out');
});
