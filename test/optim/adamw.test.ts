// AdamW as torch.optim.AdamW: hand-computed steps, a float64 transcription of torch's algorithm over option
// combinations, the real PyTorch on the same tensors, and a checkpoint round trip that continues identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AdamW, type AdamWOptions } from '../../src/optim/adamw.js';
import type { OptimParam } from '../../src/optim/sgd.js';
import { assertClose, randomArray } from '../helpers.js';

const param = (data: ArrayLike<number>): OptimParam => ({
  data: Float32Array.from(data),
  grad: new Float32Array(data.length),
});

test('AdamW: hand-computed steps with bias correction and decoupled weight decay', () => {
  // lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01, p = 1, grads 0.5 then −0.25:
  // step 1: p = 1·(1 − 0.1·0.01) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25;
  //         p = 0.999 − 0.1·0.5/(√0.25 + 1e-8) = 0.899000002
  // step 2: p = 0.899000002·0.999; m = 0.9·0.05 − 0.1·0.25 = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225;
  //         m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999; p = 0.898101002 − 0.1·m̂/(√v̂ + 1e-8) = 0.871467299
  const a = param([1]);
  const adam = new AdamW([['a', a]], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  a.grad[0] = 0.5;
  adam.step();
  assertClose(a.data, [0.899000002], 1e-7, 'step 1 p');
  const [m, v] = adam.buffers('a');
  assertClose(m, [0.05], 1e-7, 'step 1 exp_avg');
  assertClose(v, [0.00025], 1e-7, 'step 1 exp_avg_sq');
  a.grad[0] = -0.25;
  adam.step();
  assertClose(a.data, [0.871467299], 1e-7, 'step 2 p');
  assertClose(m, [0.02], 1e-7, 'step 2 exp_avg');
  assertClose(v, [0.00031225], 1e-7, 'step 2 exp_avg_sq');

  // lr 0.5, betas (0.5, 0.75), eps 0.1, weight decay 0.2, p = 2, grads 1, 1, 3 (decay factor 1 − 0.5·0.2 = 0.9):
  // step 1: m̂ = v̂ = 1; p = 2·0.9 − 0.5·1/1.1 = 1.345454545
  // step 2: m = 0.75, v = 0.4375, c1 = 0.75, c2 = 0.4375: m̂ = v̂ = 1 again; p = 1.345454545·0.9 − 0.5/1.1 = 0.756363636
  // step 3: m = 1.875, v = 2.578125, c1 = 0.875, c2 = 0.578125: m̂ = 2.142857143, v̂ = 4.459459459;
  //         p = 0.756363636·0.9 − 0.5·2.142857143/(2.111742874 + 0.1) = 0.196300076
  const b = param([2]);
  const big = new AdamW([['b', b]], { lr: 0.5, beta1: 0.5, beta2: 0.75, eps: 0.1, weightDecay: 0.2 });
  const expected = [1.345454545, 0.756363636, 0.196300076];
  for (const [s, g] of [1, 1, 3].entries()) {
    b.grad[0] = g;
    big.step();
    // 1e-6: step 3 subtracts nearly equal float32 numbers
    assertClose(b.data, [expected[s]], 1e-6, `large-step case, step ${s + 1}`);
  }

  // The decay is decoupled: with a zero gradient the moments stay 0 and p only shrinks by (1 − lr·wd), at the lr
  // passed to step() (a schedule's), not the configured one. (Adam with L2 would move p by lr·sign(p) instead.)
  const c = param([1, -4]);
  const decay = new AdamW([['c', c]], { lr: 0.01, weightDecay: 0.5 });
  decay.step(0.2);
  assertClose(c.data, [0.9, -3.6], 1e-7, 'zero gradient: decay only, at the given lr');
  assert.deepEqual(decay.buffers('c'), [new Float32Array(2), new Float32Array(2)]);
});

/** torch.optim.AdamW's single-tensor algorithm in float64, transcribed independently of the implementation. */
function reference(
  p0: Float32Array,
  grads: Float32Array[],
  lrs: number[],
  o: AdamWOptions,
): { p: number[]; m: number[]; v: number[] } {
  const p = Array.from(p0);
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= grads.length; t++) {
    const lr = lrs[t - 1];
    const g = grads[t - 1];
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * o.weightDecay;
      m[i] = m[i] * o.beta1 + g[i] * (1 - o.beta1);
      v[i] = v[i] * o.beta2 + g[i] * g[i] * (1 - o.beta2);
      const stepSize = lr / (1 - o.beta1 ** t);
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
      p[i] -= stepSize * (m[i] / denom);
    }
  }
  return { p, m, v };
}

