// The 19 corruptions of CIFAR-10-C (Hendrycks & Dietterich, "Benchmarking neural network robustness to common
// corruptions and perturbations", ICLR 2019), severities 1–5, with the severity parameters of the benchmark's
// CIFAR generator (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py). Written from the formulas, not
// from that code: each corruption is described in the comment above it; where the original leans on a library
// (ImageMagick's motion blur, PIL's JPEG encoder, OpenCV's Canny and distance transform) the comment says what
// we compute instead. Frost needs photographs of frost that are not available offline; `frost` blends a seeded
// procedural ice texture with the published weights instead (docs/GUIDE.md says so).
//
// Images are uint8 [3, h, w] (channel-major, as ImageSet holds them); every corruption works on floats in [0, 1]
// per image and its result is clipped to [0, 255] and truncated to uint8, as the benchmark's np.uint8 does.
// Randomness: image i of corruption t at severity s draws from Rng.derive(seed, `${t}:${s}:${i}`), so any
// image can be regenerated alone and the suite is the same for a seed whatever the order or batching.
import { Rng } from '../util/rng.js';
import { DataError, type ImageSet } from './dataset.js';

export const CORRUPTIONS = [
  'brightness',
  'contrast',
  'defocus_blur',
  'elastic_transform',
  'fog',
  'frost',
  'gaussian_blur',
  'gaussian_noise',
  'glass_blur',
  'impulse_noise',
  'jpeg_compression',
  'motion_blur',
  'pixelate',
  'saturate',
  'shot_noise',
  'snow',
  'spatter',
  'speckle_noise',
  'zoom_blur',
] as const;
export type Corruption = (typeof CORRUPTIONS)[number];
export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export function isCorruption(s: string): s is Corruption {
  return (CORRUPTIONS as readonly string[]).includes(s);
}

/** The published severity parameters (make_cifar_c.py), indexed by severity − 1. */
export const PARAMS = {
  gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1],
  shot_noise: [500, 250, 100, 75, 50],
  impulse_noise: [0.01, 0.02, 0.03, 0.05, 0.07],
  speckle_noise: [0.06, 0.1, 0.12, 0.16, 0.2],
  gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1],
  glass_blur: [
    [0.05, 1, 1],
    [0.25, 1, 1],
    [0.4, 1, 1],
    [0.25, 1, 2],
    [0.4, 1, 2],
  ],
  defocus_blur: [
    [0.3, 0.4],
    [0.4, 0.5],
    [0.5, 0.6],
    [1, 0.2],
    [1.5, 0.1],
  ],
  motion_blur: [
    [6, 1],
    [6, 1.5],
    [6, 2],
    [8, 2],
    [9, 2.5],
  ],
  // np.arange(1, top, 0.01): 7, 12, 16, 21, 26 factors (floating-point arange includes 1.06 and 1.11)
  zoom_blur: [1.06, 1.11, 1.16, 1.21, 1.26],
  fog: [
    [0.2, 3],
    [0.5, 3],
    [0.75, 2.5],
    [1, 2],
    [1.5, 1.75],
  ],
  frost: [
    [1, 0.2],
    [1, 0.3],
    [0.9, 0.4],
    [0.85, 0.4],
    [0.75, 0.45],
  ],
  snow: [
    [0.1, 0.2, 1, 0.6, 8, 3, 0.95],
    [0.1, 0.2, 1, 0.5, 10, 4, 0.9],
    [0.15, 0.3, 1.75, 0.55, 10, 4, 0.9],
    [0.25, 0.3, 2.25, 0.6, 12, 6, 0.85],
    [0.3, 0.3, 1.25, 0.65, 14, 12, 0.8],
  ],
  spatter: [
    [0.62, 0.1, 0.7, 0.7, 0.5, 0],
    [0.65, 0.1, 0.8, 0.7, 0.5, 0],
    [0.65, 0.3, 1, 0.69, 0.5, 0],
    [0.65, 0.1, 0.7, 0.69, 0.6, 1],
    [0.65, 0.1, 0.5, 0.68, 0.6, 1],
  ],
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15],
  brightness: [0.05, 0.1, 0.15, 0.2, 0.3],
  saturate: [
    [0.3, 0],
    [0.1, 0],
    [1.5, 0],
    [2, 0.1],
    [2.5, 0.2],
  ],
  jpeg_compression: [80, 65, 58, 50, 40],
  pixelate: [0.95, 0.9, 0.85, 0.75, 0.65],
  // (displacement scale, displacement smoothing σ, affine jitter) × image size
  elastic_transform: [
    [0, 0, 0.08],
    [0.05, 0.2, 0.07],
    [0.08, 0.06, 0.06],
    [0.1, 0.04, 0.05],
    [0.1, 0.03, 0.03],
  ],
} as const;

/** How many zoom factors np.arange(1, top, 0.01) yields for each severity's top. */
export const ZOOM_STEPS = [7, 12, 16, 21, 26];

