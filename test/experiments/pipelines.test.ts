// Ticket pipelines as sweep runs (Lottery Pools, LTR Ensemble), the ensembles stage and `ensemble` (FreeTickets,
// SPEC §8), on small synthetic runs; and the reduced-scale settings they use (trainSubset, evalEvery).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitValidation } from '../../src/data/split.js';
import { readConfigFile } from '../../src/run/config.js';
import { loadDataset } from '../../src/data/registry.js';
import { meanPredictions, metricsOf } from '../../src/eval/predict.js';
import { ticketEvaluator } from '../../src/run/ticket_data.js';
import { evaluateEnsemble, keptParameters } from '../../src/pipelines/ensemble_eval.js';
import { loadTicket } from '../../src/tickets/ticket.js';
import type { PipelineSummary } from '../../src/pipelines/pipeline_common.js';
import { runCli } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'st-pipelines-'));
const json = <T>(...p: string[]) => JSON.parse(readFileSync(join(...p), 'utf8')) as T;
const ok = (args: string[]) => {
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  return r;
};

test('trainSubset keeps the first N training examples and leaves validation whole', () => {
  const data = loadDataset('synthetic');
  const whole = splitValidation(data.train, 0.1);
  const sub = splitValidation(data.train, 0.1, 100);
  assert.equal(sub.train.n, 100);
  assert.deepEqual([...sub.train.labels], [...whole.train.labels.subarray(0, 100)]);
  assert.equal(sub.val.n, whole.val.n);
  assert.deepEqual([...sub.val.labels], [...whole.val.labels]);
});

test('YAML merge keys: a block reuses an anchored base and overrides one key', () => {
  writeFileSync(join(dir, 'merge.yaml'), 'a: &base { model: lenet300, epochs: 6 }\nb: { <<: *base, epochs: 10 }\n');
  assert.deepEqual(readConfigFile(join(dir, 'merge.yaml')).b, { model: 'lenet300', epochs: 10 });
});

test('evalEvery evaluates every N epochs and after the last', () => {
  ok(
    ['train', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.25', '--epochs', '3'].concat([
      '--eval-every',
      '2',
      '--runs-dir',
      dir,
      '--name',
      'every2',
      '--threads',
      '1',
      '--quiet',
    ]),
  );
  const lines = readFileSync(join(dir, 'every2', 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => Object.keys(l.eval).length > 0),
    [false, true, true],
  );
});

const poolsSweep = {
  name: 'lp',
  runName: 'lp-s{seed}',
  base: {
    model: 'lenet300',
    width: 0.5,
    dataset: 'synthetic',
    epochs: 2,
    batch: 64,
    pipeline: {
      kind: 'lottery-pools',
      lottery: { rounds: 3, rate: 0.5, rewindEpoch: 1, scope: 'all' },
      pools: { targets: [0, 2], coefficients: [0.3, 0.7] },
    },
  },
  grid: { seed: [0] },
};

test('lottery-pools pipeline as a sweep run: every target × method is a row, pooled tickets name their ingredients; a second sweep does nothing', () => {
  writeFileSync(join(dir, 'lp.json'), JSON.stringify(poolsSweep));
  ok(['sweep', join(dir, 'lp.json'), '--runs-dir', dir, '--jobs', '1', '--quiet']);
  const run = join(dir, 'lp', 'lp-s0');
  const s = json<PipelineSummary>(run, 'summary.json');
  assert.equal(s.status, 'completed');
  assert.deepEqual(
    s.rows.map((r) => `${r.point.target}:${r.point.method}`),
    ['0', '2'].flatMap((j) => ['lt', 'pool', 'average', 'swa', 'ema', 'ensemble'].map((m) => `${j}:${m}`)),
  );
  const pool = loadTicket(join(run, 'pools', 'pool-02.safetensors'));
  const rounds = json<{ nonzeros: number }[]>(run, 'rounds.json');
  assert.equal(
    [...pool.masks.values()].reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0),
    rounds[2].nonzeros,
  );
  const log = json<{ ingredients: number[]; log: { candidate: number }[] }>(run, 'pools', 'pool-02.json');
  assert.deepEqual(
    log.log.map((l) => l.candidate),
    [1, 0],
  );
  assert.deepEqual(
    pool.provenance.ingredients,
    log.ingredients.map((i) => `round-0${i}/model.safetensors`),
  );
  // The ensemble row is the mean of the target's and its candidates' softmaxes.
  const ev = ticketEvaluator('test', pool.provenance, { threads: 1, splits: ['test'] });
  const members = [2, 1, 0].map((i) =>
    ev.predict(loadTicket(join(run, `round-0${i}`, 'model.safetensors'), { allowDense: true }), 'test'),
  );
  const ens = s.rows.find((r) => r.point.target === 2 && r.point.method === 'ensemble')!;
  assert.deepEqual(ens.metrics.test, metricsOf(meanPredictions(members)));
  const rep = JSON.parse(ok(['report', join(dir, 'lp'), '--json']).stdout) as {
    rows: { label: Record<string, unknown>; n: number }[];
  };
  assert.equal(rep.rows.length, 12);
  assert.ok(rep.rows.every((r) => r.n === 1 && 'row.method' in r.label));
  const again = ok(['sweep', join(dir, 'lp.json'), '--runs-dir', dir, '--jobs', '1', '--json']);
  assert.equal(JSON.parse(again.stdout).trained, 0);
});

