// GradInit (SPEC §9, src/nn/gradinit.ts): the learned scales lower the look-ahead loss they are trained on and the
// constraint lowers the gradient norm; BatchNorm statistics are left alone; the mask-first order keeps pruned
// weights at zero; and the scales equal those of a PyTorch transcription (python/gradinit_check.py, autograd for
// the second-order term) on a small network in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, type ModelOptions } from '../../src/models/index.js';
import { finiteDifferenceHvp, HVP_STEP, withFrozenKinks } from '../../src/nn/hvp.js';
import { GRADINIT_DEFAULTS, gradInit, type GradInitBatch, type GradInitSettings } from '../../src/nn/gradinit.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import type { Module } from '../../src/nn/module.js';
import { setPrecision } from '../../src/nn/tensor.js';
import { writeSafetensors, type TensorMap } from '../../src/util/safetensors.js';
import { js, lcg, native, needs, randomInts } from '../helpers.js';

const script = fileURLToPath(new URL('../../../python/gradinit_check.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'st-gradinit-'));

/** `count` batches of n images [c, h, w] (uniform in ±2) with labels < classes, in the current precision's type. */
function batches(count: number, n: number, shape: number[], classes: number, seed: number, f64 = false) {
  const r = lcg(seed);
  const size = n * shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, (_, i) => {
    const x = f64 ? new Float64Array(size) : new Float32Array(size);
    for (let j = 0; j < size; j++) x[j] = 4 * r() - 2;
    return { x: x as Float32Array, y: randomInts(n, seed + 7 * i, classes), shape: [n, ...shape] };
  });
}

const cycle = (list: GradInitBatch[]) => {
  let i = 0;
  return () => list[i++ % list.length];
};

/** L(θ − η·g/‖g‖; S̃) with g = ∇L(θ; S): the quantity GradInit's objective steps lower. */
function lookahead(m: Module, S: GradInitBatch, S2: GradInitBatch, eta: number): { loss: number; gnorm: number } {
  const ce = new CrossEntropyLoss(0, native());
  const params = m.parameters();
  const theta = params.map((p) => p.data.slice());
  m.train().zeroGrad();
  m.backward(ce.compute(m.forward({ data: S.x, shape: S.shape }), S.y).dlogits);
  const gnorm = Math.sqrt(params.reduce((a, p) => a + p.grad.reduce((s, g) => s + g * g, 0), 0));
  params.forEach((p) => p.data.forEach((w, i) => (p.data[i] = w - (eta * p.grad[i]) / gnorm)));
  const loss = ce.compute(m.forward({ data: S2.x, shape: S2.shape }), S2.y).loss;
  params.forEach((p, i) => p.data.set(theta[i]));
  return { loss, gnorm };
}

const join2 = (a: GradInitBatch, b: GradInitBatch): GradInitBatch => ({
  x: Float32Array.from([...a.x, ...b.x]),
  y: Int32Array.from([...a.y, ...b.y]),
  shape: [a.shape[0] + b.shape[0], ...a.shape.slice(1)],
});

test('the learned scales lower the look-ahead loss of one normalised SGD step, against unit scales', () => {
  const build = () =>
    createModel('resnet20', { width: 0.25, numClasses: 4, seed: 2, inputShape: [3, 12, 12] }).useKernels(native());
  const data = batches(3, 16, [3, 12, 12], 4, 11);
  const S = join2(data[0], data[1]);
  const S2 = join2(data[0], data[2]);
  const unit = lookahead(build(), S, S2, 0.1);
  const m = build();
  // γ = ∞: objective steps only (the constraint is tested below); the batches repeat, so S and S̃ are the above.
  const report = gradInit(
    m,
    cycle(data),
    { ...GRADINIT_DEFAULTS, iterations: 40, gamma: Infinity },
    { kernels: native() },
  );
  assert.equal(report.objective_steps, 40);
  const scaled = lookahead(m, S, S2, 0.1);
  assert.ok(
    scaled.loss < unit.loss - 0.05,
    `look-ahead loss ${scaled.loss.toFixed(4)} with the scales vs ${unit.loss.toFixed(4)} with unit scales`,
  );
  assert.ok(report.last_losses!.lookahead < report.first_losses!.lookahead);
  const scales = Object.values(report.scales);
  assert.ok(scales.some((a) => Math.abs(a - 1) > 0.1) && scales.every((a) => a >= 0));
});

test('the gradient-norm constraint lowers ‖g‖; BatchNorm running statistics are left as they were', () => {
  const m = createModel('resnet20', { width: 0.25, numClasses: 4, seed: 3, inputShape: [3, 12, 12] });
  m.useKernels(native());
  const data = batches(2, 16, [3, 12, 12], 4, 21);
  const S = join2(data[0], data[1]);
  const before = lookahead(m, S, S, 0.1).gnorm;
  const buffers = m.namedBuffers().map(([n, b]) => [n, b.data.slice()] as const);
  // γ = 0: every step is a constraint step, minimising ‖g‖ on S.
  const report = gradInit(m, cycle(data), { ...GRADINIT_DEFAULTS, iterations: 30, gamma: 0 }, { kernels: native() });
  assert.equal(report.constraint_steps, 30);
  for (const [n, data] of buffers) assert.deepEqual(m.namedBuffers().find(([k]) => k === n)![1].data, data, n);
  const after = lookahead(m, S, S, 0.1).gnorm;
  assert.ok(after < 0.8 * before, `‖g‖ ${after.toFixed(4)} after vs ${before.toFixed(4)} before`);
});

test('mask-first: the masks apply before GradInit, pruned weights stay zero, kept ones are α·w', () => {
  const m = createModel('lenet5', { width: 0.25, numClasses: 4, seed: 5, inputShape: [1, 16, 16] });
  m.useKernels(native());
  const w0 = new Map(m.namedParameters().map(([n, p]) => [n, p.data.slice()]));
  const r = lcg(9);
  const masks = new Map(
    m
      .namedParameters()
      .filter(([, p]) => p.prunable)
      .map(([n, p]) => [n, Float32Array.from(p.data, () => (r() < 0.5 ? 1 : 0))]),
  );
  const report = gradInit(
    m,
    cycle(batches(3, 8, [1, 16, 16], 4, 31)),
    { ...GRADINIT_DEFAULTS, iterations: 6 },
    {
      kernels: native(),
      masks,
    },
  );
  for (const [n, p] of m.namedParameters()) {
    const mask = masks.get(n);
    const alpha = report.scales[n];
    assert.ok(alpha !== undefined, `${n} has a scale`);
    p.data.forEach((v, i) => {
      const expected = Math.fround(alpha * (mask && !mask[i] ? 0 : w0.get(n)![i]));
      assert.ok(Math.abs(v - expected) <= 1e-6 * Math.abs(expected), `${n}[${i}]: ${v} vs ${expected}`);
    });
  }
});

test('Hessian-vector products in float32 with the kinks held agree with float64 at a tiny step (ReLU, max-pool)', () => {
  for (const [name, shape] of [
    ['resnet20', [3, 16, 16]],
    ['lenet5', [1, 28, 28]],
  ] as const) {
    const data = batches(1, 64, [...shape], 10, 5, true)[0];
    // ⟨Hv, w_i⟩ per tensor along v = g/‖g‖: what the constraint step feeds the scales.
    const projected = (f64: boolean, step: number) => {
      setPrecision(f64 ? 'f64' : 'f32');
      try {
        const k = f64 ? js : native();
        const m = createModel(name, { width: 0.5, seed: 1, inputShape: [...shape] })
          .useKernels(k)
          .train();
        const params = m.parameters();
        const x = f64 ? data.x : Float32Array.from(data.x);
        const ce = new CrossEntropyLoss(0, k);
        const grad = () => {
          m.zeroGrad();
          m.backward(ce.compute(m.forward({ data: x, shape: data.shape }), data.y).dlogits);
          return params.map((p) => p.grad.slice());
        };
        const g = grad();
        const gnorm = Math.sqrt(g.reduce((a, v) => a + v.reduce((s, t) => s + t * t, 0), 0));
        const w = params.map((p) => p.data.slice());
        const wnorm = Math.sqrt(w.reduce((a, v) => a + v.reduce((s, t) => s + t * t, 0), 0));
        const v = g.map((a) => Float64Array.from(a, (t) => t / gnorm));
        const hv = withFrozenKinks(m, () => finiteDifferenceHvp(params, w, v, step * Math.max(1, wnorm), grad));
        return hv.map((a, i) => a.reduce((s, t, j) => s + t * w[i][j], 0));
      } finally {
        setPrecision('f32');
      }
    };
    const exact = projected(true, 1e-9);
    const ours = projected(false, HVP_STEP);
    const scale = Math.max(...exact.map(Math.abs));
    const err = Math.max(...exact.map((c, i) => Math.abs(c - ours[i]))) / scale;
    assert.ok(err < 1e-3, `${name}: float32 ⟨Hv, w⟩ off by ${err.toExponential(2)} of the largest`);
  }
});

interface Reference {
  scales: Record<string, number>;
  steps: { kind: string; loss: number; gnorm: number; lookahead?: number }[];
}

/** GradInit here (float64, reference kernels) and in the PyTorch transcription, from the same state and batches. */
function bothSides(model: string, options: ModelOptions, shape: number[], s: GradInitSettings, tag: string) {
  setPrecision('f64');
  try {
    const m = createModel(model, { ...options, inputShape: shape as [number, number, number] }).useKernels(js);
    const stateFile = join(dir, `${tag}-state.safetensors`);
    writeSafetensors(stateFile, m.stateDict());
    const data = batches(3 * s.iterations, 4, shape, options.numClasses!, 41, true);
    const tensors: TensorMap = new Map();
    data.forEach((b, i) => {
      tensors.set(`x${i}`, { dtype: 'F64', shape: b.shape, data: b.x as unknown as Float64Array });
      tensors.set(`y${i}`, { dtype: 'I32', shape: [b.y.length], data: b.y });
    });
    const batchFile = join(dir, `${tag}-batches.safetensors`);
    writeSafetensors(batchFile, tensors);
    const steps: Reference['steps'] = [];
    let i = 0;
    const ours = gradInit(m, () => data[i++], s, {
      kernels: js,
      hvpStep: 1e-8,
      onIteration: (it) => steps.push({ kind: it.kind, loss: it.loss, gnorm: it.gnorm, lookahead: it.lookahead }),
    });
    const request = {
      model,
      width: options.width,
      classes: options.numClasses,
      shape,
      activation: options.activation ?? 'relu',
      extra_skips: options.extraSkips ?? false,
      state: stateFile,
      batches: batchFile,
      settings: s,
    };
    const requestFile = join(dir, `${tag}.json`);
    writeFileSync(requestFile, JSON.stringify(request));
    const r = spawnSync('/usr/bin/python3', [script, requestFile], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return { ours, steps, theirs: JSON.parse(r.stdout) as Reference };
  } finally {
    setPrecision('f32');
  }
}

const cases: [string, string, ModelOptions, number[], Partial<GradInitSettings>][] = [
  [
    'constraint steps',
    'resnet20',
    { width: 0.25, numClasses: 5, seed: 1, activation: 'swish', extraSkips: true },
    [3, 8, 8],
    { gamma: 0 },
  ],
  [
    'objective steps',
    'resnet20',
    { width: 0.25, numClasses: 5, seed: 1, activation: 'swish', extraSkips: true },
    [3, 8, 8],
    { gamma: 1e30 },
  ],
  ['constraint steps, relu (kinks held)', 'resnet20', { width: 0.25, numClasses: 5, seed: 1 }, [3, 8, 8], { gamma: 0 }],
  [
    'constraint steps, relu, max-pool (kinks held)',
    'lenet5',
    { width: 0.2, numClasses: 5, seed: 2 },
    [1, 16, 16],
    { gamma: 0 },
  ],
  ['objective steps, relu, biases', 'lenet5', { width: 0.2, numClasses: 5, seed: 2 }, [1, 16, 16], { gamma: 1e30 }],
];

for (const [what, model, options, shape, settings] of cases) {
  test(
    `${model}: GradInit's scales equal a PyTorch transcription's (${what})`,
    { skip: needs({ torch: true }) },
    () => {
      const s = { ...GRADINIT_DEFAULTS, iterations: 5, ...settings };
      const { ours, steps, theirs } = bothSides(model, options, shape, s, what.replace(/\W+/g, '-'));
      assert.deepEqual(
        steps.map((x) => x.kind),
        theirs.steps.map((x) => x.kind),
      );
      steps.forEach((x, i) => {
        const t = theirs.steps[i];
        assert.ok(Math.abs(x.loss - t.loss) < 1e-7 * Math.abs(t.loss), `step ${i} loss ${x.loss} vs ${t.loss}`);
        assert.ok(Math.abs(x.gnorm - t.gnorm) < 1e-7 * t.gnorm, `step ${i} ‖g‖ ${x.gnorm} vs ${t.gnorm}`);
        if (t.lookahead !== undefined) assert.ok(Math.abs(x.lookahead! - t.lookahead) < 1e-7 * t.lookahead);
      });
      assert.deepEqual(Object.keys(ours.scales).sort(), Object.keys(theirs.scales).sort());
      let moved = 0;
      for (const [name, alpha] of Object.entries(theirs.scales)) {
        assert.ok(Math.abs(ours.scales[name] - alpha) < 1e-6, `${name}: ${ours.scales[name]} vs PyTorch ${alpha}`);
        if (Math.abs(alpha - 1) > 1e-3) moved++;
      }
      assert.ok(moved > 0, 'the scales moved');
    },
  );
}
