import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMetricsFile, RunDir, RunDirError, writeFileAtomic } from '../../src/train/rundir.js';
import { writeSafetensors } from '../../src/util/safetensors.js';
import { FileError } from '../../src/util/errors.js';

test('writeFileAtomic on a full disk names the file and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-rundir-'));
  const target = join(dir, 'config.json');
  // The temporary name points at /dev/full, where every write fails with ENOSPC.
  symlinkSync('/dev/full', `${target}.tmp-${process.pid}`);
  assert.throws(
    () => writeFileAtomic(target, '{}'),
    (e: unknown) => e instanceof FileError && e.message === `cannot write ${target}: no space left on the device`,
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('writeSafetensors failing names the file (Node says only "write")', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-rundir-'));
  assert.throws(
    () => writeSafetensors(join(dir, 'missing', 'last.safetensors'), new Map()),
    /cannot write .*missing\/last\.safetensors: no such file or directory/,
  );
});

test('readMetricsFile drops a last line cut short and refuses a damaged line before it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-rundir-'));
  const file = join(dir, 'metrics.jsonl');
  writeFileSync(file, '{"epoch":1}\n{"epoch":2}\n{"epoch":3,"tr');
  const r = readMetricsFile(file);
  assert.deepEqual(r.records, [{ epoch: 1 }, { epoch: 2 }]);
  assert.equal(r.dropped, true);
  writeFileSync(file, '{"epoch":1}\n{"ep\n{"epoch":3}\n');
  assert.throws(() => readMetricsFile(file), /metrics\.jsonl: line 2 is not JSON/);
  assert.deepEqual(readMetricsFile(join(dir, 'absent.jsonl')).records, []);
});

test('RunDir.open: a run without a checkpoint is replaced by a fresh run; one with a checkpoint is not', () => {
  const runs = mkdtempSync(join(tmpdir(), 'st-rundir-'));
  mkdirSync(join(runs, 'failed', 'checkpoints'), { recursive: true });
  writeFileSync(join(runs, 'failed', 'config.json'), '{}');
  writeFileSync(join(runs, 'failed', 'summary.json'), '{"status":"failed"}');
  const d = RunDir.open(runs, 'failed', 'fresh');
  assert.equal(d.replaced, true);
  assert.deepEqual(readdirSync(d.path).sort(), ['checkpoints', 'run.lock']);
  d.release();
  writeFileSync(join(runs, 'failed', 'checkpoints', 'last.safetensors'), 'x');
  assert.throws(() => RunDir.open(runs, 'failed', 'fresh'), RunDirError);
  // A directory that is not a run is never replaced.
  mkdirSync(join(runs, 'mine'));
  writeFileSync(join(runs, 'mine', 'notes.txt'), 'mine');
  assert.throws(() => RunDir.open(runs, 'mine', 'fresh'), /already exists/);
  assert.ok(existsSync(join(runs, 'mine', 'notes.txt')));
});
