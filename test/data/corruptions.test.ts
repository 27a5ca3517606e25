// The corruption generator: each corruption against a transcription of its formula with the published severity
// parameters — scipy for the filters (gaussian_filter, zoom, the anti-aliased disk), the same random draws
// replayed for the noises — plus determinism per seed, uint8 output and the readers of the real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  blurPlane,
  clippedZoom,
  CORRUPTIONS,
  corruptImage,
  corruptSet,
  defocusKernel,
  hsv2rgb,
  PARAMS,
  poisson,
  quantTable,
  reflect101,
  rgb2hsv,
} from '../../src/data/corruptions.js';
import { CorruptionFiles, readNpy, readSvhnMat } from '../../src/data/npy.js';
import { corruptSeverities } from '../../src/data/corrupt_parallel.js';
import { gaussianNoiseSet } from '../../src/data/ood.js';
import { Rng } from '../../src/util/rng.js';
import { lcg } from '../helpers.js';
import { python } from '../eval/python.js';

const H = 16;
const img = (seed: number, n = 3 * H * H) => {
  const r = lcg(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
};
const toU8 = (v: number) => (v >= 255 ? 255 : v > 0 ? Math.floor(v + 1e-9) : 0);

test('noises: x + N(0, c²), x + x·N(0, c²), salt and pepper, Poisson(x·c)/c — the formulas on replayed draws', () => {
  const src = img(1);
  for (const s of [1, 3, 5]) {
    const out = corruptImage('gaussian_noise', s, src, H, H, new Rng(7, 1));
    const r = new Rng(7, 1);
    const c = PARAMS.gaussian_noise[s - 1];
    src.forEach((v, i) =>
      assert.equal(out[i], toU8(Math.min(1, Math.max(0, v / 255 + c * r.normal())) * 255), `gaussian ${i}`),
    );
    const sp = corruptImage('speckle_noise', s, src, H, H, new Rng(8, 1));
    const r2 = new Rng(8, 1);
    const c2 = PARAMS.speckle_noise[s - 1];
    src.forEach((v, i) => {
      const x = v / 255;
      assert.equal(sp[i], toU8(Math.min(1, Math.max(0, x + x * c2 * r2.normal())) * 255), `speckle ${i}`);
    });
    const imp = corruptImage('impulse_noise', s, src, H, H, new Rng(9, 1));
    let changed = 0;
    imp.forEach((v, i) => {
      if (v !== src[i]) {
        changed++;
        assert.ok(v === 0 || v === 255);
      }
    });
    assert.ok(changed > 0 && changed < src.length * PARAMS.impulse_noise[s - 1] * 3);
  }
  // Poisson sampler: mean and variance λ at both branches
  for (const lam of [3, 80, 400]) {
    const r = new Rng(3, 3);
    let m = 0;
    let v = 0;
    const N = 20000;
    const xs = Array.from({ length: N }, () => poisson(r, lam));
    for (const x of xs) m += x / N;
    for (const x of xs) v += (x - m) ** 2 / N;
    assert.ok(Math.abs(m - lam) < 4 * Math.sqrt(lam / N), `Poisson(${lam}) mean ${m}`);
    assert.ok(Math.abs(v / lam - 1) < 0.05, `Poisson(${lam}) variance ${v}`);
  }
});

test('gaussian_blur is scipy.ndimage.gaussian_filter (nearest, truncate 4) at the published σ', () => {
  const plane = Float64Array.from(img(2, H * H), (v) => v / 255);
  for (const sigma of PARAMS.gaussian_blur) {
    const ours = plane.slice();
    blurPlane(ours, H, H, sigma);
    const py = python({ kind: 'blur', plane: Array.from(plane), h: H, w: H, sigma }) as { out: number[] };
    ours.forEach((v, i) => assert.ok(Math.abs(v - py.out[i]) < 1e-12, `σ ${sigma} at ${i}`));
  }
});

test('zoom_blur’s clipped_zoom is the benchmark’s (scipy.ndimage.zoom order 1) at every published factor', () => {
  const plane = Float64Array.from(img(3, 32 * 32), (v) => v / 255);
  for (const z of [1.01, 1.06, 1.11, 1.17, 1.25]) {
    const ours = clippedZoom(plane, 32, z);
    const py = python({ kind: 'zoom', plane: Array.from(plane), h: 32, z }) as { out: number[] };
    ours.forEach((v, i) => assert.ok(Math.abs(v - py.out[i]) < 1e-9, `z ${z} at ${i}: ${v} vs ${py.out[i]}`));
  }
});

test('defocus_blur: the anti-aliased disk and its filter (REFLECT_101) against scipy', () => {
  const src = img(4);
  for (const s of [1, 4, 5]) {
    const [radius, alias] = PARAMS.defocus_blur[s - 1];
    const plane = Array.from(src.subarray(0, H * H), (v) => v / 255);
    const py = python({ kind: 'defocus', plane, h: H, w: H, radius, alias }) as { out: number[]; kernel: number[] };
    defocusKernel(radius, alias).forEach((v, i) => assert.ok(Math.abs(v - py.kernel[i]) < 1e-12, `kernel ${i}`));
    const out = corruptImage('defocus_blur', s, src, H, H, new Rng(0));
    for (let i = 0; i < H * H; i++) assert.equal(out[i], toU8(Math.min(1, Math.max(0, py.out[i])) * 255), `pixel ${i}`);
  }
  assert.equal(reflect101(-1, 5), 1);
  assert.equal(reflect101(5, 5), 3);
});

test('contrast, brightness, saturate: per-channel mean and HSV formulas', () => {
  const src = img(5);
  const n = H * H;
  const c = PARAMS.contrast[4];
  const out = corruptImage('contrast', 5, src, H, H, new Rng(0));
  for (let ch = 0; ch < 3; ch++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += src[ch * n + i] / 255 / n;
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs(out[ch * n + i] - toU8(((src[ch * n + i] / 255 - mean) * c + mean) * 255)) <= 1);
  }
  for (const [r, g, b] of [
    [0.2, 0.5, 0.9],
    [0.9, 0.1, 0.1],
    [0.3, 0.3, 0.3],
    [0.5, 0.8, 0.2],
  ]) {
    const [h, s, v] = rgb2hsv(r, g, b);
    const back = hsv2rgb(h, s, v);
    [r, g, b].forEach((x, i) => assert.ok(Math.abs(back[i] - x) < 1e-12));
  }
  const br = corruptImage('brightness', 3, src, H, H, new Rng(0));
  for (let i = 0; i < n; i++) {
    const [h, s, v] = rgb2hsv(src[i] / 255, src[n + i] / 255, src[2 * n + i] / 255);
    const e = hsv2rgb(h, s, Math.min(1, v + PARAMS.brightness[2]));
    e.forEach((x, ch) => assert.ok(Math.abs(br[ch * n + i] - toU8(x * 255)) <= 1, `brightness pixel ${i}`));
  }
});

