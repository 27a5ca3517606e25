// Finite-difference gradient checks: a module runs in float64 through the TypeScript reference kernels, the
// scalar L = Σ r_i·y_i (r fixed and random) is differentiated by central differences at sampled coordinates
// of the input and of every parameter, and compared with what backward returned (dx) and accumulated
// (Parameter.grad). Everything is seeded, so a check passes or fails the same way on every run.
import assert from 'node:assert/strict';
import type { Module } from '../../src/nn/module.js';
import { Parameter } from '../../src/nn/module.js';
import { setPrecision, type Tensor } from '../../src/nn/tensor.js';
import { js, lcg } from '../helpers.js';

export interface GradcheckOptions {
  /** Module mode during the check (default 'train'). */
  mode?: 'train' | 'eval';
  /** Sampled coordinates per tensor (default 8; the first and last coordinates are always included). */
  samples?: number;
  /** Check at most this many parameter tensors, spread evenly over the list (default all). */
  maxTensors?: number;
  seed?: number;
  /** Finite-difference step (default 1e-6). */
  h?: number;
  /** Relative tolerance against the tensor's largest gradient entry (default 1e-5). */
  tol?: number;
  /** Called after initialize, e.g. to move parameters away from their constant inits. */
  prepare?: (m: Module) => void;
}

function f64(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = lcg(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

function sampleIndices(n: number, k: number, seed: number): number[] {
  const r = lcg(seed);
  const set = new Set<number>([0, n - 1]);
  while (set.size < Math.min(n, k)) set.add(Math.floor(r() * n));
  return [...set];
}

/** Sets every parameter of `m` to U(lo, hi) (deterministically), e.g. to move BN γ/β off 1/0. */
export function randomizeParameters(m: Module, seed: number, filter: (name: string, p: Parameter) => boolean): void {
  let s = seed;
  for (const [name, p] of m.namedParameters()) {
    if (!filter(name, p)) continue;
    const isScale = name.endsWith('weight') && p.shape.length === 1;
    p.data.set(f64(p.size, s++, isScale ? 0.5 : -0.5, isScale ? 1.5 : 0.5));
  }
}

/** Builds the module in float64 precision, seeds it, and checks dx and every (sampled) parameter gradient. */
export function gradcheck(
  what: string,
  build: () => Module,
  inputShape: number[],
  options: GradcheckOptions = {},
): void {
  const { mode = 'train', samples = 8, seed = 1, h = 1e-6, tol = 1e-5 } = options;
  setPrecision('f64');
  try {
    const m = build().useKernels(js).initialize(seed);
    options.prepare?.(m);
    m.train(mode === 'train');
    const n = inputShape.reduce((a, b) => a * b, 1);
    const x: Tensor = { data: f64(n, seed + 100) as unknown as Float32Array, shape: inputShape };
    const y0 = m.forward(x);
    const r = f64(y0.data.length, seed + 200);
    // Rounding floor of a central difference: Σ|r_i·y_i|·ε/h, with a generous factor for the depth of the
    // network (gradients that vanish mathematically, e.g. a conv bias before BN, only show this noise).
    let magnitude = 0;
    for (let i = 0; i < r.length; i++) magnitude += Math.abs(r[i] * y0.data[i]);
    const noise = (1000 * Number.EPSILON * magnitude) / h;
    const loss = (): number => {
      const y = m.forward(x).data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += r[i] * y[i];
      return s;
    };
    const central = (arr: Float32Array, i: number, step: number): number => {
      const keep = arr[i];
      arr[i] = keep + step;
      const plus = loss();
      arr[i] = keep - step;
      const minus = loss();
      arr[i] = keep;
      return (plus - minus) / (2 * step);
    };

    m.zeroGrad();
    m.forward(x);
    const dx = m.backward({ data: r as unknown as Float32Array, shape: y0.shape }).data.slice();
    const params = m.namedParameters();
    const grads = new Map(params.map(([name, p]) => [name, p.grad.slice()]));

    // Compares analytic[i] with the central difference at each sampled coordinate of `arr`. A coordinate
    // that disagrees is retried with steps h/10 and h/100: a ReLU or max-pool kink lying within h of the
    // point spoils the wider difference only, while a wrong gradient disagrees at every step.
    const check = (label: string, arr: Float32Array, analytic: Float32Array, indices: number[]): void => {
      const a = indices.map((i) => analytic[i]);
      const numeric = indices.map((i) => central(arr, i, h));
      const scale = Math.max(...a.map(Math.abs), ...numeric.map(Math.abs));
      const allowed = Math.max(tol * scale, noise);
      indices.forEach((i, j) => {
        for (const step of [h / 10, h / 100]) {
          if (Math.abs(a[j] - numeric[j]) <= allowed) break;
          const retry = central(arr, i, step);
          if (Math.abs(a[j] - retry) < Math.abs(a[j] - numeric[j])) numeric[j] = retry;
        }
      });
      const diff = Math.max(...a.map((v, j) => Math.abs(v - numeric[j])));
      assert.ok(
        diff <= allowed,
        `${what}: ${label}: max |analytic − numeric| = ${diff.toExponential(3)} vs largest entry ${scale.toExponential(3)}\n` +
          `  analytic ${a.map((v) => v.toExponential(4)).join(' ')}\n  numeric  ${numeric.map((v) => v.toExponential(4)).join(' ')}`,
      );
    };

    check('d/dx', x.data, dx, sampleIndices(n, samples, seed + 300));
    const stride = options.maxTensors ? Math.max(1, params.length / options.maxTensors) : 1;
    for (let t = 0; t < params.length; t += stride) {
      const [name, p] = params[Math.floor(t)];
      check(`d/d${name}`, p.data, grads.get(name)!, sampleIndices(p.size, samples, seed + 400 + t));
    }
  } finally {
    setPrecision('f32');
  }
}
