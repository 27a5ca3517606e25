// Runs that fail well (issue 17): every failure is one line on stderr without a stack trace (unless --debug),
// exit 2 for a usage problem found before work, exit 1 for a failure during work with summary.json saying
// what happened. Cases that need root (tmpfs, another user, prlimit) are skipped with a message elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-fail-'));
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { SPARSETICKETS_THREADS: '1', ...env });
const train = (...args: string[]) => [
  'train',
  '--dataset',
  'synthetic',
  '--threads',
  '1',
  '--epochs',
  '1',
  '--runs-dir',
  runs,
  '--quiet',
  ...args,
];

const isRoot = process.getuid?.() === 0;
const hasTool = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The error output is exactly one line, without a stack trace. */
function assertOneLine(stderr: string, re: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  assert.match(lines[0], re);
}

const summaryOf = (name: string) => JSON.parse(readFileSync(join(runs, name, 'summary.json'), 'utf8'));

test('divergence stops at the first non-finite loss: one line, exit 1, summary status diverged with the reason', () => {
  const r = run(train('--lr', '1e3', '--name', 'diverge'));
  assert.equal(r.code, 1, r.stderr);
  assertOneLine(r.stderr, /^sparsetickets: train: training diverged: loss NaN at epoch 1, iteration \d+ .*diverge/);
  const s = summaryOf('diverge');
  assert.equal(s.status, 'diverged');
  assert.match(s.reason, /^training diverged: loss NaN/);
  // A diverged run with no checkpoint is replaced by a plain re-run (said on stderr), here with a sane rate.
  const again = run(train('--lr', '0.05', '--name', 'diverge'));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /replacing .*diverge, a run that never saved a checkpoint/);
  assert.equal(summaryOf('diverge').status, 'completed');
});

