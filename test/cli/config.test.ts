// Run configs through the CLI: JSON as well as YAML files train, flags override a file's values, and an invalid
// config is refused with every problem listed by its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-config-'));
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '2' });
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(runs, ...path), 'utf8'));

/** A tiny run whose values all differ from the defaults (lenet300 on MNIST, 3 epochs, batch 128, multistep). */
const tiny = {
  model: 'lenet300',
  width: 0.5,
  dataset: 'synthetic',
  epochs: 1,
  batch: 64,
  seed: 4,
  optimizer: { lr: 0.05, momentum: 0.8, weightDecay: 1e-4 },
  schedule: { kind: 'cosine' },
};

/** Every value of `want`, nested ones included, is at the same place in `got`. */
function assertHolds(got: Record<string, unknown>, want: object, where: string): void {
  for (const [key, value] of Object.entries(want)) {
    if (value && typeof value === 'object' && !Array.isArray(value))
      assertHolds(got[key] as Record<string, unknown>, value, `${where}.${key}`);
    else assert.deepEqual(got[key], value, `${where}.${key}`);
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function writeConfig(file: string, config: object): string {
  const path = join(runs, file);
  writeFileSync(path, file.endsWith('.json') ? JSON.stringify(config, null, 2) : toYaml(config));
  return path;
}

test('a JSON config file trains, exactly as the same config in YAML', () => {
  const results = ['run.json', 'run.yaml'].map((file) => {
    const name = file.replace('.', '-');
    const r = run([
      'train',
      '--config',
      writeConfig(file, tiny),
      '--runs-dir',
      runs,
      '--name',
      name,
      '--quiet',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.dataset, 'synthetic');
    assert.equal(summary.epochs, 1);
    const config = readJson(name, 'config.json');
    assertHolds(config, tiny, `${file}: config.json`);
    const { name: _n, ...rest } = config;
    return { config: rest, final: summary.final };
  });
  assert.deepEqual(results[0], results[1]);
});

test("a flag overrides its value in a valid config file; the run's config.json has the flag's value", () => {
  const file = writeConfig('override.yaml', {
    ...tiny,
    sparse: { method: 'set', sparsity: 0.8, updateInterval: 4 },
  });
  const r = run([
    'train',
    '--config',
    file,
    '--lr',
    '0.02',
    '--sparsity',
    '0.7',
    '--runs-dir',
    runs,
    '--name',
    'override',
    '--quiet',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const config = readJson('override', 'config.json');
  assert.equal(config.optimizer.lr, 0.02, 'the flag wins');
  assert.equal(config.sparse.sparsity, 0.7, 'the flag wins');
  // The rest of the file stays, nested values beside an overridden one included.
  assertHolds(
    config,
    {
      ...tiny,
      optimizer: { ...tiny.optimizer, lr: 0.02 },
      sparse: { method: 'set', sparsity: 0.7, updateInterval: 4 },
    },
    'config.json',
  );
  // …and the run used them.
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.sparse.sparsity, 0.7);
  assert.ok(Math.abs(summary.sparse.density - 0.3) < 1e-3, `density ${summary.sparse.density}`);
});

test('an invalid config (JSON or YAML) lists every problem with its path, on one line, before any run starts', () => {
  const bad = {
    model: 'lenet301',
    dataset: 'synthetic',
    epochs: 0,
    batch: 2.5,
    colour: 'blue',
    optimizer: { lr: -1, nesterov: 'yes' },
    schedule: { milestones: [0.5, 1.5] },
    sparse: { method: 'rigl', sparsity: 1, updateInterval: 0, distribution: 'erk2' },
  };
  const problems: [string, RegExp][] = [
    ['model', /unknown model 'lenet301'; valid: .*lenet300/],
    ['epochs', /Number must be greater than 0/],
    ['batch', /Expected integer/],
    ['optimizer.lr', /Number must be greater than 0/],
    ['optimizer.nesterov', /Expected boolean, received string/],
    ['schedule.milestones.1', /Number must be less than or equal to 1/],
    ['sparse.sparsity', /sparsity must be < 1/],
    ['sparse.updateInterval', /the update interval ΔT must be > 0/],
    ['sparse.distribution', /Invalid enum value\. Expected .*, received 'erk2'/],
    ['(top level)', /Unrecognized key.*'colour'/],
  ];
  const check = (args: string[], expected: [string, RegExp][], file: string) => {
    const r = run([...args, '--runs-dir', runs, '--name', 'never']);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`invalid config \\(.*${escape(file)}\\): `));
    // Problems follow the '(<file>): ' prefix, separated by '; '.
    for (const [path, message] of expected)
      assert.match(r.stderr, new RegExp(`(?:\\): |; )${escape(path)}: ${message.source}`), `${path} is listed`);
  };
  for (const file of ['bad.json', 'bad.yaml']) check(['train', '--config', writeConfig(file, bad)], problems, file);
  // A bad flag's problem is listed together with the file's.
  check(
    ['train', '--config', join(runs, 'bad.yaml'), '--momentum', '1.5'],
    [...problems, ['optimizer.momentum', /Number must be less than 1/]],
    'bad.yaml',
  );
  // An unknown optimizer kind, and options of the other optimizer, are named too.
  check(
    ['train', '--config', writeConfig('kind.json', { ...tiny, optimizer: { kind: 'adam', lr: 0.1 } })],
    [['optimizer.kind', /Invalid discriminator value\. Expected 'sgd' \| 'adamw'/]],
    'kind.json',
  );
  check(
    ['train', '--config', writeConfig('adamw.json', { ...tiny, optimizer: { kind: 'adamw', lr: 0.1, momentum: 0.9 } })],
    [['optimizer', /Unrecognized key\(s\) in object: 'momentum'/]],
    'adamw.json',
  );
  assert.ok(!existsSync(join(runs, 'never')), 'no run directory for an invalid config');
});

test('schedule cyclic: the rate recorded at each epoch end is the Sup-tickets triangle at that epoch’s last batch', () => {
  const r = run([
    'train',
    '--config',
    writeConfig('cyclic.yaml', { ...tiny, epochs: 4, schedule: { kind: 'cyclic', cycleEpochs: 2 } }),
    '--lr-high',
    '0.02',
    '--runs-dir',
    runs,
    '--name',
    'cyclic',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const metrics = readFileSync(join(runs, 'cyclic', 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n');
  // The recorded rate is the epoch's last batch's: t = (e mod 2 + (n−1)/n)/2 with n batches per epoch.
  const records = metrics.map((l) => JSON.parse(l) as { lr: number; iteration: number });
  const n = records[0].iteration;
  const at = (t: number) => (t < 0.5 ? (1 - 2 * t) * 0.001 + 2 * t * 0.02 : (2 - 2 * t) * 0.02 + (2 * t - 1) * 0.001);
  records.forEach((r, e) =>
    assert.ok(Math.abs(r.lr - at(((e % 2) + (n - 1) / n) / 2)) < 1e-12, `epoch ${e + 1}: ${r.lr}`),
  );
});
