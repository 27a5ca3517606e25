// The conformance suite of the Kernels interface, one set of cases for every backend ({name, kernels, device}):
// every kernel on fresh random inputs (src/util/rng.ts) in several shapes (odd sizes, strides, padding, groups),
// each output poisoned with NaN before the call and required to be fully written, accumulating outputs started
// from random values, and each result compared with the TypeScript reference run in float64 by
// ‖out − ref‖₂ / ‖ref‖₂ under the tolerance stated in the case (index outputs: exactly). Run by
// test/kernels/conformance.test.ts for js and native (cuda where a GPU is visible) and by
// scripts/gpu/conformance.mjs on a GPU machine. It imports nothing but src/kernels and src/util/rng.ts, so it
// travels to a GPU machine with little else.
import { Rng } from '../../src/util/rng.js';
import type { Device } from '../../src/kernels/device.js';
import { outSize, type Activation, type ConvShape, type Kernels, type PoolShape } from '../../src/kernels/kernels.js';
import * as conv from '../../src/kernels/js/conv.js';
import * as bn from '../../src/kernels/js/batchnorm.js';
import * as act from '../../src/kernels/js/activation.js';
import * as pool from '../../src/kernels/js/pool.js';
import * as ew from '../../src/kernels/js/elementwise.js';
import { sgemm as refSgemm } from '../../src/kernels/js/gemm.js';
import { softmaxCrossEntropy as refXent } from '../../src/kernels/js/loss.js';
import { sgdUpdate as refSgd } from '../../src/kernels/js/optim.js';
import { gatherOrZero as refGather } from '../../src/kernels/js/sparse_pattern.js';
import { topK as refTopK } from '../../src/kernels/js/topk.js';

/** A backend under test: its kernels and the device whose arrays they take. */
export interface ConformanceBackend {
  name: string;
  kernels: Kernels<unknown, unknown, unknown>;
  device: Device<unknown, unknown, unknown>;
  /** Multiplies the tolerances of the matrix products (sgemm, convolutions): e.g. 100 for TF32. */
  matmulToleranceScale?: number;
}

export interface ConformanceCase {
  /** The kernels the case exercises. */
  kernel: string;
  name: string;
  /** The largest relative error ‖out − ref‖ / ‖ref‖ accepted (index outputs are compared exactly). */
  tolerance: number;
  /** Backends the case is meaningful for (all when absent): e.g. argument checks the js reference does not make. */
  only?: readonly string[];
  /** Runs the case; throws an Error saying what differs. Returns the largest relative error seen. */
  run(b: ConformanceBackend, seed: number): number;
}

export interface ConformanceResult {
  name: string;
  ok: boolean;
  worst: number;
  error?: string;
}

type F64 = Float64Array;

// --- comparison ---

/**
 * ‖got − want‖₂ / ‖want‖₂ over the entries where want is a number; where want is NaN got must be NaN, where it is
 * ±Infinity got must equal it, and a NaN in got elsewhere means an element was not written. Throws past tol.
 */
export function compare(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): number {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  let num = 0;
  let den = 0;
  let unwritten = 0;
  let special = 0;
  let firstBad = -1;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w)) {
      if (!Number.isNaN(g)) {
        special++;
        if (firstBad < 0) firstBad = i;
      }
    } else if (Number.isNaN(g)) {
      unwritten++;
      if (firstBad < 0) firstBad = i;
    } else if (!Number.isFinite(w)) {
      if (g !== w) {
        special++;
        if (firstBad < 0) firstBad = i;
      }
    } else {
      num += (g - w) * (g - w);
      den += w * w;
    }
  }
  if (unwritten)
    throw new Error(
      `${what}: ${unwritten} of ${got.length} elements are NaN where the reference is not (first ${firstBad})`,
    );
  if (special)
    throw new Error(`${what}: ${special} NaN / infinite elements differ from the reference (first ${firstBad})`);
  const rel = den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
  if (!(rel <= tol)) throw new Error(`${what}: relative error ${rel.toExponential(2)} > ${tol}`);
  return rel;
}

/** Integer outputs: equal element for element. */
export function exact(what: string, got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < got.length; i++)
    if (got[i] !== want[i]) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  return 0;
}

function expectThrow(what: string, fn: () => void, pattern: RegExp): number {
  try {
    fn();
  } catch (e) {
    const m = (e as Error).message;
    if (!pattern.test(m)) throw new Error(`${what}: threw "${m}", expected ${pattern}`);
    return 0;
  }
  throw new Error(`${what}: did not throw (expected ${pattern})`);
}

// --- data ---

function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.float();
  return a;
}

const f64 = (a: ArrayLike<number>): F64 => Float64Array.from(a);

/** Device arrays of one case, freed when it ends (which exercises free() too). */
class Arrays {
  private readonly live: unknown[] = [];
  constructor(private readonly b: ConformanceBackend) {}