test('a run diverging late keeps its last good checkpoint, which --resume continues', () => {
  // The cyclic rate climbs from 0.01 towards 20 over 20 epochs: the first epochs train, a later one diverges.
  const r = run(
    train(
      '--epochs',
      '40',
      '--schedule',
      'cyclic',
      '--lr-low',
      '0.01',
      '--lr-high',
      '20',
      '--cycle-epochs',
      '40',
      '--name',
      'late',
    ),
  );
  assert.equal(r.code, 1, r.stderr);
  assertOneLine(
    r.stderr,
    /training diverged: loss NaN at epoch \d+.*last good checkpoint .*last\.safetensors \(--resume continues/,
  );
  const epoch = Number(/loss NaN at epoch (\d+)/.exec(r.stderr)![1]);
  assert.ok(epoch > 1, `diverged at epoch ${epoch}, after a checkpoint`);
  const s = summaryOf('late');
  assert.equal(s.status, 'diverged');
  assert.equal(s.epochs, epoch - 1, 'the completed epochs before the one that diverged');
  assert.equal(
    readFileSync(join(runs, 'late', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n').length,
    epoch - 1,
  );
  const resumed = run(['train', '--name', 'late', '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '1']);
  assert.equal(resumed.code, 130, resumed.stderr);
  assert.equal(summaryOf('late').status, 'interrupted');
});

test('a config with .inf or .nan is refused by the schema: every number must be finite', () => {
  const cfg = join(runs, 'inf.yaml');
  writeFileSync(cfg, 'model: lenet300\ndataset: synthetic\nepochs: 1\noptimizer: { lr: .inf }\nwidth: .nan\n');
  const r = run(['train', '--config', cfg, '--runs-dir', runs, '--quiet']);
  assert.equal(r.code, 2);
  assertOneLine(r.stderr, /optimizer\.lr: must be a finite number, got Infinity; width: must be a finite number/);
});

test('--config naming a directory is one line, exit 2', () => {
  const r = run(train('--config', runs));
  assert.equal(r.code, 2);
  assertOneLine(r.stderr, /config file .* is a directory/);
});

test('numbers are decimal only: --lr 0x10 and --epochs 0b11 are refused', () => {
  for (const [flag, value] of [
    ['--lr', '0x10'],
    ['--epochs', '0b11'],
    ['--lr', 'Infinity'],
  ]) {
    const r = run(train(flag, value, '--name', 'hex'));
    assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
    assertOneLine(r.stderr, new RegExp(`${flag} must be .*got '${value}'`));
  }
  assert.equal(existsSync(join(runs, 'hex')), false);
});

test('an empty training split (--val-fraction 0.9999) is a usage error before work', () => {
  const r = run(train('--val-fraction', '0.9999', '--name', 'empty'));
  assert.equal(r.code, 2);
  assertOneLine(r.stderr, /leaves no training samples .*lower --val-fraction/);
  assert.equal(existsSync(join(runs, 'empty')), false);
});

test('a model that cannot fit in memory is refused before work, for train and bench', () => {
  const b = run(['bench', '--model', 'vgg16', '--width', '100', '--threads', '1']);
  assert.equal(b.code, 2, b.stderr);
  assertOneLine(b.stderr, /bench: vgg16 at width 100 needs at least [\d.]+ GiB .*can be allocated/);
  const t = run(train('--width', '3000', '--name', 'huge'));
  assert.equal(t.code, 2, t.stderr);
  assertOneLine(t.stderr, /train: lenet300 at width 3000 needs at least [\d.]+ GiB/);
  assert.equal(existsSync(join(runs, 'huge')), false);
});

test('under an address-space limit (prlimit --as) a too wide model is refused in one line, not after work', (t) => {
  if (!hasTool('prlimit')) return t.skip('prlimit not installed');
  const r = spawnSync(
    'prlimit',
    ['--as=12884901888', process.execPath, CLI, ...train('--width', '300', '--name', 'oom')],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  assertOneLine(r.stderr, /lenet300 at width 300 needs at least .*(address-space limit|available)/);
});

test('a thread the system refuses does not abort the process: the pool runs with the threads it got', (t) => {
  if (!isRoot || !hasTool('setpriv') || !hasTool('prlimit'))
    return t.skip('needs root, setpriv and prlimit (runs as nobody under a thread limit)');
  const dir = mkdtempSync(join(tmpdir(), 'st-threads-'));
  chmodSync(dir, 0o777);
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'prlimit',
      '--nproc=40',
      process.execPath,
      CLI,
      'train',
      '--dataset',
      'synthetic',
      '--epochs',
      '1',
      '--threads',
      '1000',
      '--runs-dir',
      dir,
      '--quiet',
      '--json',
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /could start only (\d+) of the 1000 threads asked for/);
  const threads = JSON.parse(r.stdout).threads;
  assert.ok(threads >= 1 && threads < 1000, `threads ${threads}`);
});

/** Runs fn with a fresh tmpfs of the given size (and options) mounted; false when mounting is not possible. */
function withTmpfs(options: string, fn: (dir: string) => void): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'st-tmpfs-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]).status !== 0) return false;
  try {
    fn(dir);
  } finally {
    spawnSync('umount', [dir]);
  }
  return true;
}

test('a full disk (2 MB tmpfs) is one line naming the file, exit 1, summary failed, no temporary files left', (t) => {
  if (!isRoot) return t.skip('needs root to mount a tmpfs');
  const mounted = withTmpfs('size=2m', (dir) => {
    const r = run([
      'train',
      '--dataset',
      'synthetic',
      '--epochs',
      '1',
      '--width',
      '2',
      '--runs-dir',
      dir,
      '--name',
      'full',
      '--quiet',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assertOneLine(r.stderr, /cannot write .*full\/\S+: no space left on the device; run .* ends 'failed'/);
    const files = readdirSync(join(dir, 'full'), { recursive: true }) as string[];
    assert.deepEqual(
      files.filter((f) => /\.tmp/.test(f)),
      [],
      `temporary files left: ${files.join(', ')}`,
    );
    const s = JSON.parse(readFileSync(join(dir, 'full', 'summary.json'), 'utf8'));
    assert.equal(s.status, 'failed');
    assert.match(s.reason, /no space left on the device/);
    // --debug adds the stack traces of the failure and of what it wraps.
    const d = run([
      '--debug',
      'train',
      '--dataset',
      'synthetic',
      '--epochs',
      '1',
      '--width',
      '2',
      '--runs-dir',
      dir,
      '--name',
      'full',
      '--quiet',
    ]);
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stderr, /\n\s+at .*writeSafetensors/);
  });
  if (!mounted) t.skip('mount -t tmpfs failed (no privilege in this container)');
});

test('a read-only file system is reported as such, naming the directory, exit 2', (t) => {
  if (!isRoot) return t.skip('needs root to mount a read-only tmpfs');
  const mounted = withTmpfs('size=1m,ro', (dir) => {
    const r = run(train('--runs-dir', join(dir, 'runs'), '--name', 'ro'));
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr, /cannot create the directory .*runs: read-only file system/);
  });
  if (!mounted) t.skip('mount -t tmpfs failed (no privilege in this container)');
});
