// Lottery tickets (SPEC §5): IMP/OMP/LTR pipelines on small synthetic runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TRAIN, mergeConfig, validateConfig } from '../../src/run/config.js';
import { runTraining } from '../../src/run/training.js';
import { roundKeep, type RoundRecord } from '../../src/pipelines/lottery.js';
import { prunableNames } from '../../src/tickets/prune.js';
import { loadTicket } from '../../src/tickets/ticket.js';
import type { StepContext } from '../../src/train/hooks.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-lottery-'));
const base = [
  ...['lottery', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.5', '--batch', '64', '--epochs', '3'],
  ...['--runs-dir', runs, '--threads', '1', '--quiet'],
];
const ok = (args: string[]) => {
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  return r;
};
const rounds = (name: string) => JSON.parse(readFileSync(join(runs, name, 'rounds.json'), 'utf8')) as RoundRecord[];

test('IMP: round j keeps exactly (1−r)^j of the scope, each mask the top |w| of the previous round’s final weights', () => {
  ok([...base, '--rounds', '4', '--rate', '0.3', '--rewind-epoch', '1', '--name', 'imp']);
  const rs = rounds('imp');
  assert.equal(rs.length, 4);
  const t0 = loadTicket(join(runs, 'imp', rs[0].ticket), { allowDense: true });
  const n = prunableNames(t0, 'all').reduce((a, k) => a + t0.state.get(k)!.data.length, 0);
  rs.forEach((r, j) => assert.equal(r.nonzeros, roundKeep(n, 0.3, j), `round ${j}`));
  assert.equal(roundKeep(1000, 0.2, 3), 512);
  for (let j = 1; j < 4; j++) {
    const prev = loadTicket(join(runs, 'imp', rs[j - 1].ticket), { allowDense: true });
    const cur = loadTicket(join(runs, 'imp', rs[j].ticket));
    // Transcription: the keep_j largest |w| of the previous round's final weights among its active ones.
    const cands = prunableNames(prev, 'all').flatMap((name) => {
      const w = prev.state.get(name)!.data as Float32Array;
      const m = prev.masks.get(name);
      return [...w].flatMap((v, i) => (!m || m[i] ? [{ a: Math.abs(v), key: `${name}:${i}` }] : []));
    });
    cands.sort((x, y) => y.a - x.a);
    const want = new Set(cands.slice(0, roundKeep(n, 0.3, j)).map((c) => c.key));
    const got = new Set([...cur.masks].flatMap(([name, m]) => [...m].flatMap((v, i) => (v ? [`${name}:${i}`] : []))));
    const missing = [...want].filter((k) => !got.has(k));
    // Ties in |w| may go either way; everything else must agree.
    assert.ok(missing.length <= 2, `round ${j}: ${missing.length} of the largest weights not kept`);
  }
  assert.ok(existsSync(join(runs, 'imp', 'rewind.safetensors')));
  assert.match(readFileSync(join(runs, 'imp', 'rounds.md'), 'utf8'), /\| 3 \| 0\.3430 \|/);
});

test('a round rewinds the whole state (BatchNorm statistics too), starts a fresh optimiser, resumes the LR at epoch k', async () => {
  // resnet20 (BatchNorm everywhere): round 0 of a pipeline leaves rewind.safetensors at epoch 1.
  ok([
    ...base,
    '--model',
    'resnet20',
    '--width',
    '0.25',
    '--rounds',
    '2',
    '--rate',
    '0.5',
    '--rewind-epoch',
    '1',
    '--scope',
    'conv-only',
    '--name',
    'bn',
  ]);
  const rewind = loadTicket(join(runs, 'bn', 'rewind.safetensors'), { allowDense: true });
  assert.equal(
    Number((rewind.state.get('bn.num_batches_tracked')!.data as BigInt64Array)[0]),
    8,
    'saved after epoch 1 (8 batches)',
  );
  const round1 = loadTicket(join(runs, 'bn', 'round-01', 'model.safetensors'));
  const c = validateConfig(
    mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, {
      model: 'resnet20',
      width: 0.25,
      dataset: 'synthetic',
      batch: 64,
      epochs: 3,
      threads: 1,
      sparse: { method: 'static', sparsity: 0, distribution: 'uniform' },
      runsDir: runs,
      name: 'probe',
    }),
    'test',
  );
  let seen: { lr: number; epoch: number; momentum: number; runningMean: number[]; conv: number[] } | undefined;
  await runTraining(
    c,
    { mode: 'fresh', quiet: true, haltAfter: 1, start: { state: rewind.state, masks: round1.masks, epoch: 1 } },
    (ctx) => [
      {
        name: 'probe',
        beforeStep: (s: StepContext) => {
          if (seen) return;
          const bn = [...ctx.model.namedBuffers()].find(([n]) => n === 'bn.running_mean')![1];
          const conv = ctx.model.namedParameters().find(([n]) => n === 'conv.weight')![1];
          seen = {
            lr: s.lr,
            epoch: s.epoch,
            momentum: s.trainer.optimizer.buffers('conv.weight').length,
            runningMean: [...bn.data],
            conv: [...conv.data],
          };
        },
      },
    ],
  );
  assert.ok(seen);
  assert.equal(seen.epoch, 1, 'training starts at the rewind epoch');
  assert.equal(seen.lr, 0.1, 'the LR schedule at epoch 1 (before the 50% milestone)');
  assert.equal(seen.momentum, 0, 'a fresh optimiser: no momentum buffer before the first step');
  assert.deepEqual(seen.runningMean, [...(rewind.state.get('bn.running_mean')!.data as Float32Array)]);
  const mask = round1.masks.get('conv.weight')!;
  const w = rewind.state.get('conv.weight')!.data as Float32Array;
  seen.conv.forEach((v, i) => assert.ok(v === (mask[i] ? w[i] : 0), `conv.weight[${i}] is the rewound weight, masked`));
  // conv-only: Linear weights stay dense in every round.
  assert.equal(
    round1.masks.get('fc.weight')!.every((v) => v === 1),
    true,
  );
  const conv = prunableNames(round1, 'conv-only');
  const kept = conv.reduce((a, k) => a + round1.masks.get(k)!.reduce((x, y) => x + y, 0), 0);
  const size = conv.reduce((a, k) => a + round1.state.get(k)!.data.length, 0);
  assert.equal(kept, roundKeep(size, 0.5, 1));
});