  private keep<T>(a: T): T {
    this.live.push(a);
    return a;
  }
  /** A device copy of host data. */
  f32(host: Float32Array): unknown {
    const a = this.keep(this.b.device.alloc('f32', host.length));
    this.b.device.upload(a, host);
    return a;
  }
  i32(host: Int32Array): unknown {
    const a = this.keep(this.b.device.alloc('i32', host.length));
    this.b.device.upload(a, host);
    return a;
  }
  u8(host: Uint8Array): unknown {
    const a = this.keep(this.b.device.alloc('u8', host.length));
    this.b.device.upload(a, host);
    return a;
  }
  /** An output array filled with NaN. */
  nan(n: number): unknown {
    const a = this.keep(this.b.device.alloc('f32', n));
    this.b.device.fill(a, NaN);
    return a;
  }
  /** An int32 output filled with a sentinel no kernel writes. */
  poisonI32(n: number): unknown {
    const a = this.keep(this.b.device.alloc('i32', n));
    this.b.device.fill(a, -7777);
    return a;
  }
  read(a: unknown, n: number): Float32Array {
    return this.b.device.download(a, new Float32Array(n));
  }
  readI32(a: unknown, n: number): Int32Array {
    return this.b.device.download(a, new Int32Array(n));
  }
  freeAll(): void {
    for (const a of this.live.splice(0)) this.b.device.free(a);
  }
}

function withArrays(b: ConformanceBackend, fn: (d: Arrays) => number): number {
  const d = new Arrays(b);
  try {
    return fn(d);
  } finally {
    d.freeAll();
  }
}

// --- cases ---

type ConvDims = [number, number, number, number, number, number, number, number, number, number, number, number];
type PoolDims = [number, number, number, number, number, number, number, number, number, number];

const convShape = ([N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups]: ConvDims): ConvShape => ({
  N,
  C,
  H,
  W,
  K,
  R,
  S,
  strideH,
  strideW,
  padH,
  padW,
  groups,
});

const poolShape = ([N, C, H, W, kH, kW, strideH, strideW, padH, padW]: PoolDims): PoolShape => ({
  N,
  C,
  H,
  W,
  kH,
  kW,
  strideH,
  strideW,
  padH,
  padW,
});

const CONV: ConvDims[] = [
  [2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, 1], // odd, non-square
  [3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1], // stride 2
  [2, 5, 8, 6, 3, 5, 5, 1, 1, 2, 2, 1], // 5×5, pad 2
  [2, 3, 11, 13, 8, 7, 7, 2, 2, 3, 3, 1], // 7×7 stride 2 pad 3 (a ResNet stem)
  [3, 8, 7, 7, 16, 1, 1, 2, 2, 0, 0, 1], // 1×1 stride 2 (a shortcut)
  [2, 8, 16, 16, 6, 1, 1, 1, 1, 0, 0, 2], // 1×1 in groups
  [2, 6, 5, 7, 4, 3, 3, 1, 1, 0, 0, 2], // groups 2, no padding
  [4, 6, 5, 5, 6, 3, 3, 3, 3, 2, 2, 3], // stride 3, groups 3
  [2, 8, 9, 9, 8, 3, 3, 1, 1, 1, 1, 8], // depthwise
  [3, 6, 8, 7, 6, 3, 3, 2, 2, 1, 1, 6], // depthwise stride 2
  [2, 4, 6, 6, 8, 3, 3, 1, 1, 1, 1, 4], // depthwise, channel multiplier 2
  [17, 6, 3, 5, 4, 3, 3, 1, 2, 1, 0, 2], // odd batch, groups, mixed stride / pad
  [2, 3, 4, 4, 5, 3, 3, 1, 1, 2, 2, 1], // more padding than needed
  [1, 2, 1, 1, 2, 2, 2, 4, 4, 3, 3, 1], // outputs that see only padding
  [8, 16, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1], // a ResNet block at width 16
];

const POOL: PoolDims[] = [
  [2, 3, 8, 8, 2, 2, 2, 2, 0, 0], // VGG's 2×2 stride 2
  [2, 3, 7, 9, 2, 2, 2, 2, 0, 0], // odd sizes (floor drops the last row / column)
  [3, 2, 9, 7, 3, 3, 2, 2, 1, 1], // overlapping, padded
  [2, 4, 5, 6, 3, 2, 1, 2, 1, 0], // stride 1 in H
  [1, 2, 6, 6, 4, 4, 4, 4, 2, 2], // pad = half the window
  [2, 3, 4, 4, 4, 4, 1, 1, 0, 0], // the whole plane
  [4, 5, 1, 7, 1, 3, 1, 2, 0, 1], // one row
  [2, 3, 11, 13, 5, 5, 1, 1, 2, 2], // 5×5 stride 1: many overlapping windows
];

function sgemmCases(): ConformanceCase[] {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [13, 33, 17],
    [37, 71, 300],
    [100, 9, 513],
    [5, 200, 2],
    [4, 3, 0],
    [128, 96, 64],
  ];
  return shapes.map(([M, N, K]) => ({
    kernel: 'sgemm',
    name: `sgemm M=${M} N=${N} K=${K} (all transposes, offsets, leading dimensions, alpha/beta)`,
    tolerance: 1e-5,
    run: (b, seed) =>
      withArrays(b, (d) => {
        const rng = Rng.derive(seed, `sgemm ${M} ${N} ${K}`);
        let worst = 0;
        for (const ta of [false, true])
          for (const tb of [false, true])
            for (const [alpha, beta] of [
              [1, 0],
              [0.5, 1],
              [-2, 0.25],
            ]) {
              const lda = (ta ? M : K) + 3;
              const ldb = (tb ? K : N) + 1;
              const ldc = N + 2;
              const A = uniform(rng, 2 + Math.max(1, ta ? K : M) * lda);
              const B = uniform(rng, 5 + Math.max(1, tb ? N : K) * ldb);
              const C0 = uniform(rng, 1 + M * ldc);
              // beta = 0 must not read C: its M×N block starts as NaN (the rest must stay as it is).
              if (beta === 0) for (let i = 0; i < M; i++) C0.fill(NaN, 1 + i * ldc, 1 + i * ldc + N);
              const want = f64(C0);
              refSgemm(ta, tb, M, N, K, alpha, f64(A), 2, lda, f64(B), 5, ldb, beta, want, 1, ldc);
              const C = d.f32(C0);
              b.kernels.sgemm(ta, tb, M, N, K, alpha, d.f32(A), 2, lda, d.f32(B), 5, ldb, beta, C, 1, ldc);
              const what = `C (transA=${ta} transB=${tb} alpha=${alpha} beta=${beta})`;
              worst = Math.max(worst, compare(what, d.read(C, C0.length), want, 1e-5 * (b.matmulToleranceScale ?? 1)));
            }
        return worst;
      }),
  }));
}