interface Case {
  options: AdamWOptions;
  /** Initial values of two parameters. */
  params: Float32Array[];
  /** grads[step][param] */
  grads: Float32Array[][];
  /** The learning rate passed to each step (a schedule), a multiple of options.lr. */
  lrs: number[];
}

const STEPS = 5;
const cases: Case[] = [];
{
  let seed = 1;
  for (const lr of [1e-3, 0.1])
    for (const [beta1, beta2] of [
      [0.9, 0.999],
      [0.5, 0.75],
      [0, 0.99],
    ])
      for (const eps of [1e-8, 1e-2])
        for (const weightDecay of [0, 1e-2, 0.5]) {
          const sizes = [7, 33];
          const grads = Array.from({ length: STEPS }, () => sizes.map((n) => randomArray(n, seed++)));
          for (const g of grads) g[0][0] = 0; // a weight whose gradient is always zero: decay alone
          cases.push({
            options: { lr, beta1, beta2, eps, weightDecay },
            params: sizes.map((n) => randomArray(n, seed++, -2, 2)),
            grads,
            lrs: [1, 0.5, 1, 0.25, 1].map((f) => f * lr),
          });
        }
}

function runOurs(c: Case): { adam: AdamW; params: OptimParam[] } {
  const params = c.params.map((p) => param(p));
  const adam = new AdamW(
    params.map((p, j) => [`p${j}`, p]),
    c.options,
  );
  for (let s = 0; s < STEPS; s++) {
    params.forEach((p, j) => p.grad.set(c.grads[s][j]));
    adam.step(c.lrs[s]);
  }
  return { adam, params };
}

const what = (c: Case) => JSON.stringify(c.options);

test('AdamW equals a float64 transcription of torch.optim.AdamW over lr/betas/eps/weight-decay combinations', () => {
  for (const c of cases) {
    const { adam, params } = runOurs(c);
    params.forEach((p, j) => {
      const want = reference(
        c.params[j],
        c.grads.map((g) => g[j]),
        c.lrs,
        c.options,
      );
      assertClose(p.data, want.p, 1e-6, `${what(c)} p${j}`);
      const [m, v] = adam.buffers(`p${j}`);
      assertClose(m, want.m, 1e-6, `${what(c)} exp_avg p${j}`);
      assertClose(v, want.v, 1e-6, `${what(c)} exp_avg_sq p${j}`);
    });
  }
});

// Runs torch.optim.AdamW on the cases read from stdin, setting each step's lr on the param group as a scheduler
// does; prints the final parameters and moments.
const TORCH_ADAMW = `
import json, sys, torch
out = []
for c in json.load(sys.stdin):
    o = c['options']
    params = [torch.tensor(p, dtype=torch.float32, requires_grad=True) for p in c['params']]
    opt = torch.optim.AdamW(params, lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'],
                            weight_decay=o['weightDecay'])
    for lr, grads in zip(c['lrs'], c['grads']):
        for group in opt.param_groups:
            group['lr'] = lr
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
    out.append({'params': [p.detach().tolist() for p in params],
                'exp_avg': [opt.state[p]['exp_avg'].tolist() for p in params],
                'exp_avg_sq': [opt.state[p]['exp_avg_sq'].tolist() for p in params],
                'step': [float(opt.state[p]['step']) for p in params]})
print(json.dumps(out))
`;