/** An image being corrupted: 3 planes of h×w floats (channel-major). */
export interface Img {
  d: Float32Array;
  h: number;
  w: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

// ---------- border modes: index maps for out-of-range coordinates ----------
/** scipy 'nearest' / ImageMagick 'edge': repeat the edge pixel. */
export const nearest = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
/** scipy 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a. */
export function reflect(i: number, n: number): number {
  const p = 2 * n;
  i = ((i % p) + p) % p;
  return i < n ? i : p - 1 - i;
}
/** OpenCV BORDER_REFLECT_101: c b | a b c d | c b. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * n - 2;
  i = ((i % p) + p) % p;
  return i < n ? i : p - i;
}

/** The Gaussian kernel of scipy.ndimage.gaussian_filter: radius ⌊truncate·σ + 0.5⌋, normalised. */
export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable Gaussian blur of one h×w plane (skimage.filters.gaussian / scipy gaussian_filter), in place. */
export function blurPlane(
  p: Float32Array | Float64Array,
  h: number,
  w: number,
  sigma: number,
  truncate = 4,
  mode: (i: number, n: number) => number = nearest,
): void {
  if (sigma <= 0) return;
  const k = gaussianKernel(sigma, truncate);
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += k[j + r] * p[y * w + mode(x + j, w)];
      tmp[y * w + x] = s;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) s += k[j + r] * tmp[mode(y + j, h) * w + x];
      p[y * w + x] = s;
    }
}

function blurImg(im: Img, sigma: number): void {
  const n = im.h * im.w;
  for (let c = 0; c < 3; c++) blurPlane(im.d.subarray(c * n, (c + 1) * n), im.h, im.w, sigma);
}

/** Bilinear sample of plane p at (y, x) with a border mode. */
function bilinear(p: ArrayLike<number>, h: number, w: number, y: number, x: number, mode: typeof nearest): number {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const ya = mode(y0, h) * w;
  const yb = mode(y0 + 1, h) * w;
  const xa = mode(x0, w);
  const xb = mode(x0 + 1, w);
  return (1 - fy) * ((1 - fx) * p[ya + xa] + fx * p[ya + xb]) + fy * ((1 - fx) * p[yb + xa] + fx * p[yb + xb]);
}

/** Round half to even (Python's round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * clipped_zoom: crop the central ⌈h/z⌉ square (top-left at ⌊(h − ch)/2⌋), enlarge it by z with linear
 * interpolation as scipy.ndimage.zoom (output size round(ch·z); output o samples input o·(ch−1)/(out−1)), and
 * keep the central h×h (output size rounded half to even).
 */
export function clippedZoom(p: Float32Array | Float64Array, h: number, z: number): Float64Array {
  const ch = Math.ceil(h / z);
  const top = Math.floor((h - ch) / 2);
  const out = roundHalfEven(ch * z); // Python's round, as scipy.ndimage.zoom sizes its output
  const trim = Math.floor((out - h) / 2);
  const scale = out > 1 ? (ch - 1) / (out - 1) : 0;
  const res = new Float64Array(h * h);
  const idx = new Int32Array(2 * h);
  const frac = new Float64Array(h);
  for (let o = 0; o < h; o++) {
    const s = (o + trim) * scale;
    const i0 = Math.min(Math.floor(s), ch - 1);
    idx[2 * o] = top + i0;
    idx[2 * o + 1] = top + Math.min(i0 + 1, ch - 1);
    frac[o] = s - i0;
  }
  for (let y = 0; y < h; y++) {
    const ya = idx[2 * y] * h;
    const yb = idx[2 * y + 1] * h;
    const fy = frac[y];
    for (let x = 0; x < h; x++) {
      const xa = idx[2 * x];
      const xb = idx[2 * x + 1];
      const fx = frac[x];
      res[y * h + x] =
        (1 - fy) * ((1 - fx) * p[ya + xa] + fx * p[ya + xb]) + fy * ((1 - fx) * p[yb + xa] + fx * p[yb + xb]);
    }
  }
  return res;
}

// ---------- noise ----------
/** Poisson(λ) draw: Knuth's product method below 30, Hörmann's PTRS (transformed rejection) above. */
export function poisson(rng: Rng, lam: number): number {
  if (lam <= 0) return 0;
  if (lam < 30) {
    const L = Math.exp(-lam);
    let k = 0;
    let p = rng.float();
    while (p > L) {
      k++;
      p *= rng.float();
    }
    return k;
  }
  const slam = Math.sqrt(lam);
  const loglam = Math.log(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.float() - 0.5;
    const V = rng.float();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lam + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1)) return k;
  }
}

function lgamma(x: number): number {
  // Stirling series with a shift for small x (enough for log k!, k ≥ 0).
  let s = 0;
  while (x < 7) {
    s -= Math.log(x);
    x += 1;
  }
  const x2 = 1 / (x * x);
  return (
    s + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 / 1260))
  );
}

// ---------- colour ----------
/** skimage.color.rgb2hsv of one pixel (ties of the maximum: blue over green over red, as skimage assigns). */
export function rgb2hsv(r: number, g: number, b: number): [number, number, number] {
  const v = Math.max(r, g, b);
  const delta = v - Math.min(r, g, b);
  const s = v === 0 ? 0 : delta / v;
  let hh = 0;
  if (delta !== 0) {
    if (b === v) hh = 4 + (r - g) / delta;
    else if (g === v) hh = 2 + (b - r) / delta;
    else hh = (g - b) / delta;
    hh = (((hh / 6) % 1) + 1) % 1;
  }
  return [hh, s, v];
}