function convCases(): ConformanceCase[] {
  return CONV.map((dims, i) => ({
    kernel: 'conv2dForward, conv2dBackwardInput, conv2dBackwardWeight',
    name: `conv2d [${dims}] ${i % 2 ? 'with' : 'without'} bias`,
    tolerance: 1e-4,
    run: (b, seed) =>
      withArrays(b, (d) => {
        const s = convShape(dims);
        const withBias = i % 2 === 1;
        const rng = Rng.derive(seed, `conv ${dims}`);
        const OH = outSize(s.H, s.R, s.strideH, s.padH);
        const OW = outSize(s.W, s.S, s.strideW, s.padW);
        const nx = s.N * s.C * s.H * s.W;
        const nw = (s.K * s.C * s.R * s.S) / s.groups;
        const ny = s.N * s.K * OH * OW;
        const x = uniform(rng, nx);
        const w = uniform(rng, nw);
        const bias = withBias ? uniform(rng, s.K) : null;
        const dy = uniform(rng, ny);
        const dw0 = uniform(rng, nw);
        const db0 = withBias ? uniform(rng, s.K) : null;
        const y = new Float64Array(ny);
        const dx = new Float64Array(nx);
        const dw = f64(dw0);
        const db = db0 ? f64(db0) : null;
        conv.conv2dForward(y, f64(x), f64(w), bias ? f64(bias) : null, s);
        conv.conv2dBackwardInput(dx, f64(dy), f64(w), s);
        conv.conv2dBackwardWeight(dw, db, f64(dy), f64(x), s);

        const gx = d.f32(x);
        const gw = d.f32(w);
        const gdy = d.f32(dy);
        const gy = d.nan(ny);
        const gdx = d.nan(nx);
        const gdw = d.f32(dw0);
        const gdb = db0 ? d.f32(db0) : null;
        const tol = 1e-4 * (b.matmulToleranceScale ?? 1);
        b.kernels.conv2dForward(gy, gx, gw, bias ? d.f32(bias) : null, s);
        b.kernels.conv2dBackwardInput(gdx, gdy, gw, s);
        b.kernels.conv2dBackwardWeight(gdw, gdb, gdy, gx, s);
        let worst = compare('y', d.read(gy, ny), y, tol);
        worst = Math.max(worst, compare('dx', d.read(gdx, nx), dx, tol));
        worst = Math.max(worst, compare('dw (accumulated)', d.read(gdw, nw), dw, tol));
        if (gdb && db) worst = Math.max(worst, compare('dbias (accumulated)', d.read(gdb, s.K), db, tol));
        // A second backward pass accumulates again (beta = 1 on a gradient that is already there).
        b.kernels.conv2dBackwardWeight(gdw, gdb, gdy, gx, s);
        conv.conv2dBackwardWeight(dw, db, f64(dy), f64(x), s);
        worst = Math.max(worst, compare('dw after a second accumulation', d.read(gdw, nw), dw, tol));
        if (gdb && db) worst = Math.max(worst, compare('dbias after a second accumulation', d.read(gdb, s.K), db, tol));
        return worst;
      }),
  }));
}

