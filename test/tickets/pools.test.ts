// Lottery Pools (SPEC §7): candidate order, coefficients, the greedy acceptance rule, pruning, variants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Predictions } from '../../src/eval/predict.js';
import {
  candidateOrder,
  DEFAULT_COEFFICIENTS,
  lotteryPool,
  variantCoefficients,
  type PoolSettings,
  type TicketScorer,
} from '../../src/tickets/pools.js';
import { maskNonzeros, type Ticket } from '../../src/tickets/ticket.js';
import { lcg, runCli } from '../helpers.js';

test('candidates by nearness, denser first: j−1, j+1, j−2, j+2, …; --candidates keeps the first n', () => {
  assert.deepEqual(candidateOrder(3, 6), [2, 4, 1, 5, 0]);
  assert.deepEqual(candidateOrder(0, 4), [1, 2, 3]);
  assert.deepEqual(candidateOrder(5, 6), [4, 3, 2, 1, 0]);
  assert.deepEqual(candidateOrder(3, 6, 2), [2, 4]);
});

test('coefficients: the paper’s pool; Average {0.5}; SWA 1/(n+1) for the n-th candidate; EMA 0.95', () => {
  assert.deepEqual(DEFAULT_COEFFICIENTS, [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]);
  const s = { coefficients: DEFAULT_COEFFICIENTS };
  assert.deepEqual(variantCoefficients({ ...s, variant: 'pool' }, 3), DEFAULT_COEFFICIENTS);
  assert.deepEqual(variantCoefficients({ ...s, variant: 'average' }, 3), [0.5]);
  assert.deepEqual(
    [1, 2, 3].map((n) => variantCoefficients({ ...s, variant: 'swa' }, n)[0]),
    [1 / 2, 1 / 3, 1 / 4],
  );
  assert.deepEqual(variantCoefficients({ ...s, variant: 'ema' }, 5), [0.95]);
});

/** A ticket with a prunable weight w [4×5] (masked to `density`) and a bias b; b[0] drives the fake score. */
function ticket(seed: number, b0: number, density: number): Ticket {
  const r = lcg(seed);
  const w = Float32Array.from({ length: 20 }, () => 2 * r() - 1);
  const m = Uint8Array.from(w, (_, i) => (i < Math.round(20 * density) ? 1 : 0));
  w.forEach((_, i) => (w[i] *= m[i]));
  return {
    state: new Map([
      ['fc.weight', { dtype: 'F32', shape: [4, 5], data: w }],
      ['fc.bias', { dtype: 'F32', shape: [4], data: Float32Array.of(b0, 0, 0, 0) }],
    ]),
    masks: new Map([['fc.weight', m]]),
    provenance: { model: 'toy', width: 1, classes: 2, method: 'imp', density },
  };
}

/** Validation accuracy = 1 − |b0 − peak|, rounded to 1/100 (100 examples), through real predictions. */
function scorer(peak: number, calls: { refresh: number; nnz: number[] }): TicketScorer {
  return {
    refreshBn: (t) => {
      calls.refresh++;
      return t;
    },
    predict: (t): Predictions => {
      calls.nnz.push(maskNonzeros(t));
      const b0 = (t.state.get('fc.bias')!.data as Float32Array)[0];
      const correct = Math.round(100 * Math.max(0, 1 - Math.abs(b0 - peak)));
      const probs = new Float32Array(200);
      for (let i = 0; i < 100; i++) probs.set(i < correct ? [0.9, 0.1] : [0.1, 0.9], 2 * i);
      return { probs, labels: new Int32Array(100), classes: 2 };
    },
  };
}

// Tickets 0…3 at densities 1, 0.8, 0.64, 0.512; target 2 with b0 = 0; candidates 1 (b0 1), 3 (b0 1), 0 (b0 0.5).
const pipeline = [ticket(1, 0.5, 1), ticket(2, 1, 0.8), ticket(3, 0, 0.64), ticket(4, 1, 0.512)];
const settings: PoolSettings = {
  target: 2,
  coefficients: DEFAULT_COEFFICIENTS,
  prune: 'during',
  strict: false,
  variant: 'pool',
  scope: 'all',
};
const load = (i: number) => structuredClone(pipeline[i]);

test('greedy search: the best α of each candidate, kept when validation does not drop; pruned to the target’s nonzeros', () => {
  const calls = { refresh: 0, nnz: [] as number[] };
  const r = lotteryPool(4, load, settings, scorer(0.3, calls));
  // Candidate 1 (b0 1): θ = α·1 + (1−α)·0 — α 0.3 hits the peak exactly: val 1.00, accepted.
  assert.equal(r.log[0].candidate, 1);
  assert.equal(r.log[0].best_alpha, 0.3);
  assert.equal(r.log[0].val_before, 0.7);
  assert.equal(r.log[0].val_after, 1);
  assert.equal(r.log[0].tried.length, 11);
  // Candidate 3 and 0 cannot beat 1.00: every α is worse, rejected; the result stays at b0 0.3.
  assert.deepEqual(
    r.log.map((x) => [x.candidate, x.accepted]),
    [
      [1, true],
      [3, false],
      [0, false],
    ],
  );
  assert.ok(Math.abs((r.ticket.state.get('fc.bias')!.data as Float32Array)[0] - 0.3) < 1e-6);
  assert.equal(r.start_val, 0.7);
  assert.deepEqual(r.ingredients, [2, 1]);
  assert.equal(maskNonzeros(r.ticket), maskNonzeros(pipeline[2]));
  assert.ok(
    calls.nnz.every((n) => n === maskNonzeros(pipeline[2])),
    'every scored θ is pruned (prune during)',
  );
  assert.equal(calls.refresh, 1 + 3 * 11, 'BN refreshed for the target and for every θ');
});

