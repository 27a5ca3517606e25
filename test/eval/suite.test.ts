// The evaluation suite against independent computations (python/eval_check.py: numpy, sklearn, scipy, PyTorch):
// ECE, ROC-AUC, KS statistic and exact p, disagreement and KL, FGSM pixels, the Hessian's top eigenvalue; effective
// sparsity against a reachability count written here; the eval and stats commands' bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { python } from './python.js';
import { createModel } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { SGD } from '../../src/optim/sgd.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { metricsOf } from '../../src/eval/predict.js';
import { diversity } from '../../src/eval/ensemble.js';
import { rocAuc } from '../../src/eval/ood.js';
import { ksTwoSample, summarize } from '../../src/eval/stats.js';
import { fgsmPixels } from '../../src/eval/fgsm.js';
import { topHessianEigenvalue } from '../../src/eval/hessian.js';
import { sparsityTable } from '../../src/eval/sparsity.js';
import { reliabilityDiagram } from '../../src/eval/calibration.js';
import { lcg, native, randomArray, randomInts, runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'st-evalsuite-'));
const k = native();

function randomProbs(n: number, C: number, seed: number, sharp = 3): Float32Array {
  const r = lcg(seed);
  const p = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += p[i * C + c] = Math.exp(sharp * r() * r());
    for (let c = 0; c < C; c++) p[i * C + c] /= s;
  }
  return p;
}

test('ECE, ROC-AUC, KS (statistic and exact p), disagreement and KL agree with numpy/sklearn/scipy', () => {
  const n = 400;
  const C = 5;
  const probs = randomProbs(n, C, 1);
  const labels = randomInts(n, 2, C);
  const pos = Array.from(randomArray(300, 3, 0, 1)).map((v) => Math.round(v * 20) / 20); // ties
  const neg = Array.from(randomArray(200, 4, -0.2, 0.8)).map((v) => Math.round(v * 20) / 20);
  const ks: [number[], number[]][] = [
    [
      [0.91, 0.905, 0.912, 0.899, 0.915],
      [0.89, 0.893, 0.9, 0.887, 0.902],
    ],
    [Array.from(randomArray(7, 5)), Array.from(randomArray(11, 6))],
    [Array.from(randomArray(40, 7)), Array.from(randomArray(33, 8, -0.5, 1))],
    [
      [1, 2, 2, 3],
      [2, 3, 3, 4, 5, 6],
    ],
  ];
  const members = [randomProbs(60, C, 9), randomProbs(60, C, 10), randomProbs(60, C, 11)];
  const py = python({
    kind: 'metrics',
    classes: C,
    probs: Array.from(probs),
    labels: Array.from(labels),
    pos,
    neg,
    ks,
    members: members.map((m) => Array.from(m)),
  }) as { ece: number; auroc: number; ks: [number, number][]; disagreement: number[][]; kl: number[][] };
  const m = metricsOf({ probs, labels, classes: C });
  assert.ok(Math.abs(m.ece - py.ece) < 1e-6, `ECE ${m.ece} vs ${py.ece}`);
  const rel = reliabilityDiagram({ probs, labels, classes: C });
  const fromDiagram = rel.reduce(
    (s, b) => s + (b.count / n) * (b.count ? Math.abs(b.accuracy! - b.confidence!) : 0),
    0,
  );
  assert.ok(Math.abs(fromDiagram - py.ece) < 1e-6, 'the reliability diagram sums to the ECE');
  assert.ok(Math.abs(rocAuc(pos, neg) - py.auroc) < 1e-12, `AUROC ${rocAuc(pos, neg)} vs ${py.auroc}`);
  ks.forEach(([a, b], i) => {
    const r = ksTwoSample(a, b);
    assert.ok(Math.abs(r.statistic - py.ks[i][0]) < 1e-12, `KS D case ${i}: ${r.statistic} vs ${py.ks[i][0]}`);
    assert.ok(Math.abs(r.pvalue - py.ks[i][1]) < 1e-9, `KS p case ${i}: ${r.pvalue} vs ${py.ks[i][1]}`);
  });
  const d = diversity(members.map((p) => ({ probs: p, labels: new Int32Array(60), classes: C })));
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(d.disagreement[i][j] - py.disagreement[i][j]) < 1e-12, `disagreement ${i},${j}`);
      assert.ok(Math.abs(d.kl[i][j] - py.kl[i][j]) < 1e-5, `KL(P_${j}‖P_${i}): ${d.kl[i][j]} vs ${py.kl[i][j]}`);
    }
  const off = [0, 1, 2].flatMap((i) => [0, 1, 2].filter((j) => j !== i).map((j) => py.kl[i][j]));
  assert.ok(Math.abs(d.meanKl - off.reduce((a, b) => a + b, 0) / 6) < 1e-5);
});

