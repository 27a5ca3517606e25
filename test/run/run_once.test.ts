// runOnce: a run in its directory, once — skipped when completed, resumed from its checkpoint, else started — and
// buildRun, which writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRun } from '../../src/run/build.js';
import { runOnce } from '../../src/run/run_once.js';
import { runDirState } from '../../src/run/run_dir.js';
import { syntheticConfig } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-once-'));
const config = (name: string) =>
  syntheticConfig({ model: 'lenet300', width: 0.5, epochs: 2, seed: 5, runsDir: runs, name });

test('once: a new run starts; run again, its stored summary is returned and nothing is trained or written', async () => {
  const actions: string[] = [];
  const first = await runOnce(config('a'), undefined, { quiet: true, onBegin: (a) => actions.push(a) });
  assert.equal(first.status, 'completed');
  assert.deepEqual(actions, ['starts']);
  assert.equal(runDirState(join(runs, 'a')).kind, 'done');
  const written = statSync(join(runs, 'a', 'summary.json')).mtimeMs;
  let steps = 0;
  const again = await runOnce(config('a'), undefined, {
    quiet: true,
    onBegin: (a) => actions.push(a),
    hooks: () => [{ name: 'count', afterStep: () => void steps++ }],
  });
  assert.deepEqual(actions, ['starts'], 'a completed run does not begin again');
  assert.equal(steps, 0);
  assert.deepEqual(again, JSON.parse(readFileSync(join(runs, 'a', 'summary.json'), 'utf8')));
  assert.equal(statSync(join(runs, 'a', 'summary.json')).mtimeMs, written);
});

test('once: an interrupted run resumes from its checkpoint and ends as an uninterrupted one', async () => {
  const whole = await runOnce(config('whole'), undefined, { quiet: true });
  const cut = await runOnce(config('cut'), undefined, { quiet: true, haltAfter: 11 });
  assert.equal(cut.status, 'interrupted');
  assert.equal(runDirState(join(runs, 'cut')).kind, 'resume');
  const actions: string[] = [];
  const resumed = await runOnce(config('cut'), undefined, { quiet: true, onBegin: (a) => actions.push(a) });
  assert.deepEqual(actions, ['resumes']);
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(resumed.final, whole.final);
  assert.equal(resumed.iterations, whole.iterations);
});

test('once: what a run that never saved a checkpoint left is replaced; fresh refuses an existing run', async () => {
  const dir = join(runs, 'left');
  // Killed in its first epoch: config.json and a cut metrics line, no checkpoint.
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config('left')));
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch": 1, "trai');
  const actions: string[] = [];
  const s = await runOnce(config('left'), undefined, { quiet: true, onBegin: (a) => actions.push(a) });
  assert.deepEqual(actions, ['starts']);
  assert.equal(s.status, 'completed');
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  await assert.rejects(runOnce(config('left'), undefined, { mode: 'fresh', quiet: true }), /already exists/);
});

test('once: a damaged checkpoint is a usage error naming it, before the directory changes', async () => {
  const dir = join(runs, 'damaged');
  await runOnce(config('damaged'), undefined, { quiet: true, haltAfter: 11 });
  const file = join(dir, 'checkpoints', 'last.safetensors');
  writeFileSync(file, readFileSync(file).subarray(0, 100));
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  await assert.rejects(runOnce(config('damaged'), undefined, { quiet: true }), (e: Error) => {
    assert.match(e.message, /^train --resume: .*last\.safetensors/);
    return true;
  });
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), metrics);
  assert.equal(readFileSync(file).length, 100);
});

test('buildRun writes nothing: no run directory until runOnce opens it', () => {
  const c = config('built');
  const run = buildRun(c, { runPath: join(runs, 'built'), log: () => {} });
  assert.equal(run.method, 'dense');
  assert.equal(run.trainer.epochs, 2);
  assert.ok(run.hooks.length === 0 && run.sparse === null);
  assert.equal(existsSync(join(runs, 'built')), false);
});
