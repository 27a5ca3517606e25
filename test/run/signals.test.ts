// SIGTERM (a scheduler stopping a job) and SIGHUP (a closed terminal) behave as Ctrl-C: the run saves a
// resumable checkpoint, summary.json says interrupted, and the process exits with 128 + the signal number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli } from '../helpers.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { catchStopSignals, signalExitCode } from '../../src/run/signals.js';

const runs = mkdtempSync(join(tmpdir(), 'st-signals-'));
const base = ['train', '--dataset', 'synthetic', '--threads', '1', '--runs-dir', runs, '--quiet'];

/** Starts a long run, sends `signal` once it trains, and returns its exit code and stderr. */
async function signalRun(name: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...base, '--epochs', '500', '--name', name]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const started = Date.now();
  while (!existsSync(join(runs, name, 'config.json')) && Date.now() - started < 20_000)
    await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  child.kill(signal);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr };
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} saves a resumable checkpoint, summary status interrupted, exit ${code}`, async () => {
    const name = signal.toLowerCase();
    const r = await signalRun(name, signal);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`${signal}: saving a checkpoint`));
    const summary = JSON.parse(readFileSync(join(runs, name, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'interrupted');
    assert.equal(summary.signal, signal);
    const at = JSON.parse(readSafetensors(join(runs, name, 'checkpoints', 'last.safetensors')).metadata.position);
    assert.ok(at.iteration > 0);
    assert.equal(existsSync(join(runs, name, 'run.lock')), false, 'the lock is released');
    const resumed = runCli(['train', '--name', name, '--runs-dir', runs, '--resume', '--quiet', '--halt-after', '2']);
    assert.equal(resumed.code, 130, resumed.stderr);
    const after = JSON.parse(readSafetensors(join(runs, name, 'checkpoints', 'last.safetensors')).metadata.position);
    assert.equal(after.iteration, at.iteration + 2);
  });
}

test('catchStopSignals: the first signal is recorded, handlers go with dispose', () => {
  assert.equal(signalExitCode('SIGINT'), 130);
  const seen: string[] = [];
  const before = process.listenerCount('SIGTERM');
  const stop = catchStopSignals((s) => seen.push(s));
  assert.equal(process.listenerCount('SIGTERM'), before + 1);
  process.emit('SIGHUP');
  assert.equal(stop.signal, 'SIGHUP');
  assert.deepEqual(seen, ['SIGHUP']);
  stop.dispose();
  assert.equal(process.listenerCount('SIGTERM'), before);
});