test('summarize: mean, sample std, and a bootstrap CI that holds the mean and narrows with more data', () => {
  const s = summarize([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(5 / 3)) < 1e-12);
  assert.ok(s.ci[0] < 2.5 && s.ci[1] > 2.5 && s.ci[0] >= 1 && s.ci[1] <= 4);
  const wide = Array.from(randomArray(10, 3));
  const many = Array.from(randomArray(1000, 3));
  const w = summarize(wide);
  const m = summarize(many);
  assert.ok(m.ci[1] - m.ci[0] < (w.ci[1] - w.ci[0]) / 3);
});

function trainedCheckpoint(
  name: string,
  width: number,
  shape: number[],
  steps = 3,
): { model: ReturnType<typeof createModel>; path: string } {
  const model = createModel(name, { width, seed: 3 }).useKernels(k);
  const n = shape.reduce((a, b) => a * b, 1);
  const sgd = new SGD(k, model.namedParameters(), { lr: 0.05, momentum: 0.9 });
  const ce = new CrossEntropyLoss(0, k);
  model.train();
  for (let s = 0; s < steps; s++) {
    model.zeroGrad();
    model.backward(
      ce.compute(model.forward({ data: randomArray(n, 10 + s), shape }), randomInts(shape[0], 20 + s, 10)).dlogits,
    );
    sgd.step();
  }
  const path = join(dir, `${name}.safetensors`);
  saveCheckpoint(path, { model, optimizer: sgd, modelName: name });
  model.eval();
  return { model, path };
}

test('FGSM: the adversarial pixels equal those from PyTorch’s input gradient (resnet20 width 0.25)', () => {
  const shape = [6, 3, 32, 32];
  const { model, path } = trainedCheckpoint('resnet20', 0.25, shape);
  const px = randomArray(
    shape.reduce((a, b) => a * b, 1),
    42,
    0,
    1,
  );
  const labels = randomInts(6, 43, 10);
  const norm = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
  const adv = fgsmPixels(model, px, shape, labels, norm, k);
  const py = python({
    kind: 'fgsm',
    checkpoint: path,
    model: 'resnet20',
    width: 0.25,
    shape,
    pixels: Array.from(px),
    labels: Array.from(labels),
    mean: norm.mean,
    std: norm.std,
    eps: 8 / 255,
  }) as { adv: number[]; grad: number[] };
  let differ = 0;
  let moved = 0;
  for (let i = 0; i < adv.length; i++) {
    // a sign can flip only where PyTorch's gradient is ~0 (float rounding)
    if (Math.abs(adv[i] - py.adv[i]) > 1e-6) {
      differ++;
      assert.ok(Math.abs(py.grad[i]) < 1e-7, `pixel ${i}: ours ${adv[i]}, PyTorch ${py.adv[i]}, grad ${py.grad[i]}`);
    }
    if (Math.abs(adv[i] - px[i]) > 1e-6) moved++;
  }
  assert.ok(differ <= adv.length * 1e-3, `${differ} pixels differ`);
  assert.ok(moved > adv.length * 0.9, 'the attack moves nearly every pixel');
});

test('Hessian top eigenvalue by finite-difference HVPs matches PyTorch’s exact double-backward HVP (lenet300 width 0.1)', () => {
  const shape = [32, 1, 28, 28];
  const { model, path } = trainedCheckpoint('lenet300', 0.1, shape, 5);
  const x = randomArray(32 * 784, 77);
  const labels = randomInts(32, 78, 10);
  const py = python({
    kind: 'hessian',
    checkpoint: path,
    model: 'lenet300',
    width: 0.1,
    shape,
    x: Array.from(x),
    labels: Array.from(labels),
  }) as {
    eigenvalue: number;
  };
  for (const step of [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]) {
    const e = topHessianEigenvalue(model, { x, shape, labels }, k, {
      tolerance: 1e-6,
      maxIterations: 300,
      step,
    }).eigenvalue;
    process.stderr.write(
      `# Hessian step ${step}: ours ${e}, PyTorch exact ${py.eigenvalue}, rel error ${(Math.abs(e - py.eigenvalue) / py.eigenvalue).toExponential(2)}\n`,
    );
  }
  const ours = topHessianEigenvalue(model, { x, shape, labels }, k, { tolerance: 1e-6, maxIterations: 300 });
  const rel = Math.abs(ours.eigenvalue - py.eigenvalue) / Math.abs(py.eigenvalue);
  process.stderr.write(`# Hessian default step: rel error ${rel.toExponential(2)}\n`);
  assert.ok(rel < 1e-3, `relative error ${rel}`);
});

