import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globalMagnitudePrune } from '../../src/sparse/global_prune.js';
import { lcg, randomArray, randomInts } from '../helpers.js';

interface Layer {
  weight: Float32Array;
  mask: Float32Array;
}

/** Sort-based reference: the `keep` active (layer, index) pairs of largest |w|, ties by layer then index. */
function reference(layers: Layer[], keep: number): Set<string> {
  const all: { l: number; i: number; v: number }[] = [];
  layers.forEach(({ weight, mask }, l) =>
    weight.forEach((w, i) => mask[i] === 1 && all.push({ l, i, v: Math.abs(w) })),
  );
  all.sort((a, b) => b.v - a.v || a.l - b.l || a.i - b.i);
  return new Set(all.slice(0, keep).map(({ l, i }) => `${l}:${i}`));
}

function keptSet(layers: Layer[]): Set<string> {
  const s = new Set<string>();
  layers.forEach(({ mask }, l) => mask.forEach((m, i) => m === 1 && s.add(`${l}:${i}`)));
  return s;
}

function randomLayers(r: () => number, seed: number): Layer[] {
  return Array.from({ length: 1 + Math.floor(r() * 5) }, (_, l) => {
    const n = Math.floor(r() * 200);
    const density = r();
    const mask = Float32Array.from({ length: n }, () => (r() < density ? 1 : 0));
    const weight =
      (seed + l) % 2
        ? randomArray(n, seed * 10 + l)
        : Float32Array.from(randomInts(n, seed * 10 + l, 5), (v) => (v - 2) / 4);
    return { weight, mask };
  });
}

test('globalMagnitudePrune keeps exactly `keep` weights, the globally largest active |w|', () => {
  const r = lcg(99);
  for (let trial = 0; trial < 300; trial++) {
    const layers = randomLayers(r, trial);
    const active = layers.reduce((a, { mask }) => a + mask.reduce((x, y) => x + y, 0), 0);
    const keep = Math.floor(r() * (active + 1));
    const want = reference(layers, keep);
    const weightsBefore = layers.map(({ weight }) => Float32Array.from(weight));
    const masksBefore = layers.map(({ mask }) => Float32Array.from(mask));

    globalMagnitudePrune(layers, keep);

    const got = keptSet(layers);
    assert.equal(got.size, keep, `trial ${trial}: exactly keep survive`);
    assert.deepEqual(got, want, `trial ${trial}`);
    layers.forEach(({ weight, mask }, l) => {
      assert.deepEqual(weight, weightsBefore[l], 'weights untouched');
      mask.forEach((m, i) => assert.ok(m === 0 || (m === 1 && masksBefore[l][i] === 1), 'only active weights stay'));
    });
  }
});

test('globalMagnitudePrune favours the layer with the larger weights and rejects keep > active', () => {
  const small = { weight: Float32Array.from([0.1, -0.2, 0.3, 0.4]), mask: new Float32Array(4).fill(1) };
  const large = { weight: Float32Array.from([5, -6, 0.05, 7]), mask: Float32Array.from([1, 1, 1, 0]) };
  globalMagnitudePrune([small, large], 3);
  assert.deepEqual(Array.from(small.mask), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(large.mask), [1, 1, 0, 0], 'the inactive 7 stays pruned');
  const tie = [
    { weight: Float32Array.from([1, 1]), mask: Float32Array.from([1, 1]) },
    { weight: Float32Array.from([-1, 1]), mask: Float32Array.from([1, 1]) },
  ];
  globalMagnitudePrune(tie, 3);
  assert.deepEqual(
    tie.map(({ mask }) => Array.from(mask)),
    [
      [1, 1],
      [1, 0],
    ],
    'ties: earlier layer, then lower index',
  );
  assert.throws(() => globalMagnitudePrune(tie, 4), /k must be an integer in \[0, 3\]/);
});