test('JPEG tables follow IJG quality scaling; every corruption is deterministic per seed, uint8, and changes the image', () => {
  assert.deepEqual(Array.from(quantTable([16, 11, 255, 1], 50)), [16, 11, 255, 1]);
  assert.deepEqual(Array.from(quantTable([16, 11], 80)), [
    Math.floor((16 * 40 + 50) / 100),
    Math.floor((11 * 40 + 50) / 100),
  ]);
  assert.deepEqual(Array.from(quantTable([16], 40)), [Math.floor((16 * 125 + 50) / 100)]);
  const set = {
    images: img(6, 4 * 3 * 32 * 32),
    labels: new Int32Array(4),
    n: 4,
    shape: [3, 32, 32] as [number, number, number],
  };
  for (const t of CORRUPTIONS) {
    const dist: number[] = [];
    for (const s of [1, 5]) {
      const a = corruptSet(set, t, s, 11);
      const b = corruptSet(set, t, s, 11);
      assert.deepEqual(a.images, b.images, `${t} ${s} deterministic`);
      let d = 0;
      for (let i = 0; i < a.images.length; i++) d += Math.abs(a.images[i] - set.images[i]);
      dist.push(d / a.images.length);
    }
    assert.ok(dist[1] > 0, `${t} severity 5 changes the image`);
  }
});