export function hsv2rgb(hh: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(hh * 6);
  const f = hh * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

function mapHsv(im: Img, f: (hsv: [number, number, number]) => void): void {
  const n = im.h * im.w;
  const d = im.d;
  for (let i = 0; i < n; i++) {
    const hsv = rgb2hsv(d[i], d[n + i], d[2 * n + i]);
    f(hsv);
    const [r, g, b] = hsv2rgb(hsv[0], hsv[1], hsv[2]);
    d[i] = r;
    d[n + i] = g;
    d[2 * n + i] = b;
  }
}

// ---------- motion blur (ImageMagick MotionBlurImage) ----------
/**
 * ImageMagick's motion blur: a one-sided line of width = 2·radius + 1 taps (GetOptimalKernelWidth1D for a given
 * radius) with weights exp(−i²/2σ²), normalised, the i-th tap at offset (x, y) = ⌈i·(cos θ, sin θ) − ½⌉, and
 * edge pixels repeated outside the image.
 */
export function motionBlurPlanes(
  planes: Float64Array[],
  h: number,
  w: number,
  radius: number,
  sigma: number,
  angleDeg: number,
): void {
  const width = 2 * Math.round(radius) + 1;
  const k = new Float64Array(width);
  let s = 0;
  for (let i = 0; i < width; i++) s += k[i] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const theta = (angleDeg * Math.PI) / 180;
  const ox = new Int32Array(width);
  const oy = new Int32Array(width);
  for (let i = 0; i < width; i++) {
    k[i] /= s;
    ox[i] = Math.ceil(i * Math.cos(theta) - 0.5);
    oy[i] = Math.ceil(i * Math.sin(theta) - 0.5);
  }
  for (const p of planes) {
    const src = p.slice();
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let i = 0; i < width; i++) acc += k[i] * src[nearest(y + oy[i], h) * w + nearest(x + ox[i], w)];
        p[y * w + x] = acc;
      }
  }
}

// ---------- plasma fractal (diamond-square) for fog and frost ----------
/**
 * Diamond-square heightmap on a periodic size×size grid (size a power of two), as the benchmark's plasma_fractal:
 * start 0 at the corner, wibble 100; each round fills square centres with mean/4-of-corners-sum + U(−wibble,
 * wibble)·wibble, then diamond points likewise, halves the step and divides wibble by `decay`; normalised to [0, 1].
 */
export function plasmaFractal(rng: Rng, size: number, decay: number): Float64Array {
  const m = new Float64Array(size * size);
  let step = size;
  let wibble = 100;
  const at = (y: number, x: number) => m[(((y % size) + size) % size) * size + (((x % size) + size) % size)];
  const jitter = () => wibble * (2 * rng.float() - 1) * wibble;
  while (step >= 2) {
    const half = step / 2;
    for (let y = 0; y < size; y += step)
      for (let x = 0; x < size; x += step) {
        const sum = at(y, x) + at(y + step, x) + at(y, x + step) + at(y + step, x + step);
        m[(y + half) * size + x + half] = sum / 4 + jitter();
      }
    for (let y = 0; y < size; y += step)
      for (let x = 0; x < size; x += step) {
        // top-edge midpoint (y, x+half) and left-edge midpoint (y+half, x)
        const t = at(y, x) + at(y, x + step) + at(y + half, x + half) + at(y - half, x + half);
        m[y * size + x + half] = t / 4 + jitter();
        const l = at(y, x) + at(y + step, x) + at(y + half, x + half) + at(y + half, x - half);
        m[(y + half) * size + x] = l / 4 + jitter();
      }
    step = half;
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < m.length; i++) m[i] = (m[i] - lo) / (hi - lo || 1);
  return m;
}

// ---------- JPEG (the lossy part of baseline JPEG as libjpeg/PIL do it) ----------
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99,
];

/** The IJG quantisation table for a quality (jpeg_quality_scaling; baseline entries clamped to [1, 255]). */
export function quantTable(base: readonly number[], quality: number): Int32Array {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  return Int32Array.from(base, (b) => Math.min(255, Math.max(1, Math.floor((b * scale + 50) / 100))));
}

const DCT = (() => {
  const c = new Float64Array(64);
  for (let u = 0; u < 8; u++)
    for (let x = 0; x < 8; x++)
      c[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return c;
})();

/** Quantise-dequantise every 8×8 block of a (level-shifted) plane whose sides are multiples of 8. */
function jpegPlane(p: Float64Array, h: number, w: number, q: Int32Array): void {
  const blk = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < h; by += 8)
    for (let bx = 0; bx < w; bx += 8) {
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) blk[y * 8 + x] = p[(by + y) * w + bx + x] - 128;
      // forward 2-D DCT: tmp = C·blk, blk = tmp·Cᵀ
      for (let u = 0; u < 8; u++)
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let y = 0; y < 8; y++) s += DCT[u * 8 + y] * blk[y * 8 + x];
          tmp[u * 8 + x] = s;
        }
      for (let u = 0; u < 8; u++)
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let x = 0; x < 8; x++) s += tmp[u * 8 + x] * DCT[v * 8 + x];
          const qq = q[u * 8 + v];
          blk[u * 8 + v] = Math.round(s / qq) * qq;
        }
      // inverse: tmp = Cᵀ·blk, out = tmp·C
      for (let y = 0; y < 8; y++)
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let u = 0; u < 8; u++) s += DCT[u * 8 + y] * blk[u * 8 + v];
          tmp[y * 8 + v] = s;
        }
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let v = 0; v < 8; v++) s += tmp[y * 8 + v] * DCT[v * 8 + x];
          p[(by + y) * w + bx + x] = Math.min(255, Math.max(0, Math.round(s + 128)));
        }
    }
}

/**
 * JPEG at a quality, as PIL saves it by default (4:2:0): RGB→YCbCr (JFIF), chroma averaged over 2×2, 8×8 DCT,
 * rounding to the IJG tables scaled for the quality, inverse DCT, chroma upsampled by libjpeg's "fancy"
 * triangle filter (weights 3/4, 1/4 in each direction), YCbCr→RGB. The entropy coding is lossless and skipped.
 * Sides must be multiples of 16 (CIFAR's 32 is).
 */