test('a pipeline sweep with a bad pipeline is refused before any run: one line, exit 2', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ pools: { targets: [5] } }, /target 5 is out of range: the lottery has rounds 0 … 2/],
    [{ lottery: { rounds: 3, rewindEpoch: 4 } }, /--rewind-epoch 4 must be an epoch before the end of training/],
    [{ lottery: { rounds: 3, rate: 1.5 } }, /rate/],
    [{ pools: { coefficients: [] } }, /the coefficient pool is empty/],
  ];
  bad.forEach(([change, message], i) => {
    const sweep = structuredClone(poolsSweep) as typeof poolsSweep & { name: string };
    sweep.name = `bad${i}`;
    Object.assign(sweep.base.pipeline, change);
    writeFileSync(join(dir, `bad${i}.json`), JSON.stringify(sweep));
    const r = runCli(['sweep', join(dir, `bad${i}.json`), '--runs-dir', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(join(dir, `bad${i}`)));
  });
});

test('a pipeline config is not one training run: train refuses it with one line, exit 2', () => {
  writeFileSync(join(dir, 'pipe.json'), JSON.stringify(poolsSweep.base));
  const r = runCli(['train', '--config', join(dir, 'pipe.json'), '--runs-dir', dir, '--name', 'nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /describes a lottery-pools pipeline/);
});

const ftSweep = {
  name: 'ft',
  runName: 'ft-{sparse.method|dense}{booster.kind?-edst}{pipeline.kind?-ltr}-s{seed}',
  base: { model: 'lenet300', width: 0.5, dataset: 'synthetic', epochs: 2, batch: 64, evalEvery: 100 },
  ensembles: { size: 2, singles: true, metrics: ['calibration', 'ensemble'], reference: 'ft-dense-s0' },
  blocks: [
    { grid: { seed: [0, 1, 2] }, cells: [{}, { sparse: { method: 'rigl', sparsity: 0.8, updateInterval: 3 } }] },
    {
      base: { epochs: 6 },
      grid: { seed: [0] },
      cells: [
        {
          sparse: { method: 'rigl', sparsity: 0.8, updateInterval: 3, updateEnd: null },
          booster: { kind: 'edst', exploreEpochs: 2, members: 2 },
        },
      ],
    },
    {
      grid: { seed: [0] },
      cells: [
        { sparse: { method: 'gmp', sparsity: 0.8, updateInterval: 2 }, pipeline: { kind: 'ltr-ensemble', members: 2 } },
      ],
    },
  ],
};

test('FreeTickets ensembles: members by seed order, EDST and LTR as ensembles of their own, singles; FLOPs and parameters', () => {
  writeFileSync(join(dir, 'ft.json'), JSON.stringify(ftSweep));
  ok(['sweep', join(dir, 'ft.json'), '--runs-dir', dir, '--jobs', '2', '--quiet']);
  const ens = (name: string) => json<PipelineSummary>(dir, 'ft', 'ensembles', name, 'summary.json').rows[0];
  // seeds 0, 1 form one ensemble of 2; seed 2 is left over
  assert.deepEqual(ens('ft-rigl-s0-x2').ingredients, ['ft-rigl-s0', 'ft-rigl-s1']);
  assert.ok(!existsSync(join(dir, 'ft', 'ensembles', 'ft-rigl-s2-x2')));
  assert.equal(ens('ft-rigl-s2-x1').point.members, 1);
  // training FLOPs × one dense run: the members' sum
  const flops = (run: string) => json<{ sparse: { training_flops: number } }>(dir, 'ft', run, 'summary.json');
  const sum = flops('ft-rigl-s0').sparse.training_flops + flops('ft-rigl-s1').sparse.training_flops;
  assert.ok(Math.abs(ens('ft-rigl-s0-x2').training_flops! - sum) < 1e-9);
  assert.equal(ens('ft-dense-s0-x2').training_flops, 2);
  // EDST: its free tickets, its one run's cost (6 epochs against the 2-epoch dense reference)
  const edst = ens('ft-rigl-edst-s0');
  assert.equal(edst.point.members, 2);
  assert.ok(Math.abs(edst.training_flops! - 3 * flops('ft-rigl-edst-s0').sparse.training_flops) < 1e-9);
  // LTR: the members carry GMP's mask, differ from each other, and the cost counts GMP and both retrains
  const ltr = join(dir, 'ft', 'ft-gmp-ltr-s0');
  const gmp = loadTicket(join(ltr, 'gmp', 'model.safetensors'));
  const [m1, m2] = [1, 2].map((m) => loadTicket(join(ltr, `member-${m}`, 'model.safetensors')));
  for (const [name, mask] of gmp.masks) {
    assert.deepEqual([...m1.masks.get(name)!], [...mask]);
    assert.deepEqual([...m2.masks.get(name)!], [...mask]);
  }
  assert.notDeepEqual([...m1.state.get('fc1.weight')!.data], [...m2.state.get('fc1.weight')!.data]);
  const manifest = json<{ dense_steps: number }>(ltr, 'ensemble.json');
  const steps = (d: string) => {
    const s = json<{ iterations: number; sparse: { training_flops: number } }>(ltr, d, 'summary.json');
    return s.iterations * s.sparse.training_flops;
  };
  assert.ok(Math.abs(manifest.dense_steps - (steps('gmp') + steps('member-1') + steps('member-2'))) < 1e-6);
  assert.equal(ens('ft-gmp-ltr-s0').parameters, keptParameters(m1).kept + keptParameters(m2).kept);
});

test('ensemble: mean of the members’ softmaxes, diversity > 0 between EDST tickets; bad input is one line, exit 2', () => {
  const run = join(dir, 'ft', 'ft-rigl-edst-s0');
  const r = evaluateEnsemble([run], { metrics: ['calibration', 'ensemble'], threads: 1 });
  assert.ok(r.ensemble!.meanDisagreement > 0, `disagreement ${r.ensemble!.meanDisagreement}`);
  assert.ok(r.ensemble!.meanKl > 0);
  const tickets = [1, 2].map((m) => loadTicket(join(run, 'tickets', `member-${m}.safetensors`)));
  const ev = ticketEvaluator('test', tickets[0].provenance, { threads: 1, splits: ['test'] });
  const mean = metricsOf(meanPredictions(tickets.map((t) => ev.predict(t, 'test'))));
  assert.equal(r.calibration!.ensemble!.accuracy, mean.accuracy);
  assert.ok(Math.abs(r.calibration!.ensemble!.nll - mean.nll) < 1e-6);
  const cli = JSON.parse(ok(['ensemble', run, '--json', '--threads', '1', '--metrics', 'calibration']).stdout);
  assert.equal(cli.members, 2);
  const bad: [string[], RegExp][] = [
    [[join(dir, 'ft', 'ft-dense-s0')], /an ensemble needs at least 2 members, got 1/],
    [[join(dir, 'ft', 'ft-dense-s0'), join(dir, 'every2')], /differ in architecture/],
    [[join(dir, 'nowhere')], /not found/],
    [[run, '--metrics', 'accuracy'], /unknown metric 'accuracy'/],
  ];
  for (const [args, message] of bad) {
    const b = runCli(['ensemble', ...args, '--threads', '1']);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, message);
    assert.equal(b.stderr.trim().split('\n').length, 1);
  }
});