function batchNormCases(): ConformanceCase[] {
  const shapes: [number, number, number][] = [
    [3, 5, 7],
    [128, 64, 1],
    [2, 4, 9],
    [4, 3, 33],
    [1, 3, 50],
    [7, 2, 31],
    [16, 8, 16],
    [8, 16, 1024],
    [600, 13, 1],
  ];
  return shapes.map(([N, C, HW]) => ({
    kernel: 'batchNormForwardTrain, batchNormForwardEval, batchNormBackward',
    name: `batchNorm N=${N} C=${C} HW=${HW}`,
    tolerance: 1e-5,
    run: (b, seed) =>
      withArrays(b, (d) => {
        const rng = Rng.derive(seed, `bn ${N} ${C} ${HW}`);
        const n = N * C * HW;
        const x = uniform(rng, n, 2, 5); // an offset mean: the statistics must not cancel catastrophically
        const gamma = uniform(rng, C, 0.5, 1.5);
        const beta = uniform(rng, C);
        const rm0 = uniform(rng, C, -0.5, 0.5);
        const rv0 = uniform(rng, C, 0.5, 2);
        const dy = uniform(rng, n);
        const dg0 = uniform(rng, C);
        const db0 = uniform(rng, C);
        const [momentum, eps] = [0.1, 1e-5];
        const y = new Float64Array(n);
        const sm = new Float64Array(C);
        const si = new Float64Array(C);
        const rm = f64(rm0);
        const rv = f64(rv0);
        bn.batchNormForwardTrain(y, sm, si, f64(x), f64(gamma), f64(beta), rm, rv, N, C, HW, momentum, eps);
        const ye = new Float64Array(n);
        bn.batchNormForwardEval(ye, f64(x), f64(gamma), f64(beta), rm, rv, N, C, HW, eps);
        const dx = new Float64Array(n);
        const dg = f64(dg0);
        const db = f64(db0);
        bn.batchNormBackward(dx, dg, db, f64(dy), f64(x), f64(gamma), sm, si, N, C, HW);

        const [gx, gg, gb] = [d.f32(x), d.f32(gamma), d.f32(beta)];
        const [gy, gsm, gsi] = [d.nan(n), d.nan(C), d.nan(C)];
        const [grm, grv] = [d.f32(rm0), d.f32(rv0)];
        b.kernels.batchNormForwardTrain(gy, gsm, gsi, gx, gg, gb, grm, grv, N, C, HW, momentum, eps);
        let worst = compare('y (train)', d.read(gy, n), y, 1e-5);
        worst = Math.max(worst, compare('saveMean', d.read(gsm, C), sm, 1e-6));
        worst = Math.max(worst, compare('saveInvStd', d.read(gsi, C), si, 1e-5));
        worst = Math.max(worst, compare('runningMean', d.read(grm, C), rm, 1e-6));
        worst = Math.max(worst, compare('runningVar', d.read(grv, C), rv, 1e-5));
        const gye = d.nan(n);
        b.kernels.batchNormForwardEval(gye, gx, gg, gb, grm, grv, N, C, HW, eps);
        worst = Math.max(worst, compare('y (eval)', d.read(gye, n), ye, 1e-5));
        const [gdx, gdg, gdb] = [d.nan(n), d.f32(dg0), d.f32(db0)];
        b.kernels.batchNormBackward(gdx, gdg, gdb, d.f32(dy), gx, gg, gsm, gsi, N, C, HW);
        worst = Math.max(worst, compare('dx', d.read(gdx, n), dx, 1e-4));
        worst = Math.max(worst, compare('dgamma (accumulated)', d.read(gdg, C), dg, 1e-5));
        worst = Math.max(worst, compare('dbeta (accumulated)', d.read(gdb, C), db, 1e-5));
        return worst;
      }),
  }));
}

function activationCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const kind of ['relu', 'swish', 'mish'] as Activation[])
    for (const n of [1, 7, 1000, 4097])
      cases.push({
        kernel: 'activationForward, activationBackward',
        name: `${kind} n=${n}`,
        tolerance: 1e-6,
        run: (b, seed) =>
          withArrays(b, (d) => {
            const rng = Rng.derive(seed, `act ${kind} ${n}`);
            const x = uniform(rng, n, -8, 8);
            // Edge values: zeros of both signs, the softplus threshold, large magnitudes, and NaN for relu.
            const edges = [0, -0, 20, 20.5, -30, 30, 1e-3, -1e-3];
            for (let i = 0; i < Math.min(n, edges.length); i++) x[(i * 7919) % n] = edges[i];
            if (kind === 'relu' && n > 10) x[n - 1] = NaN;
            const dy = uniform(rng, n);
            const y = new Float64Array(n);
            const dx = new Float64Array(n);
            act.activationForward(kind, y, f64(x));
            act.activationBackward(kind, dx, f64(dy), f64(x));
            const gx = d.f32(x);
            const [gy, gdx] = [d.nan(n), d.nan(n)];
            b.kernels.activationForward(kind, gy, gx);
            b.kernels.activationBackward(kind, gdx, d.f32(dy), gx);
            return Math.max(compare('y', d.read(gy, n), y, 1e-6), compare('dx', d.read(gdx, n), dx, 1e-6));
          }),
      });
  cases.push({
    kernel: 'activationForward',
    name: 'activation: an unknown kind is rejected',
    tolerance: 0,
    run: (b) =>
      withArrays(b, (d) => {
        const x = d.f32(new Float32Array(4));
        return expectThrow(
          'kind tanh',
          () => b.kernels.activationForward('tanh' as Activation, x, x),
          /'relu', 'swish' or 'mish'/,
        );
      }),
  });
  return cases;
}

function poolCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = POOL.map((dims) => ({
    kernel: 'maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward',
    name: `pool [${dims}]`,
    tolerance: 1e-6,
    run: (b, seed) =>
      withArrays(b, (d) => {
        const s = poolShape(dims);
        const rng = Rng.derive(seed, `pool ${dims}`);
        const OH = outSize(s.H, s.kH, s.strideH, s.padH);
        const OW = outSize(s.W, s.kW, s.strideW, s.padW);
        const nx = s.N * s.C * s.H * s.W;
        const ny = s.N * s.C * OH * OW;
        const x = uniform(rng, nx);
        // Ties (the first maximum wins) on some planes: values quantised to a few levels.
        for (let i = 0; i < nx; i += 3) x[i] = Math.round(x[i] * 2) / 2;
        const dy = uniform(rng, ny);
        const y = new Float64Array(ny);
        const am = new Int32Array(ny);
        pool.maxPool2dForward(y, am, f64(x), s);
        const dx = new Float64Array(nx);
        pool.maxPool2dBackward(dx, f64(dy), am, s);
        const ya = new Float64Array(ny);
        pool.avgPool2dForward(ya, f64(x), s);
        const dxa = new Float64Array(nx);
        pool.avgPool2dBackward(dxa, f64(dy), s);

        const gx = d.f32(x);
        const gdy = d.f32(dy);
        const [gy, gam] = [d.nan(ny), d.poisonI32(ny)];
        b.kernels.maxPool2dForward(gy, gam, gx, s);
        let worst = compare('max y', d.read(gy, ny), y, 1e-6);
        worst = Math.max(worst, exact('argmax', d.readI32(gam, ny), am));
        const gdx = d.nan(nx);
        b.kernels.maxPool2dBackward(gdx, gdy, d.i32(am), s);
        worst = Math.max(worst, compare('max dx', d.read(gdx, nx), dx, 1e-6));
        const gya = d.nan(ny);
        b.kernels.avgPool2dForward(gya, gx, s);
        worst = Math.max(worst, compare('avg y', d.read(gya, ny), ya, 1e-6));
        const gdxa = d.nan(nx);
        b.kernels.avgPool2dBackward(gdxa, gdy, s);
        return Math.max(worst, compare('avg dx', d.read(gdxa, nx), dxa, 1e-6));
      }),
  }));
  cases.push({
    kernel: 'maxPool2dForward',
    name: 'max pool: NaN propagates and its position is the argmax',
    tolerance: 0,
    run: (b, seed) =>
      withArrays(b, (d) => {
        const s = poolShape([1, 2, 6, 6, 3, 3, 2, 2, 1, 1]);
        const rng = Rng.derive(seed, 'pool nan');
        const x = uniform(rng, 72);
        x[7] = NaN;
        x[40] = NaN;
        x[41] = NaN;
        const ny = 2 * 9;
        const y = new Float64Array(ny);
        const am = new Int32Array(ny);
        pool.maxPool2dForward(y, am, f64(x), s);
        const [gy, gam] = [d.nan(ny), d.poisonI32(ny)];
        b.kernels.maxPool2dForward(gy, gam, d.f32(x), s);
        compare('y', d.read(gy, ny), y, 0);
        return exact('argmax', d.readI32(gam, ny), am);
      }),
  });
  for (const [N, C, HW] of [
    [2, 3, 1],
    [4, 5, 49],
    [3, 7, 64],
    [1, 1, 1000],
  ])
    cases.push({
      kernel: 'globalAvgPoolForward, globalAvgPoolBackward',
      name: `globalAvgPool N=${N} C=${C} HW=${HW}`,
      tolerance: 1e-5, // one sum per plane: the CPU addon adds in float32
      run: (b, seed) =>
        withArrays(b, (d) => {
          const rng = Rng.derive(seed, `gap ${N} ${C} ${HW}`);
          const x = uniform(rng, N * C * HW);
          const dy = uniform(rng, N * C);
          const y = new Float64Array(N * C);
          const dx = new Float64Array(N * C * HW);
          pool.globalAvgPoolForward(y, f64(x), N, C, HW);
          pool.globalAvgPoolBackward(dx, f64(dy), N, C, HW);
          const [gy, gdx] = [d.nan(N * C), d.nan(N * C * HW)];
          b.kernels.globalAvgPoolForward(gy, d.f32(x), N, C, HW);
          b.kernels.globalAvgPoolBackward(gdx, d.f32(dy), N, C, HW);
          return Math.max(compare('y', d.read(gy, N * C), y, 1e-5), compare('dx', d.read(gdx, N * C * HW), dx, 1e-6));
        }),
    });
  return cases;
}

function lossCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [N, C] of [
    [1, 1],
    [5, 10],
    [64, 10],
    [33, 100],
    [7, 1000],
  ])
    for (const target of ['indices', 'smoothed', 'soft'] as const)
      cases.push({
        kernel: 'softmaxCrossEntropy',
        name: `softmaxCrossEntropy N=${N} C=${C} ${target}`,
        tolerance: 1e-6,
        run: (b, seed) =>
          withArrays(b, (d) => {
            const rng = Rng.derive(seed, `xent ${N} ${C} ${target}`);
            const logits = uniform(rng, N * C, -4, 4);
            const smoothing = target === 'smoothed' ? 0.1 : 0;
            let hostTargets: Int32Array | Float32Array;
            if (target === 'soft') {
              const t = uniform(rng, N * C, 0, 1);
              for (let i = 0; i < N; i++) {
                let s = 0;
                for (let j = 0; j < C; j++) s += t[i * C + j];
                for (let j = 0; j < C; j++) t[i * C + j] /= s;
              }
              hostTargets = t;
            } else {
              hostTargets = Int32Array.from({ length: N }, () => rng.int(C));
            }
            const dl = new Float64Array(N * C);
            const probs = new Float64Array(N * C);
            const refTargets = hostTargets instanceof Int32Array ? hostTargets : f64(hostTargets);
            const loss = refXent(dl, probs, f64(logits), refTargets, N, C, smoothing);
            const [gdl, gp] = [d.nan(N * C), d.nan(N * C)];
            const gt = hostTargets instanceof Int32Array ? d.i32(hostTargets) : d.f32(hostTargets);
            const got = b.kernels.softmaxCrossEntropy(gdl, gp, d.f32(logits), gt, N, C, smoothing);
            let worst = compare('loss', [got], [loss], 1e-6);
            worst = Math.max(worst, compare('dlogits', d.read(gdl, N * C), dl, 1e-6));
            return Math.max(worst, compare('probs', d.read(gp, N * C), probs, 1e-6));
          }),
      });
  cases.push({
    kernel: 'softmaxCrossEntropy',
    name: 'softmaxCrossEntropy: a class index out of range is rejected',
    tolerance: 0,
    run: (b) =>
      withArrays(b, (d) => {
        const [gdl, gp, gl] = [d.nan(12), d.nan(12), d.f32(new Float32Array(12))];
        return expectThrow(
          'target 4 of 4 classes',
          () => b.kernels.softmaxCrossEntropy(gdl, gp, gl, d.i32(Int32Array.of(0, 3, 4)), 3, 4, 0),
          /softmaxCrossEntropy: target 4 at row 2 is out of range \[0, 4\)/,
        );
      }),
  });
  return cases;
}

function elementwiseCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const n of [0, 1, 1023, 100003])
    cases.push({
      kernel: 'add, mul, axpy, scale',
      name: `elementwise n=${n}`,
      tolerance: 1e-6,
      run: (b, seed) =>
        withArrays(b, (d) => {
          const rng = Rng.derive(seed, `ew ${n}`);
          const [x, y] = [uniform(rng, n), uniform(rng, n)];
          const [ga, gb] = [d.f32(x), d.f32(y)];
          const want = new Float64Array(n);
          ew.add(want, f64(x), f64(y));
          const out = d.nan(n);
          b.kernels.add(out, ga, gb);
          let worst = compare('add', d.read(out, n), want, 1e-6);
          ew.mul(want, f64(x), f64(y));
          b.device.fill(out, NaN);
          b.kernels.mul(out, ga, gb);
          worst = Math.max(worst, compare('mul', d.read(out, n), want, 1e-6));
          const acc = f64(y);
          ew.axpy(acc, -0.75, f64(x));
          b.kernels.axpy(gb, -0.75, ga);
          worst = Math.max(worst, compare('axpy', d.read(gb, n), acc, 1e-6));
          const sc = f64(x);
          ew.scale(sc, 1.5);
          b.kernels.scale(ga, 1.5);
          return Math.max(worst, compare('scale', d.read(ga, n), sc, 1e-6));
        }),
    });
  for (const [rows, cols] of [
    [1, 1],
    [3, 5],
    [33, 65],
    [100, 7],
    [64, 64],
    [1, 300],
    [1000, 33],
  ])
    cases.push({
      kernel: 'transpose, addBiasRows, sumRows',
      name: `transpose / bias rows [${rows}, ${cols}]`,
      tolerance: 1e-6,
      run: (b, seed) =>
        withArrays(b, (d) => {
          const rng = Rng.derive(seed, `rows ${rows} ${cols}`);
          const n = rows * cols;
          const a = uniform(rng, n);
          const bias = uniform(rng, cols);
          const db0 = uniform(rng, cols);
          const t = new Float64Array(n);
          ew.transpose(t, f64(a), rows, cols);
          const ga = d.f32(a);
          const gt = d.nan(n);
          b.kernels.transpose(gt, ga, rows, cols);
          let worst = exact('transpose', d.read(gt, n), Float32Array.from(t));
          const yb = f64(a);
          ew.addBiasRows(yb, f64(bias), rows, cols);
          b.kernels.addBiasRows(ga, d.f32(bias), rows, cols);
          worst = Math.max(worst, compare('addBiasRows', d.read(ga, n), yb, 1e-6));
          const db = f64(db0);
          ew.sumRows(db, yb, rows, cols);
          const gdb = d.f32(db0);
          b.kernels.sumRows(gdb, ga, rows, cols);
          return Math.max(worst, compare('sumRows (accumulated)', d.read(gdb, cols), db, 1e-6));
        }),
    });
  return cases;
}

