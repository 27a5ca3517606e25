// The spending pipeline (pipelines/spending_pipeline.ts, SPEC §9) on the synthetic dataset: lottery rounds, every
// target's mask retrained per tweak set, vanilla rows taken from the rounds themselves, the suite's Hessian and
// activation sparsity at the sparsest target, rows that `report` tabulates, a re-run that redoes nothing — and
// the settings that contradict each other refused before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../../src/experiments/report.js';
import { runCli, syntheticConfig } from '../helpers.js';
import type { RoundRecord } from '../../src/pipelines/lottery.js';
import { runPipeline } from '../../src/pipelines/pipeline.js';
import { checkSpendingPipeline, type SpendingRow } from '../../src/pipelines/spending_pipeline.js';
import type { PipelineSummary } from '../../src/pipelines/pipeline_common.js';

const runs = mkdtempSync(join(tmpdir(), 'st-spending-'));
const config = (pipeline: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  syntheticConfig({ epochs: 2, runsDir: runs, name: 'sp', pipeline: { kind: 'spending', ...pipeline }, ...extra });

const pipeline = {
  lottery: { kind: 'imp', rounds: 3, rate: 0.5, rewindEpoch: 1, scope: 'conv-only' },
  retrain: {
    targets: [1, 2],
    tweaks: [{ name: 'lth' }, { name: 'at', activation: 'mish', extraSkips: true }, { rewindEpoch: 0 }],
  },
  evaluation: { hessian: { batches: 1, batchSize: 16 }, sparsity: true },
};

test('lottery rounds, then each target retrained per tweak set; vanilla rows are the rounds; report tabulates rows', async () => {
  const s = (await runPipeline(config(pipeline), { quiet: true })) as PipelineSummary<SpendingRow>;
  assert.equal(s.status, 'completed');
  assert.equal(s.kind, 'spending');
  const dir = join(runs, 'sp');
  const rounds = JSON.parse(readFileSync(join(dir, 'rounds.json'), 'utf8')) as RoundRecord[];
  assert.deepEqual(
    s.rows.map((r) => [r.point.target, r.point.tweaks]),
    [
      [1, 'lth'],
      [1, 'at'],
      [1, 'vanilla-rewind0'],
      [2, 'lth'],
      [2, 'at'],
      [2, 'vanilla-rewind0'],
    ],
  );
  for (const r of s.rows) {
    assert.equal(r.point.density, rounds[r.point.target].density);
    if (r.point.tweaks === 'lth') {
      assert.deepEqual(r.metrics.test, rounds[r.point.target].test, 'vanilla: the round itself');
      assert.equal(r.ticket, rounds[r.point.target].ticket);
    } else {
      const run = JSON.parse(readFileSync(join(dir, r.ticket.replace('model.safetensors', 'summary.json')), 'utf8'));
      assert.deepEqual(r.metrics.test, run.final.test);
      assert.equal(run.retrain.round, r.point.target);
      // A set's own rewind epoch: vanilla from the initialisation is trained again, epochs 0…2.
      assert.equal(run.retrain.rewind_epoch, r.point.tweaks === 'at' ? 1 : 0);
    }
  }
  // Only the tweaked sets were trained again.
  assert.deepEqual(readdirSync(join(dir, 'retrain')).sort(), [
    'at-01',
    'at-02',
    'vanilla-rewind0-01',
    'vanilla-rewind0-02',
  ]);
  // The suite's metrics at the sparsest target, for both tweak sets; mish leaves few activations near zero.
  const at2 = s.rows.filter((r) => r.point.target === 2);
  for (const r of at2) {
    assert.ok(Number.isFinite(r.metrics.hessian), `${r.point.tweaks}: a Hessian eigenvalue`);
    assert.ok(r.metrics.activation_sparsity! >= 0 && r.metrics.activation_sparsity! <= 1);
  }
  assert.ok(s.rows.filter((r) => r.point.target === 1).every((r) => r.metrics.hessian === undefined));
  assert.ok(
    at2[0].metrics.activation_sparsity! > at2[1].metrics.activation_sparsity!,
    'ReLU leaves more activations at zero than mish',
  );
  assert.match(readFileSync(join(dir, 'spending.md'), 'utf8'), /\| 2 \| 0\.2\d+ \| at \|/);
  // report: one row per (target, tweaks), the Hessian and activation sparsity as columns.
  const rep = buildReport([runs]);
  assert.equal(rep.rows.length, 6);
  assert.ok(rep.keys.includes('row.tweaks') && rep.keys.includes('row.target'));
  const row = rep.rows.find((r) => r.label['row.tweaks'] === 'at' && r.label['row.target'] === 2)!;
  assert.equal(row.metrics.hessian.mean, at2[1].metrics.hessian);
  assert.equal(row.metrics.activation_sparsity.mean, at2[1].metrics.activation_sparsity);
});

test('a re-run finds everything done: nothing is trained or evaluated again', async () => {
  const dir = join(runs, 'sp');
  const before = statSync(join(dir, 'retrain', 'at-02', 'summary.json')).mtimeMs;
  const evalBefore = statSync(join(dir, 'eval-at-02.json')).mtimeMs;
  const t0 = performance.now();
  const s = await runPipeline(config(pipeline), { quiet: true });
  assert.equal(s.status, 'completed');
  assert.equal(statSync(join(dir, 'retrain', 'at-02', 'summary.json')).mtimeMs, before);
  assert.equal(statSync(join(dir, 'eval-at-02.json')).mtimeMs, evalBefore);
  assert.ok(performance.now() - t0 < 10_000);
});

test('settings that contradict each other are refused before any work', () => {
  const bad: [Record<string, unknown>, RegExp, Record<string, unknown>?][] = [
    [{ ...pipeline, retrain: { targets: [3] } }, /target 3 is out of range: the pruned rounds are 1 … 2/],
    [{ ...pipeline, lottery: { ...pipeline.lottery, kind: 'ltr' } }, /LTR keeps none/],
    [{ ...pipeline, retrain: { rewindEpoch: 1 }, lottery: { ...pipeline.lottery, rewindEpoch: 0 } }, /rewindEpoch 1/],
    [
      { ...pipeline, retrain: { tweaks: [{ rewindEpoch: 2 }] } },
      /rewindEpoch 2: the lottery keeps its rewind point \(epoch 1\)/,
    ],
    [
      { ...pipeline, retrain: { tweaks: [{ labelSmoothing: 0.1 }, { labelSmoothing: 0.1 }] } },
      /two tweak sets are named 'ls0\.1'/,
    ],
    [pipeline, /extra skips need BasicBlocks; lenet5 has none/, { model: 'lenet5' }],
    [{ ...pipeline, evaluation: { target: 1 }, retrain: { targets: [2] } }, /evaluation asks for neither/],
    [
      { ...pipeline, evaluation: { target: 1, sparsity: true }, retrain: { targets: [2] } },
      /evaluation\.target 1 is not one of/,
    ],
  ];
  for (const [p, message, extra] of bad) {
    const c = config(p, extra);
    assert.throws(() => checkSpendingPipeline(c, c.pipeline as never), message);
  }
  // A tweak in the rounds' own recipe is mask finding with a tweak: refused by the lottery, before any round.
  return assert
    .rejects(
      runPipeline(config(pipeline, { name: 'sp-bad', activation: 'swish' }), { quiet: true }),
      /activation swish: retraining tweaks \(SPEC §9\) apply when a found mask is retrained, never to mask finding/,
    )
    .then(() => assert.ok(!existsSync(join(runs, 'sp-bad'))));
});

test('a sweep of a bad spending pipeline is refused when planned: one line, exit 2, no run', () => {
  const sweep = {
    name: 'bad-spending',
    base: {
      model: 'resnet20',
      width: 0.25,
      dataset: 'synthetic',
      epochs: 2,
      pipeline: { kind: 'spending', ...pipeline, retrain: { targets: [1], tweaks: [{ extraSkips: true }] } },
    },
    grid: { model: ['resnet20', 'lenet5'] },
  };
  const file = join(runs, 'bad-spending.json');
  writeFileSync(file, JSON.stringify(sweep));
  const r = runCli(['sweep', file, '--runs-dir', runs]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr.trimEnd(), /^sparsetickets: .*extra skips need BasicBlocks; lenet5 has none/);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.ok(!existsSync(join(runs, 'bad-spending')));
});