export function jpegRoundTrip(im: Img, quality: number): void {
  const { h, w, d } = im;
  const n = h * w;
  const Y = new Float64Array(n);
  const cb = new Float64Array(n);
  const cr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = d[i] * 255;
    const g = d[n + i] * 255;
    const b = d[2 * n + i] * 255;
    Y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    cb[i] = Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
    cr[i] = Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
  }
  const h2 = h / 2;
  const w2 = w / 2;
  const sub = (c: Float64Array) => {
    const o = new Float64Array(h2 * w2);
    for (let y = 0; y < h2; y++)
      for (let x = 0; x < w2; x++)
        o[y * w2 + x] = Math.floor(
          (c[2 * y * w + 2 * x] +
            c[2 * y * w + 2 * x + 1] +
            c[(2 * y + 1) * w + 2 * x] +
            c[(2 * y + 1) * w + 2 * x + 1] +
            1 +
            (x & 1)) /
            4,
        );
    return o;
  };
  const qy = quantTable(LUMA_Q, quality);
  const qc = quantTable(CHROMA_Q, quality);
  jpegPlane(Y, h, w, qy);
  const up = (c: Float64Array) => {
    const o = new Float64Array(n);
    for (let y = 0; y < h; y++) {
      const yn = nearest(y & 1 ? (y >> 1) + 1 : (y >> 1) - 1, h2);
      for (let x = 0; x < w; x++) {
        const xn = nearest(x & 1 ? (x >> 1) + 1 : (x >> 1) - 1, w2);
        const a = 3 * c[(y >> 1) * w2 + (x >> 1)] + c[yn * w2 + (x >> 1)];
        const b = 3 * c[(y >> 1) * w2 + xn] + c[yn * w2 + xn];
        o[y * w + x] = Math.floor((3 * a + b + (x & 1 ? 7 : 8)) / 16);
      }
    }
    return o;
  };
  const cbs = sub(cb);
  const crs = sub(cr);
  jpegPlane(cbs, h2, w2, qc);
  jpegPlane(crs, h2, w2, qc);
  const cbu = up(cbs);
  const cru = up(crs);
  for (let i = 0; i < n; i++) {
    const yy = Y[i];
    const u = cbu[i] - 128;
    const v = cru[i] - 128;
    d[i] = Math.min(255, Math.max(0, Math.round(yy + 1.402 * v))) / 255;
    d[n + i] = Math.min(255, Math.max(0, Math.round(yy - 0.344136 * u - 0.714136 * v))) / 255;
    d[2 * n + i] = Math.min(255, Math.max(0, Math.round(yy + 1.772 * u))) / 255;
  }
}

// ---------- pixelate (PIL BOX resampling) ----------
/** PIL's BOX resampling coefficients along one axis (precompute_coeffs): output o is centred at (o + ½)·s in
 * input coordinates (s = in/out), the filter scaled by max(s, 1); input pixel i weighs box((i − centre + ½)/fs),
 * box(t) = 1 on (−½, ½], normalised. */
function boxWeights(inN: number, outN: number): { from: Int32Array; weights: Float64Array[] } {
  const scale = inN / outN;
  const fs = Math.max(scale, 1);
  const support = 0.5 * fs;
  const from = new Int32Array(outN);
  const weights: Float64Array[] = [];
  for (let o = 0; o < outN; o++) {
    const center = (o + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inN, Math.trunc(center + support + 0.5)) - xmin;
    const wts = new Float64Array(xmax);
    let tot = 0;
    for (let x = 0; x < xmax; x++) {
      const t = (x + xmin - center + 0.5) / fs;
      tot += wts[x] = t > -0.5 && t <= 0.5 ? 1 : 0;
    }
    for (let i = 0; i < wts.length; i++) wts[i] /= tot || 1;
    from[o] = xmin;
    weights.push(wts);
  }
  return { from, weights };
}

function boxResize(p: Float64Array, h: number, w: number, oh: number, ow: number): Float64Array {
  const cx = boxWeights(w, ow);
  const cy = boxWeights(h, oh);
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      const wt = cx.weights[x];
      for (let i = 0; i < wt.length; i++) s += wt[i] * p[y * w + cx.from[x] + i];
      tmp[y * ow + x] = Math.min(255, Math.max(0, Math.round(s))); // PIL rounds to uint8 after each pass
    }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const wt = cy.weights[y];
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < wt.length; i++) s += wt[i] * tmp[(cy.from[y] + i) * ow + x];
      out[y * ow + x] = Math.min(255, Math.max(0, Math.round(s)));
    }
  }
  return out;
}

