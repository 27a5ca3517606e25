import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topKIndices, topKSegments } from '../../src/sparse/topk.js';
import { js, lcg, native, randomArray, randomInts } from '../helpers.js';

/** Sort-based reference: better score first (NaN worst), then lower index; the first k, ascending. */
function reference(scores: ArrayLike<number>, k: number, largest: boolean, eligible: (i: number) => boolean): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (eligible(i)) idx.push(i);
  idx.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    const na = Number.isNaN(sa);
    const nb = Number.isNaN(sb);
    if (na !== nb) return na ? 1 : -1;
    if (na || sa === sb) return a - b;
    return (largest ? sa > sb : sa < sb) ? -1 : 1;
  });
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Scores of one of several kinds: continuous, heavy ties, a single value, or sprinkled with NaN/±Infinity/−0. */
function scoresOfKind(kind: number, n: number, seed: number): Float32Array {
  const r = lcg(seed);
  switch (kind) {
    case 0:
      return randomArray(n, seed);
    case 1:
      return Float32Array.from(randomInts(n, seed, 3), (v) => v - 1);
    case 2:
      return new Float32Array(n).fill(0.25);
    default: {
      const specials = [NaN, Infinity, -Infinity, -0, 0, 1];
      return Float32Array.from(randomArray(n, seed), (v) => (r() < 0.4 ? specials[Math.floor(r() * 6)] : v));
    }
  }
}

/** No candidate mask, or a random one of random density as a Float32Array or a Uint8Array. */
function randomCandidates(r: () => number, n: number): Float32Array | Uint8Array | undefined {
  const maskKind = Math.floor(r() * 3);
  const density = r();
  const flags = Array.from({ length: n }, () => (r() < density ? 1 : 0));
  return maskKind === 0 ? undefined : maskKind === 1 ? Float32Array.from(flags) : Uint8Array.from(flags);
}

test('topKIndices equals a sort-based reference (ties, NaN, ±Infinity, candidate masks)', () => {
  const r = lcg(7);
  let cases = 0;
  for (let trial = 0; trial < 1500; trial++) {
    const n = trial < 1400 ? Math.floor(r() * 70) : 500 + Math.floor(r() * 1500);
    const scores = scoresOfKind(trial % 4, n, 1000 + trial);
    const candidates = randomCandidates(r, n);
    const eligible = (i: number) => candidates === undefined || candidates[i] !== 0;
    let count = 0;
    for (let i = 0; i < n; i++) if (eligible(i)) count++;
    const k = Math.floor(r() * (count + 1));
    for (const largest of [true, false]) {
      const got = Array.from(topKIndices(scores, k, largest, candidates));
      assert.deepEqual(got, reference(scores, k, largest, eligible), `trial ${trial} n=${n} k=${k} largest=${largest}`);
      cases++;
    }
  }
  assert.equal(cases, 3000);
});

test('topKIndices: ties go to the lower index; NaN is taken last, lowest index first', () => {
  const s = Float32Array.from([1, 3, 3, NaN, 3, 2, NaN, -Infinity]);
  assert.deepEqual(Array.from(topKIndices(s, 2, true)), [1, 2]);
  assert.deepEqual(Array.from(topKIndices(s, 3, true)), [1, 2, 4]);
  assert.deepEqual(Array.from(topKIndices(s, 1, false)), [7]);
  assert.deepEqual(Array.from(topKIndices(s, 6, false)), [0, 1, 2, 4, 5, 7]);
  assert.deepEqual(Array.from(topKIndices(s, 7, false)), [0, 1, 2, 3, 4, 5, 7]);
  assert.deepEqual(Array.from(topKIndices(s, 7, true)), [0, 1, 2, 3, 4, 5, 7]);
  assert.deepEqual(Array.from(topKIndices(s, 8, true)), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(topKIndices(s, 0, true)), []);
});

test('topKIndices rejects k outside [0, #candidates] and mismatched candidates', () => {
  const s = Float32Array.from([5, 4, 3, 2]);
  const c = Uint8Array.from([1, 0, 1, 0]);
  assert.deepEqual(Array.from(topKIndices(s, 2, true, c)), [0, 2]);
  assert.throws(() => topKIndices(s, 3, true, c), /k must be an integer in \[0, 2\]/);
  assert.throws(() => topKIndices(s, -1, false), /k must be/);
  assert.throws(() => topKIndices(s, 1.5, false), /k must be/);
  assert.throws(() => topKIndices(s, 1, false, new Uint8Array(3)), /candidates length/);
});