test('readers: .npy (CIFAR-10-C layout, checked) and MATLAB v5 .mat (SVHN layout) as numpy/scipy write them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-cc-'));
  const n = 2;
  const data = Array.from({ length: 5 * n * 4 * 4 * 3 }, (_, i) => i % 251);
  python({ kind: 'npy', path: join(dir, 'fog.npy'), data, dtype: 'uint8', shape: [5 * n, 4, 4, 3] });
  python({
    kind: 'npy',
    path: join(dir, 'labels.npy'),
    data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    dtype: 'uint8',
    shape: [10],
  });
  const files = new CorruptionFiles(dir, ['fog'], [3, 4, 4], 10);
  const s3 = files.load('fog', 3);
  assert.deepEqual(Array.from(s3.labels), [4, 5]);
  // NHWC → NCHW: image 0 of severity 3 is row 4; pixel (y=1, x=2) channel 1
  assert.equal(s3.images[1 * 16 + 1 * 4 + 2], data[((4 * 4 + 1) * 4 + 2) * 3 + 1]);
  assert.throws(() => new CorruptionFiles(dir, ['fog', 'snow'], [3, 4, 4], 10), /missing snow\.npy/);
  assert.throws(() => new CorruptionFiles(dir, ['fog'], [3, 32, 32], 10), /shape/);
  python({ kind: 'npy', path: join(dir, 'frost.npy'), data: [1, 2, 3], dtype: 'float64', shape: [3] });
  assert.throws(() => new CorruptionFiles(dir, ['frost'], [3, 4, 4], 10), /dtype <f8, expected uint8/);
  assert.equal(readNpy(join(dir, 'labels.npy')).shape[0], 10);
  for (const compress of [false, true]) {
    const X = Array.from({ length: 4 * 4 * 3 * 3 }, (_, i) => (i * 7) % 256);
    python({ kind: 'mat', path: join(dir, `svhn${compress}.mat`), X, shape: [4, 4, 3, 3], y: [10, 1, 5], compress });
    const set = readSvhnMat(join(dir, `svhn${compress}.mat`));
    assert.deepEqual(Array.from(set.labels), [0, 1, 5]);
    // image 2, channel 1, row 3, column 0 = X[3, 0, 1, 2] (C order of the [4, 4, 3, 3] array)
    assert.equal(set.images[((2 * 3 + 1) * 4 + 3) * 4 + 0], X[((3 * 4 + 0) * 3 + 1) * 3 + 2]);
  }
  // Gaussian-noise OOD set: N(0, 0.5²) clipped to ±1, ×0.5 + 0.5
  const g = gaussianNoiseSet(200, [3, 8, 8], 0);
  let m = 0;
  for (const v of g.images) m += v / g.images.length;
  assert.ok(Math.abs(m - 127.5) < 2);
});

test('worker threads generate exactly what one thread does', () => {
  const set = {
    images: img(12, 40 * 3 * 32 * 32),
    labels: new Int32Array(40),
    n: 40,
    shape: [3, 32, 32] as [number, number, number],
  };
  for (const t of ['glass_blur', 'shot_noise', 'spatter'] as const) {
    const par = corruptSeverities(set, t, [2, 5], 4, 3);
    [2, 5].forEach((s, si) => assert.deepEqual(par[si].images, corruptSet(set, t, s, 4).images, `${t} severity ${s}`));
  }
});