test('not worse vs strict: an equal validation accuracy is accepted by default and rejected by --strict; ties go to the first α', () => {
  // Peak 0: the target is already best; the best α of candidate 1 is the first (0.05) and scores 0.95 < 1.
  const flat = [ticket(1, 0, 1), ticket(2, 0, 0.8), ticket(3, 0, 0.64)];
  const loadFlat = (i: number) => structuredClone(flat[i]);
  const s = { ...settings, target: 1 };
  const plain = lotteryPool(3, loadFlat, s, scorer(0, { refresh: 0, nnz: [] }));
  assert.deepEqual(
    plain.log.map((x) => [x.best_alpha, x.accepted]),
    [
      [0.05, true],
      [0.05, true],
    ],
  );
  const strict = lotteryPool(3, loadFlat, { ...s, strict: true }, scorer(0, { refresh: 0, nnz: [] }));
  assert.deepEqual(
    strict.log.map((x) => x.accepted),
    [false, false],
  );
});

test('prune after: the search scores unpruned interpolations and prunes once at the end', () => {
  const calls = { refresh: 0, nnz: [] as number[] };
  const r = lotteryPool(4, load, { ...settings, prune: 'after' }, scorer(0.3, calls));
  assert.ok(
    calls.nnz.some((n) => n > maskNonzeros(pipeline[2])),
    'an unpruned θ was scored',
  );
  assert.equal(maskNonzeros(r.ticket), maskNonzeros(pipeline[2]));
});

test('SWA and EMA merge every candidate unconditionally with their own coefficients', () => {
  const swa = lotteryPool(4, load, { ...settings, variant: 'swa' }, scorer(0.3, { refresh: 0, nnz: [] }));
  assert.deepEqual(
    swa.log.map((x) => [x.best_alpha, x.accepted]),
    [
      [1 / 2, true],
      [1 / 3, true],
      [1 / 4, true],
    ],
  );
  // b0: 0 → ½·1 + ½·0 = 0.5 → ⅓·1 + ⅔·0.5 = 2/3 → ¼·0.5 + ¾·2/3 = 0.625 (the plain mean of the four).
  assert.ok(Math.abs((swa.ticket.state.get('fc.bias')!.data as Float32Array)[0] - 0.625) < 1e-6);
  const ema = lotteryPool(4, load, { ...settings, variant: 'ema' }, scorer(0.3, { refresh: 0, nnz: [] }));
  assert.ok(ema.log.every((x) => x.best_alpha === 0.95 && x.accepted));
});

test('pool CLI: bad input is one line, exit 2, before work', () => {
  const runs = mkdtempSync(join(tmpdir(), 'st-pool-'));
  const r0 = runCli([
    ...['lottery', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.25', '--batch', '64'],
    ...[
      '--epochs',
      '2',
      '--rounds',
      '3',
      '--rate',
      '0.5',
      '--runs-dir',
      runs,
      '--name',
      'p',
      '--threads',
      '1',
      '--quiet',
    ],
  ]);
  assert.equal(r0.code, 0, r0.stderr);
  const p = join(runs, 'p');
  const out = join(runs, 'x.safetensors');
  const cases: [string[], RegExp][] = [
    [[p, '--target', '7', '--out', out], /target 7 is out of range: the pipeline has tickets 0 … 2/],
    [[p, '--target', '1', '--coefficients', '', '--out', out], /the coefficient pool is empty/],
    [[p, '--target', '1', '--coefficients', '0.5,1', '--out', out], /coefficients must be in \(0, 1\), got 1/],
    [[p, '--target', '1'], /--out FILE\.safetensors is required/],
    [[runs, '--target', '1', '--out', out], /is not a lottery pipeline/],
    [[p, '--target', '1', '--candidates', '0', '--out', out], /--candidates must be an integer from 1 to 10,000/],
    [[p, '--target', '1', '--threads', '0', '--out', out], /--threads must be an integer from 1 to 1,024/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(['pool', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const ok = runCli(['pool', p, '--target', '2', '--out', out, '--json', '--threads', '1']);
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout);
  assert.deepEqual(
    doc.log.map((x: { candidate: number }) => x.candidate),
    [1, 0],
  );
  assert.ok(doc.seconds_per_candidate > 0);
  // A second pool to the same --out is refused before any work; so is one whose search log exists.
  const again = runCli(['pool', p, '--target', '2', '--out', out, '--threads', '1']);
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, /^sparsetickets: pool: --out \S+x\.safetensors exists; --overwrite replaces it\n$/);
  const other = join(runs, 'y.safetensors');
  writeFileSync(`${other}.search.jsonl`, '');
  const log = runCli(['pool', p, '--target', '2', '--out', other, '--threads', '1']);
  assert.equal(log.code, 2, log.stderr);
  assert.match(log.stderr, /pool: search log \S+y\.safetensors\.search\.jsonl exists; --overwrite replaces it/);
  assert.ok(!existsSync(other));
});
