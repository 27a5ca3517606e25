import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snipMasks } from '../../src/sparse/snip.js';
import { lcg, randomArray, randomInts } from '../helpers.js';

interface Layer {
  name: string;
  weight: Float32Array;
  grad: Float32Array;
}

const score = (l: Layer, i: number) => Math.fround(Math.abs(l.grad[i] * l.weight[i]));

/** Indices of the `keep` largest scores of the given (layer, index) entries, ties by layer then index. */
function topByScore(entries: { l: number; i: number; v: number }[], keep: number): Set<string> {
  entries.sort((a, b) => b.v - a.v || a.l - b.l || a.i - b.i);
  return new Set(entries.slice(0, keep).map(({ l, i }) => `${l}:${i}`));
}

function randomLayers(seed: number): Layer[] {
  const r = lcg(seed);
  return Array.from({ length: 2 + Math.floor(r() * 4) }, (_, l) => {
    const n = 1 + Math.floor(r() * 300);
    const weight = randomArray(n, seed * 7 + l);
    // Quantised gradients (with exact zeros) so that scores tie often.
    const grad =
      l % 2 ? randomArray(n, seed * 13 + l) : Float32Array.from(randomInts(n, seed * 13 + l, 4), (v) => v - 1);
    return { name: `layer${l}.weight`, weight, grad };
  });
}

const keepCount = (n: number, d: number) => n - Math.round((1 - d) * n);

test('SNIP layerwise keeps exactly n − round((1−d)·n) per layer, the largest |g·w| of each layer', () => {
  const r = lcg(5);
  for (let trial = 0; trial < 100; trial++) {
    const layers = randomLayers(trial + 1);
    const densities = new Map(layers.map(({ name }) => [name, r()]));
    const masks = snipMasks(layers, densities, 'layerwise');
    layers.forEach((layer, l) => {
      const mask = masks.get(layer.name)!;
      const keep = keepCount(layer.weight.length, densities.get(layer.name)!);
      assert.equal(
        mask.reduce((a, b) => a + b, 0),
        keep,
        `trial ${trial} ${layer.name}`,
      );
      const want = topByScore(
        Array.from(layer.weight, (_, i) => ({ l, i, v: score(layer, i) })),
        keep,
      );
      const got = new Set(
        Array.from(mask.keys())
          .filter((i) => mask[i] === 1)
          .map((i) => `${l}:${i}`),
      );
      assert.deepEqual(got, want, `trial ${trial} ${layer.name}`);
    });
  }
});

test('SNIP global keeps the top Σ counts over all layers together', () => {
  const r = lcg(6);
  for (let trial = 0; trial < 100; trial++) {
    const layers = randomLayers(500 + trial);
    const densities = new Map(layers.map(({ name }) => [name, r()]));
    const masks = snipMasks(layers, densities, 'global');
    const total = layers.reduce((a, { name, weight }) => a + keepCount(weight.length, densities.get(name)!), 0);
    const want = topByScore(
      layers.flatMap((layer, l) => Array.from(layer.weight, (_, i) => ({ l, i, v: score(layer, i) }))),
      total,
    );
    const got = new Set<string>();
    layers.forEach(({ name }, l) => masks.get(name)!.forEach((m, i) => m === 1 && got.add(`${l}:${i}`)));
    assert.equal(got.size, total);
    assert.deepEqual(got, want, `trial ${trial}`);
  }
});

test('SNIP global moves the budget to the layer of larger sensitivity; layerwise does not', () => {
  const a = { name: 'a', weight: Float32Array.from([1, 1, 1, 1]), grad: Float32Array.from([1, 2, 3, 4]) };
  const b = { name: 'b', weight: Float32Array.from([1, 1, 1, 1]), grad: Float32Array.from([10, 20, 30, 40]) };
  const densities = new Map([
    ['a', 0.5],
    ['b', 0.5],
  ]);
  const layerwise = snipMasks([a, b], densities, 'layerwise');
  assert.deepEqual(Array.from(layerwise.get('a')!), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(layerwise.get('b')!), [0, 0, 1, 1]);
  const global = snipMasks([a, b], densities, 'global');
  assert.deepEqual(Array.from(global.get('a')!), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(global.get('b')!), [1, 1, 1, 1]);
  assert.throws(() => snipMasks([a], new Map(), 'layerwise'), /no density for layer 'a'/);
});