test('topKSegments ranks several arrays together (abs, ties by segment then index) like the concatenation', () => {
  const r = lcg(11);
  for (let trial = 0; trial < 300; trial++) {
    const segments = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, s) => {
      const n = Math.floor(r() * 40);
      const scores = scoresOfKind((trial + s) % 4, n, 50 * trial + s);
      const candidates = r() < 0.5 ? undefined : Float32Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0));
      return { scores, candidates };
    });
    const flat: number[] = [];
    const flatEligible: boolean[] = [];
    for (const { scores, candidates } of segments) {
      scores.forEach((v, i) => {
        flat.push(Math.abs(v));
        flatEligible.push(candidates === undefined || candidates[i] !== 0);
      });
    }
    const count = flatEligible.filter(Boolean).length;
    const k = Math.floor(r() * (count + 1));
    const largest = trial % 2 === 0;
    const got = topKSegments(segments, k, largest, true);
    const gotFlat: number[] = [];
    let offset = 0;
    segments.forEach(({ scores }, s) => {
      for (const i of got[s]) gotFlat.push(offset + i);
      offset += scores.length;
    });
    assert.deepEqual(
      gotFlat,
      reference(flat, k, largest, (i) => flatEligible[i]),
      `trial ${trial}`,
    );
  }
});

test('topKIndices stays linear on a large layer of equal scores (a two-way partition would be quadratic)', () => {
  const n = 1 << 20;
  const zeros = new Float32Array(n);
  const t0 = performance.now();
  const got = topKIndices(zeros, 1000, false);
  assert.ok(performance.now() - t0 < 2000, 'took too long');
  assert.deepEqual(
    Array.from(got),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const mixed = randomArray(n, 5);
  for (let i = 0; i < n; i += 3) mixed[i] = 0;
  const k = 300000;
  const picked = topKIndices(mixed, k, true);
  assert.equal(picked.length, k);
  const chosen = new Uint8Array(n);
  let minChosen = Infinity;
  for (const i of picked) {
    chosen[i] = 1;
    minChosen = Math.min(minChosen, mixed[i]);
  }
  for (let i = 0; i < n; i++) if (!chosen[i]) assert.ok(mixed[i] <= minChosen, `unchosen ${i} beats a chosen one`);
});

test('topK kernel: native equals the TypeScript selection (ties, NaN, ±Infinity, −0, abs, both candidate types)', () => {
  const nk = native();
  const r = lcg(23);
  for (let trial = 0; trial < 800; trial++) {
    const n = trial < 700 ? Math.floor(r() * 90) : 70000 + Math.floor(r() * 3000);
    const scores = scoresOfKind(trial % 4, n, 3000 + trial);
    const candidates = randomCandidates(r, n) ?? null;
    const count = candidates ? candidates.filter((f) => f !== 0).length : n;
    const k = Math.floor(r() * (count + 1));
    for (const largest of [true, false])
      for (const abs of [false, true]) {
        const ref = new Int32Array(k);
        const got = new Int32Array(k).fill(-1);
        js.topK(ref, scores, candidates, k, largest, abs);
        nk.topK(got, scores, candidates, k, largest, abs);
        assert.deepEqual(got, ref, `trial ${trial} n=${n} k=${k} largest=${largest} abs=${abs}`);
      }
  }
});

test('topK kernel: bad arguments throw an Error naming the op', () => {
  const nk = native();
  const s = Float32Array.from([5, 4, 3, 2]);
  for (const k of [js, nk]) {
    assert.throws(
      () => k.topK(new Int32Array(3), s, Uint8Array.of(1, 0, 1, 0), 3, true, false),
      /k must be an integer in \[0, 2\]/,
    );
    assert.throws(
      () => k.topK(new Int32Array(1), s, new Uint8Array(3), 1, true, false),
      /candidates length 3 != scores length 4/,
    );
    assert.throws(() => k.topK(new Int32Array(2), s, null, 1, true, false), /topK: out has length 2, expected 1/);
  }
  assert.throws(
    () => nk.topK(new Int32Array(1), s, new Int32Array(4) as unknown as Uint8Array, 1, true, false),
    /topK: argument 'candidates' must be a Float32Array, a Uint8Array or null/,
  );
});