function sgdCases(): ConformanceCase[] {
  const variants = [
    { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true },
    { lr: 0.2, momentum: 0.8, dampening: 0.1, weightDecay: 0.01, nesterov: false },
    { lr: 0.3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    { lr: 0.3, momentum: 0, dampening: 0, weightDecay: 0.1, nesterov: false },
  ];
  const cases: ConformanceCase[] = [];
  variants.forEach((o, v) => {
    for (const n of [33, 4099])
      cases.push({
        kernel: 'sgdUpdate',
        name: `sgdUpdate ${JSON.stringify(o)} n=${n}`,
        tolerance: 1e-6,
        run: (b, seed) =>
          withArrays(b, (d) => {
            const rng = Rng.derive(seed, `sgd ${v} ${n}`);
            const p0 = uniform(rng, n);
            const bufLen = o.momentum === 0 ? 0 : n;
            const buf0 = uniform(rng, bufLen);
            const [gp, gbuf] = [d.f32(p0), d.f32(buf0)];
            const [p, buf] = [f64(p0), f64(buf0)];
            let worst = 0;
            for (const firstStep of [true, false, false]) {
              const g = uniform(rng, n);
              refSgd(p, f64(g), buf, o, firstStep);
              b.kernels.sgdUpdate(gp, d.f32(g), gbuf, o, firstStep);
              worst = Math.max(worst, compare(`param (firstStep=${firstStep})`, d.read(gp, n), p, 1e-6));
              if (bufLen) worst = Math.max(worst, compare('momentum buffer', d.read(gbuf, n), buf, 1e-6));
            }
            return worst;
          }),
      });
  });
  return cases;
}

/** Scores with ties, both zeros, ±Infinity and NaN, or plain random ones. */
function topKScores(rng: Rng, n: number, kind: 'random' | 'ties'): Float32Array {
  if (kind === 'random') return uniform(rng, n, -3, 3);
  const levels = [-2, -1, -0, 0, 0.5, 1, 2, Infinity, -Infinity, NaN];
  return Float32Array.from({ length: n }, () => levels[rng.int(levels.length)]);
}

function topKCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const n of [1, 17, 1000, 50000])
    for (const kind of ['random', 'ties'] as const)
      for (const cand of ['none', 'f32', 'u8'] as const)
        cases.push({
          kernel: 'topK',
          name: `topK n=${n} ${kind} scores, candidates ${cand} (largest/smallest, abs, several k)`,
          tolerance: 0,
          run: (b, seed) =>
            withArrays(b, (d) => {
              const rng = Rng.derive(seed, `topk ${n} ${kind} ${cand}`);
              const scores = topKScores(rng, n, kind);
              let candidates: Float32Array | Uint8Array | null = null;
              if (cand === 'f32') {
                const values = [0, 1, -2.5, 0.5, 0];
                candidates = Float32Array.from({ length: n }, () => values[rng.int(values.length)]);
              } else if (cand === 'u8') {
                candidates = Uint8Array.from({ length: n }, () => [0, 1, 7][rng.int(3)]);
              }
              let eligible = 0;
              let numbers = 0;
              for (let i = 0; i < n; i++) {
                if (candidates && candidates[i] === 0) continue;
                eligible++;
                if (!Number.isNaN(scores[i])) numbers++;
              }
              const ks = [...new Set([0, 1, Math.floor(numbers / 3), numbers, numbers + 1, eligible])].filter(
                (k) => k >= 0 && k <= eligible,
              );
              const gs = d.f32(scores);
              const gc = candidates instanceof Float32Array ? d.f32(candidates) : candidates ? d.u8(candidates) : null;
              for (const largest of [true, false])
                for (const abs of [false, true])
                  for (const k of ks) {
                    const want = new Int32Array(k);
                    refTopK(want, scores, candidates, k, largest, abs);
                    const out = d.poisonI32(k);
                    b.kernels.topK(out, gs, gc, k, largest, abs);
                    exact(`k=${k} largest=${largest} abs=${abs}`, d.readI32(out, k), want);
                  }
              expectThrow(
                `k=${eligible + 1}`,
                () => b.kernels.topK(d.poisonI32(eligible + 1), gs, gc, eligible + 1, true, false),
                /topK: k must be an integer in \[0, \d+\]/,
              );
              return 0;
            }),
        });
  return cases;
}

function patternCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [n, m] of [
    [0, 5],
    [1, 1],
    [1000, 700],
    [20000, 30000],
  ])
    cases.push({
      kernel: 'gatherOrZero',
      name: `gatherOrZero n=${n} old=${m}`,
      tolerance: 0,
      run: (b, seed) =>
        withArrays(b, (d) => {
          const rng = Rng.derive(seed, `gather ${n} ${m}`);
          const old = uniform(rng, m);
          const source = Int32Array.from({ length: n }, () => (rng.float() < 0.3 ? -1 : rng.int(m)));
          const want = new Float32Array(n);
          refGather(want, old, source);
          const out = d.nan(n);
          b.kernels.gatherOrZero(out, d.f32(old), d.i32(source));
          return exact('out', d.read(out, n), want);
        }),
    });
  cases.push({
    kernel: 'gatherOrZero',
    name: 'gatherOrZero: a source index outside [-1, old.length) is rejected',
    tolerance: 0,
    only: ['native', 'cuda'],
    run: (b) =>
      withArrays(b, (d) =>
        expectThrow(
          'source 5 of 5',
          () => b.kernels.gatherOrZero(d.nan(3), d.f32(new Float32Array(5)), d.i32(Int32Array.of(0, -1, 5))),
          /gatherOrZero: source\[2\] = 5 is outside \[-1, 5\)/,
        ),
      ),
  });
  return cases;
}