// ---------- spatter helpers (OpenCV operations on a uint8 plane) ----------
/** cv2.Canny with a 3×3 Sobel, L1 magnitude, non-maximum suppression and hysteresis (lo, hi); 255 on edges. */
export function canny(p: Uint8Array, h: number, w: number, lo: number, hi: number): Uint8Array {
  const mag = new Float64Array(h * w);
  const gxs = new Float64Array(h * w);
  const gys = new Float64Array(h * w);
  const at = (y: number, x: number) => p[nearest(y, h) * w + nearest(x, w)];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gx =
        at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const gy =
        at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      gxs[y * w + x] = gx;
      gys[y * w + x] = gy;
      mag[y * w + x] = Math.abs(gx) + Math.abs(gy);
    }
  const m = (y: number, x: number) => (y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[y * w + x]);
  const state = new Uint8Array(h * w); // 0 none, 1 weak, 2 strong
  const TAN22 = Math.tan(Math.PI / 8);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = mag[i];
      if (v <= lo) continue;
      const ax = Math.abs(gxs[i]);
      const ay = Math.abs(gys[i]);
      let keep;
      if (ay <= TAN22 * ax) keep = v > m(y, x - 1) && v >= m(y, x + 1);
      else if (ay >= ax / TAN22) keep = v > m(y - 1, x) && v >= m(y + 1, x);
      else {
        const s = gxs[i] * gys[i] < 0 ? -1 : 1;
        keep = v > m(y - 1, x - s) && v > m(y + 1, x + s);
      }
      if (keep) state[i] = v > hi ? 2 : 1;
    }
  const out = new Uint8Array(h * w);
  const stack: number[] = [];
  for (let i = 0; i < h * w; i++) if (state[i] === 2) stack.push(i);
  while (stack.length) {
    const i = stack.pop()!;
    if (out[i]) continue;
    out[i] = 255;
    const y = (i / w) | 0;
    const x = i % w;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        const j = yy * w + xx;
        if (!out[j] && state[j] >= 1) stack.push(j);
      }
  }
  return out;
}

/** cv2.distanceTransform(DIST_L2, mask 5): the 5×5 chamfer distance (a = 1, b = 1.4, c = 2.1969) to the nearest
 * zero pixel, two passes. */
export function chamferDistance(p: Uint8Array, h: number, w: number): Float64Array {
  const INF = 1e6;
  const d = Float64Array.from(p, (v) => (v === 0 ? 0 : INF));
  const a = 1;
  const b = 1.4;
  const c = 2.1969;
  const fwd: [number, number, number][] = [
    [-2, -1, c], [-2, 1, c], [-1, -2, c], [-1, -1, b], [-1, 0, a], [-1, 1, b], [-1, 2, c], [0, -1, a],
  ]; // prettier-ignore
  for (let pass = 0; pass < 2; pass++) {
    const sgn = pass === 0 ? 1 : -1;
    for (let k = 0; k < h * w; k++) {
      const i = pass === 0 ? k : h * w - 1 - k;
      const y = (i / w) | 0;
      const x = i % w;
      let v = d[i];
      for (const [dy, dx, cost] of fwd) {
        const yy = y + sgn * dy;
        const xx = x + sgn * dx;
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        v = Math.min(v, d[yy * w + xx] + cost);
      }
      d[i] = v;
    }
  }
  return d;
}

/** cv2.blur with a 3×3 box (BORDER_REFLECT_101). */
export function box3(p: ArrayLike<number>, h: number, w: number): Float64Array {
  const o = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) s += p[reflect101(y + dy, h) * w + reflect101(x + dx, w)];
      o[y * w + x] = s / 9;
    }
  return o;
}

/** cv2.equalizeHist of a uint8 plane. */
export function equalizeHist(p: Uint8Array): Uint8Array {
  const hist = new Int32Array(256);
  for (const v of p) hist[v]++;
  let i0 = 0;
  while (i0 < 255 && hist[i0] === 0) i0++;
  const total = p.length;
  if (hist[i0] === total) return new Uint8Array(p.length).fill(i0);
  const scale = 255 / (total - hist[i0]);
  const lut = new Uint8Array(256);
  let sum = 0;
  for (let i = i0 + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = Math.min(255, Math.round(sum * scale));
  }
  return Uint8Array.from(p, (v) => lut[v]);
}

// ---------- the corruptions ----------
type Fn = (im: Img, s: number, rng: Rng) => void;

function eachValue(im: Img, f: (v: number) => number): void {
  const d = im.d;
  for (let i = 0; i < d.length; i++) d[i] = f(d[i]);
}

const affineJitterPoints = (h: number, w: number, jitter: number, rng: Rng) => {
  const cy = Math.floor(h / 2);
  const cx = Math.floor(w / 2);
  const sq = Math.floor(Math.min(h, w) / 3);
  // (x, y) points as the benchmark's pts1 (it indexes the centre as (h//2, w//2), equal for square images)
  const p1 = [
    [cx + sq, cy + sq],
    [cx + sq, cy - sq],
    [cx - sq, cy - sq],
  ];
  const p2 = p1.map(([x, y]) => [x + (2 * rng.float() - 1) * jitter, y + (2 * rng.float() - 1) * jitter]);
  return { p1, p2 };
};

