import { test } from 'node:test';
import { runCli } from '../helpers.js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/util/safetensors.js';

const runs = mkdtempSync(join(tmpdir(), 'st-sparse-'));
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '2' });
const base = [
  'train',
  '--dataset',
  'synthetic',
  '--model',
  'lenet300',
  '--batch',
  '32',
  '--epochs',
  '2',
  '--runs-dir',
  runs,
  '--quiet',
];

test('train --method rigl: masks in the checkpoint, layer-density report, training FLOPs in the summary; resume keeps masks', () => {
  const r = run([
    ...base,
    '--method',
    'rigl',
    '--sparsity',
    '0.9',
    '--update-interval',
    '5',
    '--name',
    'rigl',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.sparse.method, 'rigl');
  assert.ok(Math.abs(s.sparse.density - 0.1) < 1e-3);
  assert.ok(
    s.sparse.training_flops > 0.1 && s.sparse.training_flops < 0.5,
    `training FLOPs ${s.sparse.training_flops}`,
  );
  assert.ok(s.sparse.mask_updates > 0);
  const ck = readSafetensors(join(runs, 'rigl', 'checkpoints', 'last.safetensors'));
  const mask = ck.tensors.get('fc1.weight.mask')!;
  assert.equal(mask.dtype, 'U8');
  const w = ck.tensors.get('fc1.weight')!.data as Float32Array;
  for (let i = 0; i < w.length; i++) if (mask.data[i] === 0) assert.ok(w[i] === 0);
  const report = JSON.parse(readFileSync(join(runs, 'rigl', 'layer_density.json'), 'utf8'));
  assert.deepEqual(
    report.layers.map((l: { name: string }) => l.name),
    ['fc1.weight', 'fc2.weight', 'fc3.weight'],
  );
  assert.match(readFileSync(join(runs, 'rigl', 'layer_density.md'), 'utf8'), /\| fc1\.weight \| 300×784 \| 235200 \|/);
  // The masks travel through --resume: an interrupted run ends with the same masks as an uninterrupted one.
  assert.equal(
    run([...base, '--method', 'rigl', '--update-interval', '5', '--name', 'rigl-halt', '--halt-after', '17']).code,
    130,
  );
  assert.equal(run(['train', '--name', 'rigl-halt', '--runs-dir', runs, '--resume', '--quiet']).code, 0);
  const resumed = readSafetensors(join(runs, 'rigl-halt', 'checkpoints', 'last.safetensors')).tensors;
  for (const [name, t] of ck.tensors) assert.deepEqual(resumed.get(name)!.data, t.data, `${name} differs after resume`);
});

test('--mode sparse: an interrupted run resumes to exactly the checkpoint of an uninterrupted one', () => {
  const rigl = [...base, '--method', 'rigl', '--sparsity', '0.9', '--update-interval', '5', '--mode', 'sparse'];
  assert.equal(run([...rigl, '--name', 'sparse-full']).code, 0);
  assert.equal(run([...rigl, '--name', 'sparse-halt', '--halt-after', '17']).code, 130);
  const resumed = run(['train', '--name', 'sparse-halt', '--runs-dir', runs, '--resume', '--quiet']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const full = readSafetensors(join(runs, 'sparse-full', 'checkpoints', 'last.safetensors')).tensors;
  const again = readSafetensors(join(runs, 'sparse-halt', 'checkpoints', 'last.safetensors')).tensors;
  assert.ok(full.has('fc1.weight.mask') && full.has('optimizer.momentum_buffer.fc1.weight'));
  for (const [name, t] of full) assert.deepEqual(again.get(name)!.data, t.data, `${name} differs after resume`);
  const report = JSON.parse(readFileSync(join(runs, 'sparse-halt', 'layer_density.json'), 'utf8'));
  assert.ok(report.layers.every((l: { execution: string }) => l.execution === 'sparse'));
});

test('every method trains from the CLI', () => {
  for (const method of ['static', 'snip', 'set', 'snfs', 'granet', 'gmp']) {
    const r = run([
      ...base,
      '--method',
      method,
      '--sparsity',
      '0.8',
      '--update-interval',
      '10',
      '--name',
      method,
      '--json',
    ]);
    assert.equal(r.code, 0, `${method}: ${r.stderr}`);
    const s = JSON.parse(r.stdout);
    assert.equal(s.sparse.method, method);
    assert.ok(Math.abs(s.sparse.density - 0.2) < 2e-3, `${method} density ${s.sparse.density}`);
  }
});

test('bad sparse settings: a clear error and exit 2 before training starts', () => {
  const cases: [string[], RegExp][] = [
    [['--method', 'rigl', '--sparsity', '1'], /sparsity must be < 1/],
    [['--method', 'rigl', '--sparsity', '-0.5'], /sparse\.sparsity: Number must be greater than or equal to 0/],
    [['--method', 'rigl', '--update-interval', '0'], /the update interval ΔT must be > 0/],
    [
      ['--method', 'rigl', '--dense-layers', 'conv*'],
      /dense layer pattern 'conv\*' matches no prunable layer; layers: fc1\.weight, fc2\.weight, fc3\.weight/,
    ],
    [
      ['--method', 'static', '--layer-density', 'fc1.weight=0.999', '--sparsity', '0.99'],
      /leave no room for overall sparsity 0\.99/,
    ],
    [
      ['--method', 'granet', '--initial-density', '0.2', '--sparsity', '0.5'],
      /final density 0\.5 is above its initial density 0\.2/,
    ],
    [['--method', 'magic'], /sparse\.method: Invalid enum value.*'rigl'/],
    [
      ['--method', 'static', '--layer-density', 'fc3.weight=0.0001'],
      /density 0\.0001 leaves fc3\.weight \(1000 weights\) without a single weight/,
    ],
    [['--method', 'granet', '--layer-density', 'fc1.weight=0.05'], /granet prunes gradually .* do not apply/],
    [
      ['--method', 'gmp', '--dense-first', '--sparsity', '0.5'],
      /the layers kept dense hold 235200 of the 266200 prunable weights, more than final density 0\.5 keeps/,
    ],
    [['--sparsity', '0.9', '--dense-layers', 'fc1.*'], /sparse\.sparsity: needs a sparse method.*sparse\.denseLayers/],
    [['--method', 'rigl', '--pruning', 'global'], /pruning \(layerwise \| global\) applies to snip, granet and gmp/],
    [
      ['--method', 'rigl', '--distribution', 'uniform', '--erk-power', '0.5'],
      /erkPower applies to the erk distribution/,
    ],
  ];
  cases.forEach(([args, pattern], i) => {
    const r = run([...base, ...args, '--name', `bad${i}`]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(join(runs, `bad${i}`)), 'no run directory for a rejected config');
  });
});
