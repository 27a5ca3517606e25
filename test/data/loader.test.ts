import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageSet } from '../../src/data/dataset.js';
import { BatchLoader, type Batch } from '../../src/data/loader.js';

// Batches share the loader's buffers, so copy each one before asking for the next.
const labelsOf = (it: Iterable<Batch>) => {
  const out: number[] = [];
  for (const b of it) out.push(...b.y);
  return out;
};

// 5 images of 1×2×3 whose pixel values encode (image, position), labels 0..4.
function tinySet() {
  const images = new Uint8Array(5 * 6);
  for (let i = 0; i < images.length; i++) images[i] = i;
  return imageSet(images, Int32Array.from([0, 1, 2, 3, 4]), [1, 2, 3]);
}
const identity = { mean: [0], std: [1 / 255] }; // (v/255 − 0)/(1/255) = v

test('loader: normalisation, batch sizes, last partial batch, no shuffle keeps order', () => {
  const l = new BatchLoader(tinySet(), { batch: 2, shuffle: false, augment: false, normalization: identity, seed: 1 });
  const batches: { x: number[]; y: number[]; n: number }[] = [];
  for (const b of l.epoch(0)) batches.push({ x: [...b.x], y: [...b.y], n: b.n });
  assert.equal(batches.length, 3);
  assert.deepEqual(batches[0].y, [0, 1]);
  assert.deepEqual(batches[2], { x: [24, 25, 26, 27, 28, 29], y: [4], n: 1 });
  assert.ok(Math.abs(batches[0].x[7] - 7) < 1e-4);
  const drop = new BatchLoader(tinySet(), {
    batch: 2,
    shuffle: false,
    augment: false,
    normalization: identity,
    seed: 1,
    dropLast: true,
  });
  assert.equal([...drop.epoch(0)].length, 2);
});

test('loader: shuffling is a seeded permutation per epoch; resuming mid-epoch gives the same batches', () => {
  const o = { batch: 2, shuffle: true, augment: false, normalization: identity, seed: 3 };
  const a = new BatchLoader(tinySet(), o);
  const b = new BatchLoader(tinySet(), o);
  const e0 = labelsOf(a.epoch(0));
  assert.deepEqual([...e0].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(labelsOf(b.epoch(0)), e0);
  const e1 = labelsOf(a.epoch(1));
  const e2 = labelsOf(a.epoch(2));
  assert.ok(e1.join() !== e0.join() || e2.join() !== e0.join(), 'epochs should be shuffled differently');
  const resumed = labelsOf(b.epoch(1, 1));
  assert.deepEqual(resumed, e1.slice(2));
});

test('loader: CIFAR augmentation = random crop with zero padding 4 + horizontal flip', () => {
  // One 1×8×8 image with distinct values; check every augmented output is a shifted/flipped copy.
  const img = new Uint8Array(64).map((_, i) => i + 1);
  const set = imageSet(img, Int32Array.from([0]), [1, 8, 8]);
  const l = new BatchLoader(set, { batch: 1, shuffle: false, augment: true, normalization: identity, seed: 5 });
  const seen = new Set<string>();
  for (let e = 0; e < 60; e++) {
    const x = [...l.epoch(e).next().value!.x].map(Math.round);
    let match = '';
    for (let dy = -4; dy <= 4 && !match; dy++)
      for (let dx = -4; dx <= 4 && !match; dx++)
        for (const flip of [false, true]) {
          let ok = true;
          for (let y = 0; y < 8 && ok; y++)
            for (let xx = 0; xx < 8 && ok; xx++) {
              const sy = y + dy;
              const sx = (flip ? 7 - xx : xx) + dx;
              const want = sy < 0 || sy >= 8 || sx < 0 || sx >= 8 ? 0 : img[sy * 8 + sx];
              ok = x[y * 8 + xx] === want;
            }
          if (ok) {
            match = `${dy},${dx},${flip}`;
            break;
          }
        }
    assert.ok(match, `epoch ${e}: output is not a padded crop/flip of the input`);
    seen.add(match);
  }
  assert.ok(seen.size > 20, `augmentation should vary (saw ${seen.size} distinct crops)`);
  assert.ok([...seen].some((s) => s.endsWith('true')) && [...seen].some((s) => s.endsWith('false')));
});