/** The 2×3 affine A with A·p1_i = p2_i (cv2.getAffineTransform), inverted: maps destination to source. */
function inverseAffine(p1: number[][], p2: number[][]): number[] {
  // Solve for the map dst→src directly: src = B·dst, from the three pairs (dst = p2, src = p1).
  const [[x0, y0], [x1, y1], [x2, y2]] = p2;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  const solve = (v: number[]) => {
    const [v0, v1, v2] = v;
    const a = (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det;
    const b = (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det;
    const c = (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det;
    return [a, b, c];
  };
  return [...solve(p1.map((p) => p[0])), ...solve(p1.map((p) => p[1]))];
}

/** Procedural frost texture (the substitute for the benchmark's frost photographs): ice-blue white, bright
 * crystal veins from a fine plasma fractal, mean about 0.45 — values in [0, 1] per RGB plane. */
export function frostTexture(rng: Rng, h: number, w: number): Float64Array[] {
  const size = 1 << Math.ceil(Math.log2(Math.max(h, w, 2)));
  const a = plasmaFractal(rng, size, 1.5);
  const b = plasmaFractal(rng, size, 1.2);
  const tint = [0.86, 0.93, 1];
  const out = [new Float64Array(h * w), new Float64Array(h * w), new Float64Array(h * w)];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = clamp01(0.6 * a[y * size + x] ** 2 + 0.7 * Math.abs(b[y * size + x] - 0.5) ** 0.5 - 0.05);
      for (let c = 0; c < 3; c++) out[c][y * w + x] = v * tint[c];
    }
  return out;
}

const FNS: Record<Corruption, Fn> = {
  // x + N(0, c²), clipped
  gaussian_noise: (im, s, rng) => {
    const c = PARAMS.gaussian_noise[s - 1];
    eachValue(im, (v) => v + c * rng.normal());
  },
  // Poisson(x·c)/c
  shot_noise: (im, s, rng) => {
    const c = PARAMS.shot_noise[s - 1];
    eachValue(im, (v) => poisson(rng, v * c) / c);
  },
  // salt and pepper (skimage 's&p'): each value independently with probability c, then 1 or 0 with equal odds
  impulse_noise: (im, s, rng) => {
    const c = PARAMS.impulse_noise[s - 1];
    eachValue(im, (v) => (rng.float() < c ? (rng.float() < 0.5 ? 1 : 0) : v));
  },
  // x + x·N(0, c²)
  speckle_noise: (im, s, rng) => {
    const c = PARAMS.speckle_noise[s - 1];
    eachValue(im, (v) => v + v * c * rng.normal());
  },
  // Gaussian filter σ = c per channel (truncate 4, edge pixels repeated)
  gaussian_blur: (im, s) => blurImg(im, PARAMS.gaussian_blur[s - 1]),
  // blur σ, quantise to uint8, locally shuffle (each pixel from the bottom-right up takes the value of its
  // neighbour at (dy, dx) ∈ {−1, 0}², `iterations` times), blur σ again
  glass_blur: (im, s, rng) => {
    const [sigma, delta, iters] = PARAMS.glass_blur[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    blurImg(im, sigma);
    for (let i = 0; i < d.length; i++) d[i] = Math.floor(clamp01(d[i]) * 255) / 255;
    for (let it = 0; it < iters; it++)
      for (let y = h - delta; y > delta; y--)
        for (let x = w - delta; x > delta; x--) {
          const dx = rng.int(2 * delta) - delta;
          const dy = rng.int(2 * delta) - delta;
          // The benchmark writes a swap of two numpy views, which copies: x[y, x] ← x[y + dy, x + dx] only.
          const a = y * w + x;
          const b = (y + dy) * w + x + dx;
          for (let c = 0; c < 3; c++) d[c * n + a] = d[c * n + b];
        }
    blurImg(im, sigma);
  },
  // filter with an anti-aliased disk: the 0/1 disk X²+Y² ≤ r² on a 17×17 grid, normalised, blurred by a 3×3
  // Gaussian of σ = alias (BORDER_REFLECT_101); then correlated with each channel (BORDER_REFLECT_101)
  defocus_blur: (im, s) => {
    const [radius, alias] = PARAMS.defocus_blur[s - 1];
    const kern = defocusKernel(radius, alias);
    const taps: [number, number, number][] = [];
    for (let y = 0; y < 17; y++)
      for (let x = 0; x < 17; x++) if (kern[y * 17 + x] > 0) taps.push([y - 8, x - 8, kern[y * 17 + x]]);
    const { h, w, d } = im;
    const n = h * w;
    for (let c = 0; c < 3; c++) {
      const src = d.slice(c * n, (c + 1) * n);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let acc = 0;
          for (const [dy, dx, k] of taps) acc += k * src[reflect101(y + dy, h) * w + reflect101(x + dx, w)];
          d[c * n + y * w + x] = acc;
        }
    }
  },
  // ImageMagick motion blur of radius r, σ at an angle U(−45°, 45°), on the uint8 image
  motion_blur: (im, s, rng) => {
    const [r, sigma] = PARAMS.motion_blur[s - 1];
    const angle = -45 + 90 * rng.float();
    const { h, w, d } = im;
    const n = h * w;
    const planes = [0, 1, 2].map((c) =>
      Float64Array.from(d.subarray(c * n, (c + 1) * n), (v) => Math.floor(clamp01(v) * 255)),
    );
    motionBlurPlanes(planes, h, w, r, sigma, angle);
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) d[c * n + i] = Math.round(planes[c][i]) / 255;
  },
  // (x + Σ_z clipped_zoom(x, z)) / (count + 1) over z = 1, 1.01, …, < c
  zoom_blur: (im, s) => {
    const zs = Array.from({ length: ZOOM_STEPS[s - 1] }, (_, i) => 1 + i * 0.01);
    const { h, d } = im;
    const n = h * h;
    for (let c = 0; c < 3; c++) {
      const p = d.subarray(c * n, (c + 1) * n);
      const acc = new Float64Array(n);
      for (const z of zs) {
        const zz = clippedZoom(p, h, z);
        for (let i = 0; i < n; i++) acc[i] += zz[i];
      }
      for (let i = 0; i < n; i++) p[i] = (p[i] + acc[i]) / (zs.length + 1);
    }
  },
  // x + c·plasma (diamond-square, decay d), rescaled by max/(max + c)
  fog: (im, s, rng) => {
    const [c, decay] = PARAMS.fog[s - 1];
    const { h, w, d } = im;
    const size = Math.max(32, 1 << Math.ceil(Math.log2(Math.max(h, w))));
    const plasma = plasmaFractal(rng, size, decay);
    let max = 0;
    for (const v of d) max = Math.max(max, v);
    const n = h * w;
    for (let ch = 0; ch < 3; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const i = ch * n + y * w + x;
          d[i] = ((d[i] + c * plasma[y * size + x]) * max) / (max + c);
        }
  },
  // a·x + b·frost over 0–255; our frost is procedural (frostTexture), the weights are the published ones
  frost: (im, s, rng) => {
    const [a, b] = PARAMS.frost[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    const tex = frostTexture(rng, h, w);
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) d[c * n + i] = a * d[c * n + i] + b * tex[c][i];
  },
  // snow layer N(μ, σ²) zoomed by z, zeroed below t, quantised, motion-blurred (radius, σ, angle U(−135, −45));
  // x ← m·x + (1 − m)·max(x, 1.5·gray + 0.5); out = x + snow + snow rotated 180°
  snow: (im, s, rng) => {
    const [mu, sd, zoom, thr, rad, sig, mix] = PARAMS.snow[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    const layer = new Float64Array(n);
    for (let i = 0; i < n; i++) layer[i] = mu + sd * rng.normal();
    const z = clippedZoom(layer, h, zoom);
    for (let i = 0; i < n; i++) z[i] = z[i] < thr ? 0 : Math.floor(clamp01(z[i]) * 255);
    motionBlurPlanes([z], h, w, rad, sig, -135 + 90 * rng.float());
    for (let i = 0; i < n; i++) {
      const r = d[i];
      const g = d[n + i];
      const b = d[2 * n + i];
      const gray = 0.299 * r + 0.587 * g + 0.114 * b;
      const snowAt = Math.round(z[i]) / 255 + Math.round(z[n - 1 - i]) / 255;
      for (let c = 0; c < 3; c++) {
        const v = d[c * n + i];
        d[c * n + i] = mix * v + (1 - mix) * Math.max(v, gray * 1.5 + 0.5) + snowAt;
      }
    }
  },
  // liquid layer N(μ, σ²), Gaussian σ_l, zeroed below t; severities 1–3 water (edges by Canny → distance
  // transform ≤ 20 → box → histogram equalisation → emboss → box; pale turquoise scaled by m), 4–5 mud
  spatter: (im, s, rng) => {
    const [mu, sd, sl, thr, k4, mud] = PARAMS.spatter[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    const liquid = new Float64Array(n);
    for (let i = 0; i < n; i++) liquid[i] = mu + sd * rng.normal();
    blurPlane(liquid, h, w, sl);
    for (let i = 0; i < n; i++) if (liquid[i] < thr) liquid[i] = 0;
    if (mud === 0) {
      const lu8 = Uint8Array.from(liquid, (v) => Math.min(255, Math.max(0, Math.floor(v * 255))));
      const edges = canny(lu8, h, w, 50, 150);
      const dist = chamferDistance(
        Uint8Array.from(edges, (e) => 255 - e),
        h,
        w,
      );
      for (let i = 0; i < n; i++) dist[i] = Math.min(dist[i], 20);
      const blurred = box3(dist, h, w);
      let eq = equalizeHist(Uint8Array.from(blurred, (v) => Math.floor(v)));
      const ker = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
      const emb = new Uint8Array(n);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          let acc = 0;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++)
              acc += ker[ky * 3 + kx] * eq[reflect101(y + ky - 1, h) * w + reflect101(x + kx - 1, w)];
          emb[y * w + x] = Math.min(255, Math.max(0, Math.round(acc)));
        }
      eq = emb;
      const fin = box3(eq, h, w);
      const m = new Float64Array(n);
      let max = 0;
      for (let i = 0; i < n; i++) max = Math.max(max, (m[i] = liquid[i] * fin[i]));
      const color = [175 / 255, 238 / 255, 238 / 255];
      for (let i = 0; i < n; i++) {
        const mi = max > 0 ? (m[i] / max) * k4 : 0;
        for (let c = 0; c < 3; c++) d[c * n + i] = clamp01(d[c * n + i] + mi * color[c]);
      }
    } else {
      const m = Float64Array.from(liquid, (v) => (v > thr ? 1 : 0));
      blurPlane(m, h, w, k4);
      const color = [63 / 255, 42 / 255, 20 / 255];
      for (let i = 0; i < n; i++) {
        const mi = m[i] < 0.8 ? 0 : m[i];
        for (let c = 0; c < 3; c++) d[c * n + i] = d[c * n + i] * (1 - mi) + color[c] * mi;
      }
    }
  },
  // (x − mean_c)·c + mean_c per channel
  contrast: (im, s) => {
    const c = PARAMS.contrast[s - 1];
    const n = im.h * im.w;
    for (let ch = 0; ch < 3; ch++) {
      const p = im.d.subarray(ch * n, (ch + 1) * n);
      let mean = 0;
      for (const v of p) mean += v;
      mean /= n;
      for (let i = 0; i < n; i++) p[i] = (p[i] - mean) * c + mean;
    }
  },
  // HSV value + c, clipped
  brightness: (im, s) => {
    const c = PARAMS.brightness[s - 1];
    mapHsv(im, (hsv) => (hsv[2] = clamp01(hsv[2] + c)));
  },
  // HSV saturation·a + b, clipped
  saturate: (im, s) => {
    const [a, b] = PARAMS.saturate[s - 1];
    mapHsv(im, (hsv) => (hsv[1] = clamp01(hsv[1] * a + b)));
  },
  jpeg_compression: (im, s) => {
    for (let i = 0; i < im.d.length; i++) im.d[i] = Math.floor(clamp01(im.d[i]) * 255 + 1e-6) / 255;
    jpegRoundTrip(im, PARAMS.jpeg_compression[s - 1]);
  },
  // BOX-resize to ⌊32·c⌋ and back
  pixelate: (im, s) => {
    const c = PARAMS.pixelate[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    const oh = Math.floor(h * c);
    const ow = Math.floor(w * c);
    for (let ch = 0; ch < 3; ch++) {
      const p = Float64Array.from(d.subarray(ch * n, (ch + 1) * n), (v) => Math.round(clamp01(v) * 255));
      const back = boxResize(boxResize(p, h, w, oh, ow), oh, ow, h, w);
      for (let i = 0; i < n; i++) d[ch * n + i] = back[i] / 255;
    }
  },
  // random affine (three points jittered by U(−j, j)·size, bilinear, BORDER_REFLECT_101), then displacement
  // fields dx, dy = Gaussian(σ·size, truncate 3, reflect) of U(−1, 1) × α·size, bilinear with scipy 'reflect'
  elastic_transform: (im, s, rng) => {
    const [alphaF, sigmaF, jitterF] = PARAMS.elastic_transform[s - 1];
    const { h, w, d } = im;
    const n = h * w;
    const size = h;
    const { p1, p2 } = affineJitterPoints(h, w, jitterF * size, rng);
    const B = inverseAffine(p1, p2);
    const warped = new Float64Array(3 * n);
    for (let c = 0; c < 3; c++) {
      const p = d.subarray(c * n, (c + 1) * n);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const sx = B[0] * x + B[1] * y + B[2];
          const sy = B[3] * x + B[4] * y + B[5];
          warped[c * n + y * w + x] = bilinear(p, h, w, sy, sx, reflect101);
        }
    }
    const field = () => {
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) f[i] = 2 * rng.float() - 1;
      if (sigmaF > 0) blurPlane(f, h, w, sigmaF * size, 3, reflect);
      for (let i = 0; i < n; i++) f[i] *= alphaF * size;
      return f;
    };
    const dx = field();
    const dy = field();
    for (let c = 0; c < 3; c++) {
      const p = warped.subarray(c * n, (c + 1) * n);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          d[c * n + y * w + x] = bilinear(p, h, w, y + dy[y * w + x], x + dx[y * w + x], reflect);
    }
  },
};

