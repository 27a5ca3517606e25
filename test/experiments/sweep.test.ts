// Sweeps on the local pool: the grid's expansion and run ids, bad sweep files (one line, exit 2, nothing
// written), a sweep run twice doing no work the second time, and an interrupted sweep resuming from its
// checkpoints to the same numbers as an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSweep, runId, resolveRunConfig } from '../../src/experiments/sweep_file.js';
import { CLI, runCli } from '../helpers.js';

const base = {
  model: 'lenet300',
  width: 0.25,
  dataset: 'synthetic',
  epochs: 1,
  batch: 64,
  threads: 1,
  optimizer: { lr: 0.1 },
};

function sweepFile(dir: string, body: Record<string, unknown>): string {
  const f = join(dir, 'sweep.json');
  writeFileSync(f, JSON.stringify(body));
  return f;
}

test('a sweep expands base × grid × cells into runs with deterministic ids and readable names', () => {
  const plan = planSweep({
    name: 'g',
    base: { ...base, sparse: { method: 'rigl' } },
    parameters: { seed: { values: [0, 1] } },
    grid: { 'sparse.sparsity': [0.8, 0.9] },
    cells: [{ sparse: { updateInterval: 10 } }, { sparse: { updateInterval: 20 } }],
  });
  assert.equal(plan.runs.length, 8);
  assert.equal(new Set(plan.runs.map((r) => r.id)).size, 8);
  assert.equal(new Set(plan.runs.map((r) => r.name)).size, 8);
  assert.ok(plan.runs.every((r) => /^r[0-9a-f]{15}$/.test(r.id)));
  // Names carry the keys that vary, and the seed.
  assert.ok(
    plan.runs.some((r) => r.name === 'g-0.8-10-s0'),
    plan.runs.map((r) => r.name).join(' '),
  );
  // The same sweep gives the same ids; the id ignores where and how fast a run runs (name, runsDir, threads) but
  // not what it computes.
  const again = planSweep({
    name: 'other-name',
    base: { ...base, threads: 2, sparse: { method: 'rigl' } },
    parameters: { seed: { values: [0, 1] } },
    grid: { 'sparse.sparsity': [0.8, 0.9] },
    cells: [{ sparse: { updateInterval: 10 } }, { sparse: { updateInterval: 20 } }],
  });
  assert.deepEqual(
    again.runs.map((r) => r.id),
    plan.runs.map((r) => r.id),
  );
  const resolved = resolveRunConfig(plan.runs[0].config, 't');
  assert.equal(runId(resolved), plan.runs[0].id);
  assert.notEqual(runId({ ...resolved, epochs: 2 }), plan.runs[0].id);
  // -o replaces a key everywhere (here: a grid axis of its own), and a single value sets it.
  const o = planSweep({ name: 'g', base, grid: { seed: [0, 1, 2] } }, ['seed=5,6', 'epochs=2']);
  assert.deepEqual(
    o.runs.map((r) => [r.config.seed, r.config.epochs]),
    [
      [5, 2],
      [6, 2],
    ],
  );
  // Blocks: the top-level grid multiplies each block; identical runs are one run; templates name them.
  const b = planSweep({
    name: 'b',
    runName: '{sparse.method|dense}{booster.kind?-sup}-s{seed}',
    base,
    grid: { seed: [0, 1] },
    blocks: [{ cells: [{}, {}] }, { base: { sparse: { method: 'rigl', sparsity: 0.9 } } }],
  });
  assert.deepEqual(
    b.runs.map((r) => r.name),
    ['dense-s0', 'dense-s1', 'rigl-s0', 'rigl-s1'],
  );
});

test('bad sweep files: every problem with its path, one line, exit 2, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-bad-'));
  const runs = join(dir, 'runs');
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: 'x', base, grid: { 'sparse.sparsty': [0.9] } }, /grid\.sparse\.sparsty: not a setting of a run config/],
    [{ name: 'x', base, grid: { seed: [] } }, /grid\.seed: an empty list of values/],
    [{ name: 'x', base, grid: { 'sparse.method': ['rigl', 'nope'] } }, /sparse\.method: Invalid enum value/],
    [{ name: 'x', base, colour: 1 }, /Unrecognized key\(s\) in object: 'colour'/],
    [{ name: 'x', base, blocks: [] }, /blocks: an empty list of blocks/],
    [{ name: 'x', base, runName: 'same', grid: { seed: [0, 1] } }, /run name 'same' is given to two different configs/],
    [{ name: 'bad name!', base }, /name: letters, digits/],
  ];
  for (const [body, want] of cases) {
    const r = runCli(['sweep', sweepFile(dir, body), '--runs-dir', runs]);
    assert.equal(r.code, 2, `${JSON.stringify(body)}: ${r.stderr}`);
    assert.match(r.stderr, want);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(runs), 'nothing written');
  }
  // -o with an unknown key, and a runs dir that is a file.
  const ok = sweepFile(dir, { name: 'x', base });
  let r = runCli(['sweep', ok, '-o', 'nosuch=1', '--runs-dir', runs]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /-o nosuch: not a setting/);
  writeFileSync(join(dir, 'afile'), '');
  r = runCli(['sweep', ok, '--runs-dir', join(dir, 'afile')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /runs directory .*afile is not writable/);
  // A run directory that holds another config (a clash): refused before any work.
  mkdirSync(join(runs, 'x', 'x-s0'), { recursive: true });
  writeFileSync(join(runs, 'x', 'x-s0', 'config.json'), JSON.stringify({ ...base, epochs: 7, name: 'x-s0' }));
  r = runCli(['sweep', ok, '--runs-dir', runs]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /x-s0 holds another config \(run id r[0-9a-f]+, not r[0-9a-f]+\)/);
  assert.deepEqual(readdirSync(join(runs, 'x')), ['x-s0']);
  // report on a directory without runs.
  mkdirSync(join(dir, 'empty'));
  r = runCli(['report', join(dir, 'empty')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /report: .*empty: no runs/);
  assert.deepEqual(readdirSync(join(dir, 'empty')), []);
});