test('AdamW equals torch.optim.AdamW (PyTorch) on the same tensors, 1e-6 relative', () => {
  const input = JSON.stringify(
    cases.map((c) => ({
      options: c.options,
      lrs: c.lrs,
      params: c.params.map((p) => Array.from(p)),
      grads: c.grads.map((g) => g.map((x) => Array.from(x))),
    })),
  );
  const r = spawnSync('/usr/bin/python3', ['-c', TORCH_ADAMW], { input, encoding: 'utf8' });
  assert.equal(
    r.status,
    0,
    `PyTorch side failed (is python3-torch installed? apt-get install -y python3-torch):\n${r.stderr}`,
  );
  const torch = JSON.parse(r.stdout) as {
    params: number[][];
    exp_avg: number[][];
    exp_avg_sq: number[][];
    step: number[];
  }[];
  assert.equal(torch.length, cases.length);
  cases.forEach((c, i) => {
    const { adam, params } = runOurs(c);
    assert.equal(adam.saveScalars().step, torch[i].step[0], `${what(c)} step count`);
    params.forEach((p, j) => {
      assertClose(p.data, torch[i].params[j], 1e-6, `${what(c)} p${j} vs PyTorch`);
      const [m, v] = adam.buffers(`p${j}`);
      assertClose(m, torch[i].exp_avg[j], 1e-6, `${what(c)} exp_avg p${j} vs PyTorch`);
      assertClose(v, torch[i].exp_avg_sq[j], 1e-6, `${what(c)} exp_avg_sq p${j} vs PyTorch`);
    });
  });
});

test('AdamW state round trip (stateTensors/loadStateTensors, saveScalars/loadScalars) continues identically', () => {
  // 'dense' is stored densely; 'packed' holds only positions 0, 2 and 5 of a dense length-6 tensor, as a
  // compressed parameter does: its state is saved in the dense layout and loaded back into the packed one.
  const kept = [0, 2, 5];
  const packed = (values: ArrayLike<number>): OptimParam => ({
    ...param(values),
    toDense: (b) => {
      const d = new Float32Array(6);
      kept.forEach((at, i) => (d[at] = b[i]));
      return d;
    },
    fromDense: (d) => Float32Array.from(kept, (at) => d[at]),
  });
  const options = { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 };
  const gradAt = (step: number): [Float32Array, Float32Array] => [
    randomArray(10, 100 + step),
    randomArray(3, 200 + step),
  ];
  const stepWith = (adam: AdamW, ps: OptimParam[], s: number) => {
    const g = gradAt(s);
    ps.forEach((p, j) => p.grad.set(g[j]));
    adam.step(options.lr * (1 - s / 10));
  };

  const a = [param(randomArray(10, 1)), packed(randomArray(3, 2))];
  const adamA = new AdamW(
    [
      ['dense', a[0]],
      ['packed', a[1]],
    ],
    options,
  );
  for (let s = 0; s < 3; s++) stepWith(adamA, a, s);

  const saved = adamA.stateTensors();
  assert.deepEqual([...saved.keys()], ['exp_avg.dense', 'exp_avg_sq.dense', 'exp_avg.packed', 'exp_avg_sq.packed']);
  assert.equal(saved.get('exp_avg.packed')!.length, 6, 'state is saved in the dense layout');
  assert.deepEqual(adamA.saveScalars(), { step: 3 });
  // Through JSON and fresh buffers, as a checkpoint file would carry them.
  const tensors = new Map([...saved].map(([k, t]) => [k, t.slice()]));
  const scalars = JSON.parse(JSON.stringify(adamA.saveScalars())) as Record<string, number>;

  const b = [param(a[0].data), packed(a[1].data)];
  const adamB = new AdamW(
    [
      ['dense', b[0]],
      ['packed', b[1]],
    ],
    options,
  );
  adamB.loadStateTensors(tensors);
  adamB.loadScalars(scalars);
  for (const t of tensors.values()) t.fill(NaN); // the optimiser keeps its own copy
  assert.deepEqual(adamB.buffers('packed')[0], adamA.buffers('packed')[0]);

  for (let s = 3; s < 6; s++) {
    stepWith(adamA, a, s);
    stepWith(adamB, b, s);
  }
  assert.deepEqual(b[0].data, a[0].data, 'dense parameter after resuming');
  assert.deepEqual(b[1].data, a[1].data, 'packed parameter after resuming');
  for (const name of ['dense', 'packed']) assert.deepEqual(adamB.buffers(name), adamA.buffers(name), name);
  assert.deepEqual(adamB.saveScalars(), { step: 6 });

  assert.throws(
    () => adamB.loadStateTensors(new Map([['momentum_buffer.dense', new Float32Array(10)]])),
    /unexpected state/,
  );
});