/** The benchmark's disk(radius, alias_blur) on the 17×17 grid (radius ≤ 8). */
export function defocusKernel(radius: number, alias: number): Float64Array {
  const disk = new Float64Array(17 * 17);
  let s = 0;
  for (let y = -8; y <= 8; y++)
    for (let x = -8; x <= 8; x++) if (x * x + y * y <= radius * radius) s += disk[(y + 8) * 17 + x + 8] = 1;
  for (let i = 0; i < disk.length; i++) disk[i] /= s;
  // cv2.GaussianBlur ksize 3: weights exp(−i²/2σ²) for i ∈ {−1, 0, 1}, normalised, BORDER_REFLECT_101
  const g = [Math.exp(-1 / (2 * alias * alias)), 1, Math.exp(-1 / (2 * alias * alias))];
  const gs = g[0] + g[1] + g[2];
  const out = new Float64Array(17 * 17);
  const tmp = new Float64Array(17 * 17);
  for (let y = 0; y < 17; y++)
    for (let x = 0; x < 17; x++) {
      let a = 0;
      for (let j = -1; j <= 1; j++) a += (g[j + 1] / gs) * disk[y * 17 + reflect101(x + j, 17)];
      tmp[y * 17 + x] = a;
    }
  for (let y = 0; y < 17; y++)
    for (let x = 0; x < 17; x++) {
      let a = 0;
      for (let j = -1; j <= 1; j++) a += (g[j + 1] / gs) * tmp[reflect101(y + j, 17) * 17 + x];
      out[y * 17 + x] = a;
    }
  return out;
}