test('effective sparsity: kept weights feeding or leaving dead units are found, as a reachability count says', () => {
  const model = createModel('lenet300', { width: 0.05, seed: 1 }).useKernels(k);
  const params = new Map(model.namedParameters());
  const dims = ['fc1', 'fc2', 'fc3'].map((l) => params.get(`${l}.weight`)!.shape as [number, number]);
  const r = lcg(5);
  const masks = new Map<string, Uint8Array>();
  ['fc1', 'fc2', 'fc3'].forEach((l, li) => {
    const [o, i] = dims[li];
    const m = Uint8Array.from({ length: o * i }, () => (r() < 0.3 ? 1 : 0));
    if (li === 0) for (let c = 0; c < i; c++) m[2 * i + c] = 0; // fc1 unit 2: no input
    if (li === 1) for (let u = 0; u < o; u++) m[u * i + 4] = 0; // fc1 unit 4: no output
    if (li === 1) for (let c = 0; c < i; c++) m[1 * i + c] = m[1 * i + c] || 1; // fc2 unit 1 fed by everything…
    if (li === 2) for (let u = 0; u < o; u++) m[u * i + 1] = 0; // …but leads nowhere
    masks.set(`${l}.weight`, m);
  });
  // reference: forward reachability from the input, backward reachability from the output, over the 0/1 masks
  const fwd: boolean[][] = [new Array(dims[0][1]).fill(true)];
  dims.forEach(([o, i], li) => {
    const m = masks.get(`fc${li + 1}.weight`)!;
    fwd.push(
      Array.from({ length: o }, (_, u) =>
        Array.from({ length: i }, (_, c) => m[u * i + c] && fwd[li][c]).some(Boolean),
      ),
    );
  });
  const bwd: boolean[][] = [];
  bwd[3] = new Array(dims[2][0]).fill(true);
  for (let li = 2; li >= 0; li--) {
    const [o, i] = dims[li];
    const m = masks.get(`fc${li + 1}.weight`)!;
    bwd[li] = Array.from({ length: i }, (_, c) =>
      Array.from({ length: o }, (_, u) => m[u * i + c] && bwd[li + 1][u]).some(Boolean),
    );
  }
  const t = sparsityTable(model, [1, 28, 28], k, masks);
  dims.forEach(([o, i], li) => {
    const m = masks.get(`fc${li + 1}.weight`)!;
    let eff = 0;
    let kept = 0;
    for (let u = 0; u < o; u++)
      for (let c = 0; c < i; c++)
        if (m[u * i + c]) {
          kept++;
          if (fwd[li][c] && bwd[li + 1][u]) eff++;
        }
    assert.equal(t.layers[li].kept, kept, `fc${li + 1} kept`);
    assert.equal(t.layers[li].effective, eff, `fc${li + 1} effective`);
  });
  assert.ok(t.effective < t.kept, 'the constructed dead units make some kept weights inert');
  // the model's own state is restored
  assert.ok(model.namedParameters().some(([, p]) => p.data.some((v) => v !== 0 && v !== 1)));
});

test('eval --metrics: bad input is one line, exit 2, before work', () => {
  const { path } = trainedCheckpoint('lenet300', 0.1, [4, 1, 28, 28], 1);
  const base = ['eval', '--checkpoint', path, '--model', 'lenet300', '--width', '0.1', '--dataset', 'synthetic'];
  const cases: [string[], RegExp][] = [
    [['--metrics', 'calibration,bogus'], /unknown metric 'bogus'/],
    [['--metrics', 'corruptions'], /corruptions need RGB images/],
    [['--metrics', 'ood', '--ood-dir', `svhn=${join(dir, 'none.mat')}`], /not found/],
    [['--corruptions-dir', dir], /--corruptions-dir needs --metrics/],
  ];
  for (const [extra, re] of cases) {
    const r = runCli([...base, ...extra]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('stats: KS and summaries of two groups of run summaries; a missing metric is exit 2', () => {
  const mk = (name: string, acc: number) => {
    const p = join(dir, `${name}.json`);
    writeFileSync(p, JSON.stringify({ final: { test: { accuracy: acc } } }));
    return p;
  };
  const a = [0.91, 0.905, 0.912].map((v, i) => mk(`a${i}`, v));
  const b = [0.89, 0.893, 0.9, 0.887].map((v, i) => mk(`b${i}`, v));
  const r = runCli(['stats', ...a.flatMap((f) => ['--a', f]), ...b.flatMap((f) => ['--b', f]), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { ks: { statistic: number; pvalue: number }; a: { mean: number } };
  assert.equal(doc.ks.statistic, 1);
  // exact p for complete separation of 3 and 4: 2 / C(7, 3)
  assert.ok(Math.abs(doc.ks.pvalue - 2 / 35) < 1e-12);
  assert.ok(Math.abs(doc.a.mean - 0.909) < 1e-12);
  const bad = runCli(['stats', '--a', a[0], '--b', b[0], '--metric', 'final.val.accuracy']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no number at 'final.val.accuracy'/);
});
