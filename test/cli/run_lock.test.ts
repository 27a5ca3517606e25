// One process at a time holds a run directory: --overwrite of a run that is training, or a second --resume,
// is one line and exit 2 and changes nothing; after kill -9 the stale lock and temporary files are cleaned
// up and the run resumes, its metrics.jsonl repaired when its last line was cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-lock-'));
const base = ['train', '--dataset', 'synthetic', '--threads', '1', '--runs-dir', runs, '--quiet'];
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '1' });

/** Starts `train` with args and waits until it trains (its lock and first checkpoint exist). */
async function startTraining(args: string[], name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, ...args]);
  const started = Date.now();
  while (
    !(existsSync(join(runs, name, 'run.lock')) && existsSync(join(runs, name, 'checkpoints', 'last.safetensors'))) &&
    Date.now() - started < 30_000
  )
    await new Promise((r) => setTimeout(r, 50));
  return child;
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));

test('--overwrite of a run that is training, and a second --resume, are refused in one line (exit 2)', async () => {
  const child = await startTraining([...base, '--epochs', '500', '--name', 'busy'], 'busy');
  try {
    const o = run([...base, '--epochs', '1', '--name', 'busy', '--overwrite']);
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, new RegExp(`^sparsetickets: run .*busy is in use by process ${child.pid} .*\\n$`));
    const r = run(['train', '--name', 'busy', '--runs-dir', runs, '--resume', '--quiet']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /busy is in use by process/);
    const plain = run([...base, '--epochs', '1', '--name', 'busy']);
    assert.equal(plain.code, 2, plain.stderr);
    assert.ok(existsSync(join(runs, 'busy', 'checkpoints', 'last.safetensors')), 'the running run is intact');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited(child), 130);
  assert.equal(existsSync(join(runs, 'busy', 'run.lock')), false);
  // Its epochs were written by one process only: one metrics line per epoch, numbered 1, 2, …
  const epochs = readFileSync(join(runs, 'busy', 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).epoch);
  assert.deepEqual(
    epochs,
    epochs.map((_, i) => i + 1),
  );
});

test('after kill -9: the stale lock is taken over, dead temporary files go, a cut metrics line is dropped', async () => {
  const child = await startTraining([...base, '--epochs', '500', '--name', 'killed'], 'killed');
  child.kill('SIGKILL');
  await exited(child);
  const dir = join(runs, 'killed');
  assert.ok(existsSync(join(dir, 'run.lock')), 'kill -9 leaves the lock behind');
  // What a kill during a write leaves: a checkpoint's temporary file, a config's, half a metrics line.
  const tmp = join(dir, 'checkpoints', `.last.safetensors.${child.pid}.1700000000000.tmp`);
  writeFileSync(tmp, Buffer.alloc(1024));
  writeFileSync(join(dir, `config.json.tmp-${child.pid}`), '{');
  appendFileSync(join(dir, 'metrics.jsonl'), '{"epoch": 99, "train_lo');
  const r = run(['train', '--name', 'killed', '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '1']);
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(
    [...readdirSync(dir), ...readdirSync(join(dir, 'checkpoints'))].filter(
      (f) => f.includes('tmp') || f === 'run.lock',
    ),
    [],
  );
  const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const l of lines) JSON.parse(l);
  assert.ok(!lines.some((l) => l.includes('"epoch": 99')));
});