test('the same sweep run twice does no work the second time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-twice-'));
  const file = sweepFile(dir, { name: 'twice', base, grid: { seed: [0, 1], 'sparse.method': ['static', 'rigl'] } });
  const runs = join(dir, 'runs');
  const first = runCli(['sweep', file, '--runs-dir', runs, '--jobs', '2', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const a = JSON.parse(first.stdout) as { trained: number; runs: { status: string; trained: boolean; dir: string }[] };
  assert.equal(a.trained, 4);
  assert.ok(a.runs.every((r) => r.status === 'completed' && r.trained));
  // Each run's log is in its directory.
  for (const r of a.runs) assert.match(readFileSync(join(r.dir, 'log.txt'), 'utf8'), /epoch 1\/1/);
  const mtimes = a.runs.map((r) => statSync(join(r.dir, 'summary.json')).mtimeMs);
  const second = runCli(['sweep', file, '--runs-dir', runs, '--jobs', '2', '--json']);
  assert.equal(second.code, 0, second.stderr);
  const b = JSON.parse(second.stdout) as typeof a;
  assert.equal(b.trained, 0);
  assert.ok(b.runs.every((r) => r.status === 'completed' && !r.trained));
  assert.deepEqual(
    b.runs.map((r) => statSync(join(r.dir, 'summary.json')).mtimeMs),
    mtimes,
  );
  const manifest = JSON.parse(readFileSync(join(runs, 'twice', 'sweep.json'), 'utf8')) as {
    runs: { status: string }[];
  };
  assert.deepEqual(
    manifest.runs.map((r) => r.status),
    ['completed', 'completed', 'completed', 'completed'],
  );
  // --dry-run says so too.
  const dry = runCli(['sweep', file, '--runs-dir', runs, '--dry-run']);
  assert.equal((dry.stdout.match(/finished \(skip\)/g) ?? []).length, 4, dry.stdout);
});

test('an interrupted sweep resumes from its checkpoints, to the numbers of an uninterrupted one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sweep-resume-'));
  const long = { ...base, epochs: 60 };
  const file = sweepFile(dir, { name: 'resume', base: long, grid: { seed: [0, 1] } });
  const runs = join(dir, 'runs');
  const child = spawn(process.execPath, [CLI, 'sweep', file, '--runs-dir', runs, '--jobs', '1'], { stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ckpt = join(runs, 'resume', 'resume-s0', 'checkpoints', 'last.safetensors');
  const t0 = Date.now();
  while (!existsSync(ckpt) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 130, err);
  assert.match(err, /interrupted; run the same command again to resume it/);
  const manifest = JSON.parse(readFileSync(join(runs, 'resume', 'sweep.json'), 'utf8')) as {
    runs: { name: string; status: string }[];
  };
  assert.equal(manifest.runs[0].status, 'interrupted');
  const summary = JSON.parse(readFileSync(join(runs, 'resume', 'resume-s0', 'summary.json'), 'utf8')) as {
    epochs: number;
  };
  assert.ok(summary.epochs >= 1 && summary.epochs < 60, `stopped at epoch ${summary.epochs}`);
  // Again: the interrupted run resumes (its log says so), the other trains.
  const again = runCli(['sweep', file, '--runs-dir', runs, '--jobs', '1', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const out = JSON.parse(again.stdout) as { trained: number; runs: { status: string }[] };
  assert.equal(out.trained, 2);
  assert.match(readFileSync(join(runs, 'resume', 'resume-s0', 'log.txt'), 'utf8'), /resume-s0 \(r[0-9a-f]+\), resume/);
  // The same sweep without interruption elsewhere: the same numbers, run for run.
  const clean = runCli(['sweep', file, '--runs-dir', join(dir, 'clean'), '--jobs', '2']);
  assert.equal(clean.code, 0, clean.stderr);
  for (const name of ['resume-s0', 'resume-s1']) {
    const x = JSON.parse(readFileSync(join(runs, 'resume', name, 'summary.json'), 'utf8')) as {
      final: unknown;
      epochs: number;
    };
    const y = JSON.parse(readFileSync(join(dir, 'clean', 'resume', name, 'summary.json'), 'utf8')) as typeof x;
    assert.equal(x.epochs, 60);
    assert.deepEqual(x.final, y.final, name);
  }
});