function argumentCases(): ConformanceCase[] {
  return [
    {
      kernel: 'sgemm, conv2dForward, batchNormForwardTrain, add',
      name: 'bad lengths and shapes throw an Error naming the op',
      tolerance: 0,
      only: ['native', 'cuda'],
      run: (b) =>
        withArrays(b, (d) => {
          const s = convShape([1, 3, 2, 2, 4, 1, 1, 1, 1, 0, 0, 1]);
          const [x, w, y] = [d.nan(12), d.nan(12), d.nan(16)];
          expectThrow(
            'conv x',
            () => b.kernels.conv2dForward(y, d.nan(10), w, null, s),
            /conv2dForward: x has length 10, expected 12/,
          );
          expectThrow(
            'conv groups',
            () => b.kernels.conv2dForward(y, x, w, null, { ...s, groups: 2 }),
            /conv2dForward: groups must divide/,
          );
          expectThrow(
            'conv dbias',
            () => b.kernels.conv2dBackwardWeight(w, d.nan(1), y, x, s),
            /conv2dBackwardWeight: dbias has/,
          );
          const A = d.nan(6);
          expectThrow(
            'sgemm lda',
            () => b.kernels.sgemm(false, false, 2, 3, 3, 1, A, 0, 2, A, 0, 3, 0, A, 0, 3),
            /sgemm: lda=2 too small/,
          );
          expectThrow(
            'sgemm C',
            () => b.kernels.sgemm(false, false, 2, 3, 3, 1, d.nan(6), 0, 3, d.nan(9), 0, 3, 0, d.nan(5), 0, 3),
            /sgemm: C has length/,
          );
          const c = d.nan(3);
          expectThrow(
            'bn one value',
            () => b.kernels.batchNormForwardTrain(d.nan(3), c, c, d.nan(3), c, c, c, c, 1, 3, 1, 0.1, 1e-5),
            /expected more than 1 value per channel/,
          );
          return expectThrow(
            'add',
            () => b.kernels.add(d.nan(4), d.nan(4), d.nan(3)),
            /add: b has length 3, expected 4/,
          );
        }),
    },
    {
      kernel: 'spmm, spmmT, sddmm, mergePattern, cscView, sparseConv2dForward, sparseConv2dBackward',
      name: 'the truly sparse kernels say they are not built on cuda',
      tolerance: 0,
      only: ['cuda'],
      run: (b) => {
        const k = b.kernels;
        const none = null as unknown;
        const W = { M: 1, K: 1, rowPtr: none, colIdx: none, values: none };
        const s = convShape([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1]);
        const calls: [string, () => void][] = [
          ['spmm', () => k.spmm(none, W, none, 1, 0)],
          ['spmmT', () => k.spmmT(none, W, { colPtr: none, rowIdx: none, valuePos: none }, none, 1)],
          ['sddmm', () => k.sddmm(none, W, none, none, 1)],
          ['mergePattern', () => k.mergePattern(none, none, none, W, none, none)],
          ['cscView', () => k.cscView(none, none, none, W)],
          ['sparseConv2dForward', () => k.sparseConv2dForward(none, none, W, null, s)],
          [
            'sparseConv2dBackward',
            () =>
              k.sparseConv2dBackward(
                null,
                none,
                null,
                none,
                none,
                W,
                { colPtr: none, rowIdx: none, valuePos: none },
                s,
              ),
          ],
        ];
        for (const [op, fn] of calls)
          expectThrow(op, fn, new RegExp(`^${op}: truly sparse execution on cuda is not built yet`));
        return 0;
      },
    },
  ];
}

function deviceCases(): ConformanceCase[] {
  return [
    {
      kernel: 'Device: alloc, upload, download, copy, fill, free',
      name: 'device transfers with offsets, fills and copies of every dtype',
      tolerance: 0,
      run: (b, seed) =>
        withArrays(b, (d) => {
          const rng = Rng.derive(seed, 'device');
          const dev = b.device;
          const host = uniform(rng, 1001);
          const a = d.f32(host);
          exact('f32 round trip', d.read(a, 1001), host);
          dev.upload(a, host.subarray(0, 10), 500);
          const shifted = host.slice();
          shifted.set(host.subarray(0, 10), 500);
          exact('upload at an offset', d.read(a, 1001), shifted);
          exact('download at an offset', dev.download(a, new Float32Array(7), 498), shifted.subarray(498, 505));
          const ints = Int32Array.from({ length: 77 }, () => rng.int(1 << 30) - (1 << 29));
          const gi = d.i32(ints);
          exact('i32 round trip', d.readI32(gi, 77), ints);
          const bytes = Uint8Array.from({ length: 33 }, () => rng.int(256));
          const gu = d.u8(bytes);
          exact('u8 round trip', dev.download(gu, new Uint8Array(33)), bytes);
          dev.fill(gu, 300);
          exact('u8 fill 300 (mod 256)', dev.download(gu, new Uint8Array(33)), new Uint8Array(33).fill(44));
          dev.fill(gi, -5);
          exact('i32 fill', d.readI32(gi, 77), new Int32Array(77).fill(-5));
          const c = d.nan(1001);
          dev.copy(c, a);
          exact('copy', d.read(c, 1001), shifted);
          const empty = dev.alloc('f32', 0);
          exact('empty download', dev.download(empty, new Float32Array(0)), []);
          dev.free(empty);
          expectThrow(
            'upload past the end',
            () => dev.upload(a, new Float32Array(5), 999),
            /upload: elements \[999, 1004\)/,
          );
          dev.synchronize();
          return 0;
        }),
    },
  ];
}

/** Every case, in a fixed order. */
export function conformanceCases(): ConformanceCase[] {
  return [
    ...deviceCases(),
    ...sgemmCases(),
    ...convCases(),
    ...batchNormCases(),
    ...activationCases(),
    ...poolCases(),
    ...lossCases(),
    ...elementwiseCases(),
    ...sgdCases(),
    ...topKCases(),
    ...patternCases(),
    ...argumentCases(),
  ];
}

/** Runs the cases meant for backend b (inputs drawn from seed); onResult sees each result as it comes. */
export function runConformance(
  b: ConformanceBackend,
  seed = 1,
  cases: ConformanceCase[] = conformanceCases(),
  onResult?: (r: ConformanceResult) => void,
): ConformanceResult[] {
  const results: ConformanceResult[] = [];
  for (const c of cases) {
    if (c.only && !c.only.includes(b.name)) continue;
    let r: ConformanceResult;
    try {
      r = { name: c.name, ok: true, worst: c.run(b, seed) };
    } catch (e) {
      r = { name: c.name, ok: false, worst: NaN, error: (e as Error).message };
    }
    results.push(r);
    onResult?.(r);
  }
  return results;
}