/** One corrupted image: `src` uint8 [3, h, w] → out uint8 [3, h, w]. */
export function corruptImage(
  kind: Corruption,
  severity: number,
  src: Uint8Array,
  h: number,
  w: number,
  rng: Rng,
  out: Uint8Array = new Uint8Array(src.length),
  work: Float32Array = new Float32Array(src.length),
): Uint8Array {
  if (!(Number.isInteger(severity) && severity >= 1 && severity <= 5))
    throw new Error(`corruption severity must be 1–5, got ${severity}`);
  for (let i = 0; i < src.length; i++) work[i] = src[i] / 255;
  FNS[kind]({ d: work, h, w }, severity, rng);
  for (let i = 0; i < src.length; i++) {
    const v = work[i] * 255;
    out[i] = v >= 255 ? 255 : v > 0 ? Math.floor(v + 1e-9) : 0;
  }
  return out;
}

/** A whole set corrupted (labels shared), deterministic for `seed`; 3-channel images only. */
export function corruptSet(set: ImageSet, kind: Corruption, severity: number, seed: number): ImageSet {
  const [c, h, w] = set.shape;
  if (c !== 3) throw new DataError(`corruptions: need 3-channel (RGB) images, the set has ${c} channel(s)`);
  const per = c * h * w;
  const images = new Uint8Array(set.n * per);
  const work = new Float32Array(per);
  for (let i = 0; i < set.n; i++) {
    const rng = Rng.derive(seed, `${kind}:${severity}:${i}`);
    corruptImage(
      kind,
      severity,
      set.images.subarray(i * per, (i + 1) * per),
      h,
      w,
      rng,
      images.subarray(i * per, (i + 1) * per),
      work,
    );
  }
  return { images, labels: set.labels, n: set.n, shape: set.shape };
}