test('an interrupted pipeline, resumed, ends exactly as an uninterrupted one; finished rounds are not redone', () => {
  ok([...base, '--rounds', '3', '--rate', '0.5', '--name', 'whole']);
  // 24 iterations a round: interrupted in round 1 (after 30), resumed and interrupted again inside round 1.
  const r = runCli([...base, '--rounds', '3', '--rate', '0.5', '--name', 'cut', '--halt-after', '30']);
  assert.equal(r.code, 130, r.stderr);
  const again = runCli(['lottery', '--name', 'cut', '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '5']);
  assert.equal(again.code, 130, again.stderr);
  assert.match(again.stderr, /round-01 resumes/);
  assert.doesNotMatch(again.stderr, /round-00/, 'the finished round is not redone');
  const round0 = readFileSync(join(runs, 'cut', 'round-00', 'summary.json'), 'utf8');
  const fin = runCli(['lottery', '--name', 'cut', '--runs-dir', runs, '--resume', '--quiet']);
  assert.equal(fin.code, 0, fin.stderr);
  assert.doesNotMatch(fin.stderr, /round-00/, 'the finished round is not redone');
  assert.equal(readFileSync(join(runs, 'cut', 'round-00', 'summary.json'), 'utf8'), round0);
  const [a, b] = [rounds('whole'), rounds('cut')];
  assert.deepEqual(
    b.map((x) => [x.nonzeros, x.test, x.val]),
    a.map((x) => [x.nonzeros, x.test, x.val]),
  );
  const ta = readSafetensors(join(runs, 'whole', 'round-02', 'model.safetensors')).tensors;
  const tb = readSafetensors(join(runs, 'cut', 'round-02', 'model.safetensors')).tensors;
  for (const [name, t] of ta) assert.deepEqual(tb.get(name)!.data, t.data, name);
});

test('OMP prunes once to the target density; LTR keeps the weights (no rewind point)', () => {
  ok([...base, '--kind', 'omp', '--density', '0.1', '--name', 'omp']);
  const o = rounds('omp');
  assert.equal(o.length, 2);
  assert.ok(Math.abs(o[1].density - 0.1) < 1e-3);
  ok([...base, '--kind', 'ltr', '--rounds', '3', '--rate', '0.5', '--name', 'ltr']);
  assert.equal(rounds('ltr').length, 3);
  assert.ok(!existsSync(join(runs, 'ltr', 'rewind.safetensors')));
});

test('bad input: one line, exit 2, before work, nothing written', () => {
  const cases: [string[], RegExp][] = [
    [['--rate', '1.5'], /--rate must be in \(0, 1\)/],
    [['--rate', '0'], /--rate must be in \(0, 1\)/],
    [['--rewind-epoch', '3'], /--rewind-epoch 3 must be an epoch before the end of training/],
    [['--rounds', '1'], /--rounds must be an integer from 2 to 100/],
    [['--rounds', '1e9'], /--rounds must be an integer from 2 to 100/],
    [['--kind', 'omp'], /OMP needs --density/],
    [['--kind', 'lth'], /--kind 'lth' is not one of/],
    [['--method', 'rigl'], /Unknown option '--method'/],
  ];
  cases.forEach(([extra, message], i) => {
    const r = runCli([...base, '--name', `bad-${i}`, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(join(runs, `bad-${i}`)));
  });
});
