import { test } from 'node:test';
import { CLI, runCli, writeIdxDataset } from '../helpers.js';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/util/safetensors.js';

const runs = mkdtempSync(join(tmpdir(), 'st-train-'));
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '2' });

/** Every file under dir with its bytes (base64), to check that a refused command left a run as it was. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, f);
    if (statSync(p).isFile()) files[f] = readFileSync(p).toString('base64');
  }
  return files;
}

const base = [
  'train',
  '--dataset',
  'synthetic',
  '--model',
  'lenet300',
  '--batch',
  '32',
  '--lr',
  '0.05',
  '--runs-dir',
  runs,
  '--quiet',
];

test('train writes config.json, metrics.jsonl, summary.json and a checkpoint; --json prints the summary', () => {
  const r = run([...base, '--epochs', '2', '--name', 'basic', '--json', '--checkpoint-every', '1']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.status, 'completed');
  assert.equal(summary.epochs, 2);
  assert.ok(
    summary.final.test.accuracy > 0.3,
    `synthetic data should be learnable, got ${summary.final.test.accuracy}`,
  );
  const dir = join(runs, 'basic');
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.model, 'lenet300');
  assert.equal(config.optimizer.lr, 0.05);
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    metrics.map((m) => m.epoch),
    [1, 2],
  );
  assert.ok('val' in metrics[0].eval && 'test' in metrics[0].eval);
  for (const k of ['accuracy', 'nll', 'ece']) assert.ok(typeof metrics[1].eval.test[k] === 'number');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).final, summary.final);
  const ck = readSafetensors(join(dir, 'checkpoints', 'last.safetensors'));
  assert.deepEqual(ck.tensors.get('fc1.weight')?.shape, [300, 784]);
  assert.ok(ck.tensors.has('optimizer.momentum_buffer.fc1.weight'));
  const kept = readSafetensors(join(dir, 'checkpoints', 'epoch-0001.safetensors'));
  assert.equal(JSON.parse(kept.metadata.position).epoch, 1);
  assert.ok(existsSync(join(dir, 'checkpoints', 'epoch-0002.safetensors')));
  assert.equal(JSON.parse(ck.metadata.config).model, 'lenet300');
});

test('--resume after an interruption ends with exactly the numbers of an uninterrupted run', () => {
  const full = run([...base, '--epochs', '3', '--name', 'full']);
  assert.equal(full.code, 0, full.stderr);
  const halted = run([...base, '--epochs', '3', '--name', 'halted', '--halt-after', '20']);
  assert.equal(halted.code, 130, halted.stderr);
  assert.match(
    halted.stderr,
    new RegExp(
      `interrupted after 20 iterations; continue with: sparsetickets train --name halted --runs-dir ${runs} --resume`,
    ),
  );
  const resumed = run(['train', '--name', 'halted', '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '10']);
  assert.equal(resumed.code, 130, resumed.stderr);
  const done = run(['train', '--name', 'halted', '--runs-dir', runs, '--resume', '--quiet']);
  assert.equal(done.code, 0, done.stderr);
  const strip = (dir: string) =>
    readFileSync(join(runs, dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => {
        const { seconds: _s, ...rest } = JSON.parse(l);
        return rest;
      });
  assert.deepEqual(strip('halted'), strip('full'));
  const a = readSafetensors(join(runs, 'full', 'checkpoints', 'last.safetensors')).tensors;
  const b = readSafetensors(join(runs, 'halted', 'checkpoints', 'last.safetensors')).tensors;
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, `${name} differs after resume`);
});

test('an existing run is never overwritten unless asked', () => {
  const r = run([...base, '--epochs', '1', '--name', 'basic']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /basic already exists; pass --resume to continue it or --overwrite to replace it/);
  assert.ok(existsSync(join(runs, 'basic', 'checkpoints', 'last.safetensors')));
  const o = run([...base, '--epochs', '1', '--name', 'basic', '--overwrite']);
  assert.equal(o.code, 0, o.stderr);
});

test('bad input is a one-line error with exit code 2 before training starts', () => {
  const cfg = join(runs, 'bad.yaml');
  writeFileSync(
    cfg,
    'model: lenet300\ndataset: synthetic\nepochs: 1\noptimizer:\n  lr: 0.1\n  momentun: 0.9\nbatchsize: 3\n',
  );
  const mixed = join(runs, 'mixed'); // train images 32×32, test images 28×28
  mkdirSync(mixed);
  writeIdxDataset(mixed, [8, 32, 32], [4, 28, 28]);
  const tiny = join(runs, 'tiny');
  mkdirSync(tiny);
  writeIdxDataset(tiny, [8, 8, 8], [4, 8, 8]);
  const cases: [string[], RegExp][] = [
    [[...base, '--epochs', '1', '--lr', '-0.1', '--name', 'x1'], /optimizer\.lr: Number must be greater than 0/],
    [
      ['train', '--config', cfg, '--runs-dir', runs, '--name', 'x2'],
      /invalid config .*bad\.yaml(?=.*optimizer: Unrecognized key.*'momentun')(?=.*\(top level\): Unrecognized key.*'batchsize')/,
    ],
    [
      [...base, '--epochs', '1', '--model', 'lenet301', '--name', 'x3'],
      /model: unknown model 'lenet301'; valid: .*lenet300/,
    ],
    [
      ['train', '--dataset', 'cifar10', '--data-dir', join(runs, 'nowhere'), '--runs-dir', runs, '--name', 'x4'],
      /nowhere: none of data_batch_1\.bin .*found/,
    ],
    [['train', '--config', join(runs, 'missing.yaml')], /config file .*missing\.yaml not found/],
    [['train', '--name', 'never-ran', '--runs-dir', runs, '--resume'], /never-ran has no checkpoint/],
    [
      ['train', '--model', 'vgg16', '--dataset', 'mnist', '--runs-dir', runs, '--name', 'x5'],
      /^sparsetickets: train: model vgg16 needs inputs of at least 32×32, dataset mnist has 1×28×28$/m,
    ],
    [
      ['train', '--dataset', 'mnist', '--data-dir', mixed, '--runs-dir', runs, '--name', 'x6'],
      /mixed\/t10k-images-idx3-ubyte: images of 28×28 but .*mixed\/train-images-idx3-ubyte has images of 32×32/,
    ],
    [
      [
        'train',
        '--dataset',
        'mnist',
        '--data-dir',
        tiny,
        '--model',
        'vgg19',
        '--width',
        '0.125',
        '--runs-dir',
        runs,
        '--name',
        'x7',
      ],
      /train: model vgg19 cannot take the 1×8×8 inputs of dataset mnist: MaxPool2d: input .* is smaller than the 2×2 window/,
    ],
    [
      [...base, '--nesterov', '--momentum', '0', '--name', 'x8'],
      /optimizer\.nesterov: Nesterov momentum needs momentum > 0/,
    ],
    [
      [...base, '--optimizer', 'adamw', '--nesterov', '--name', 'x9'],
      /optimizer: Unrecognized key\(s\) in object: 'nesterov'/,
    ],
    [
      [...base, '--optimizer', 'adamw', '--momentum', '0.5', '--name', 'x10'],
      /optimizer: Unrecognized key\(s\) in object: 'momentum'/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  for (const n of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10'])
    assert.ok(!existsSync(join(runs, n)), `run ${n} should not have been created`);
});

test('eval reproduces the run’s final test metrics; a checkpoint of another architecture is refused', () => {
  const ck = join(runs, 'basic', 'checkpoints', 'last.safetensors');
  const r = run(['eval', '--checkpoint', ck, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  const summary = JSON.parse(readFileSync(join(runs, 'basic', 'summary.json'), 'utf8'));
  assert.equal(m.accuracy, summary.final.test.accuracy);
  assert.ok(Math.abs(m.nll - summary.final.test.nll) < 1e-9);
  const wrong = run(['eval', '--checkpoint', ck, '--model', 'lenet5']);
  assert.equal(wrong.code, 2);
  assert.match(
    wrong.stderr,
    /written for 'lenet300'\) does not fit this model: loadStateDict: missing keys: conv1\.weight/,
  );
  const missing = run(['eval', '--checkpoint', join(runs, 'nope.safetensors')]);
  assert.equal(missing.code, 2);
});

test('knowledge distillation from a teacher checkpoint trains; a teacher of another dataset is refused', () => {
  const teacher = join(runs, 'basic', 'checkpoints', 'last.safetensors');
  const r = run([...base, '--epochs', '1', '--name', 'student', '--teacher', teacher, '--kd-alpha', '0.7', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(runs, 'student', 'config.json'), 'utf8'));
  assert.deepEqual(config.loss.distill, { teacher, alpha: 0.7, temperature: 4 });
  assert.ok(JSON.parse(r.stdout).final.test.accuracy > 0.3);
  const wrong = run([
    'train',
    '--dataset',
    'mnist',
    '--epochs',
    '1',
    '--runs-dir',
    runs,
    '--name',
    'student2',
    '--teacher',
    teacher,
  ]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /loss\.distill\.teacher: .*trained on synthetic, this run uses mnist/);
  const both = run([...base, '--epochs', '1', '--name', 'student3', '--teacher', teacher, '--label-smoothing', '0.1']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /label smoothing and distillation exclude each other/);
});

test('Ctrl-C (SIGINT) saves a checkpoint at a step boundary and exits with 130; the run then resumes', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI, ...base, '--epochs', '500', '--name', 'sigint'], {
    env: { ...process.env, SPARSETICKETS_THREADS: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Wait until training has certainly started (the run directory's config is written before the first step).
  const started = Date.now();
  while (!existsSync(join(runs, 'sigint', 'config.json')) && Date.now() - started < 20_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted: saving a checkpoint/);
  const ck = readSafetensors(join(runs, 'sigint', 'checkpoints', 'last.safetensors'));
  const position = JSON.parse(ck.metadata.position);
  assert.ok(position.iteration > 0, 'the checkpoint records where training stopped');
  const resumed = run(['train', '--name', 'sigint', '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '3']);
  assert.equal(resumed.code, 130, resumed.stderr);
  const after = JSON.parse(readSafetensors(join(runs, 'sigint', 'checkpoints', 'last.safetensors')).metadata.position);
  assert.equal(after.iteration, position.iteration + 3);
});

test('--resume with a truncated checkpoint, or one of another width or architecture, is one line (exit 2) and changes nothing', () => {
  assert.equal(run([...base, '--epochs', '2', '--name', 'rs', '--halt-after', '2']).code, 130);
  assert.equal(run([...base, '--epochs', '1', '--name', 'rs-wide', '--width', '2']).code, 0);
  assert.equal(run([...base, '--epochs', '1', '--name', 'rs-lenet5', '--model', 'lenet5']).code, 0);
  const ck = (name: string) => join(runs, name, 'checkpoints', 'last.safetensors');
  const cases: [string, (file: string) => void, RegExp][] = [
    ['rs-truncated', (f) => writeFileSync(f, readFileSync(f).subarray(0, 1000)), /: safetensors: /],
    [
      'rs-width',
      (f) => cpSync(ck('rs-wide'), f),
      /does not fit this model: loadStateDict: shape mismatches: fc1\.weight \(checkpoint \[600, 784\], model \[300, 784\]\)/,
    ],
    [
      'rs-arch',
      (f) => cpSync(ck('rs-lenet5'), f),
      /\(written for 'lenet5'\) does not fit this model: loadStateDict: missing keys: fc1\.weight/,
    ],
  ];
  for (const [name, spoil, pattern] of cases) {
    cpSync(join(runs, 'rs'), join(runs, name), { recursive: true });
    spoil(ck(name));
    const before = snapshot(join(runs, name));
    const r = run(['train', '--name', name, '--runs-dir', runs, '--resume', '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`sparsetickets: train --resume: ${ck(name)}`), r.stderr);
    assert.match(r.stderr, pattern);
    assert.deepEqual(snapshot(join(runs, name)), before, `${name} was modified`);
  }
});

test('--resume continues the run at --runs-dir/--name (a copied run), never the run its stored config names', () => {
  assert.equal(run([...base, '--epochs', '2', '--name', 'orig', '--halt-after', '2']).code, 130);
  const elsewhere = mkdtempSync(join(tmpdir(), 'st-train-copy-'));
  cpSync(join(runs, 'orig'), join(elsewhere, 'copy'), { recursive: true });
  cpSync(join(runs, 'orig'), join(elsewhere, 'lenet300-mnist-s0'), { recursive: true });
  const original = snapshot(join(runs, 'orig'));
  const r = run(['train', '--name', 'copy', '--runs-dir', elsewhere, '--resume', '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).run, join(elsewhere, 'copy'));
  assert.deepEqual(snapshot(join(runs, 'orig')), original, 'the original run was modified');
  const config = JSON.parse(readFileSync(join(elsewhere, 'copy', 'config.json'), 'utf8'));
  assert.deepEqual([config.name, config.runsDir], ['copy', elsewhere]);
  const ck = readSafetensors(join(elsewhere, 'copy', 'checkpoints', 'last.safetensors'));
  assert.equal(JSON.parse(ck.metadata.position).epoch, 2);
  assert.equal(JSON.parse(ck.metadata.config).name, 'copy');
  // Without --name, --resume continues the run of `train` with no arguments.
  const d = run(['train', '--runs-dir', elsewhere, '--resume', '--quiet', '--json']);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(JSON.parse(d.stdout).run, join(elsewhere, 'lenet300-mnist-s0'));
  assert.deepEqual(snapshot(join(runs, 'orig')), original, 'the original run was modified');
});

test('without --name a taken default name becomes -2, -3, … (said on stderr); a taken explicit --name is refused', () => {
  const dir = join(runs, 'auto');
  const args = [...base, '--epochs', '1', '--runs-dir', dir];
  const first = run(args);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /exists/);
  for (const n of [2, 3]) {
    const again = run([...args, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`^train: ${dir}/lenet300-synthetic-s0 exists; this run is ${dir}/lenet300-synthetic-s0-${n} `, 'm'),
    );
    assert.equal(JSON.parse(again.stdout).run, join(dir, `lenet300-synthetic-s0-${n}`));
    const config = JSON.parse(readFileSync(join(dir, `lenet300-synthetic-s0-${n}`, 'config.json'), 'utf8'));
    assert.equal(config.name, `lenet300-synthetic-s0-${n}`);
  }
  const explicit = run([...args, '--name', 'lenet300-synthetic-s0-2']);
  assert.equal(explicit.code, 2);
  assert.match(explicit.stderr, /lenet300-synthetic-s0-2 already exists; pass --resume to continue it or --overwrite/);
  const over = run([...args, '--overwrite', '--json']);
  assert.equal(over.code, 0, over.stderr);
  assert.equal(JSON.parse(over.stdout).run, join(dir, 'lenet300-synthetic-s0'));
  assert.deepEqual(readdirSync(dir).sort(), [
    'lenet300-synthetic-s0',
    'lenet300-synthetic-s0-2',
    'lenet300-synthetic-s0-3',
  ]);
});
