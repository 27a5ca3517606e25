// The interpolation curve: α = 0 … 1 evenly, θ(0) = B and θ(1) = A, pruning and BN refresh per point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curveAlphas } from '../../src/tickets/curve.js';
import { runCli } from '../helpers.js';

test('curve α: evenly spaced from 0 to 1', () => {
  assert.deepEqual(curveAlphas(5), [0, 0.25, 0.5, 0.75, 1]);
  assert.throws(() => curveAlphas(1), /steps must be ≥ 2/);
});

test('interpolate A B: the end points are B and A evaluated on their own; pruned points keep the target nonzeros', () => {
  const runs = mkdtempSync(join(tmpdir(), 'st-curve-'));
  const train = (name: string, seed: string) =>
    runCli([
      ...['train', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.5', '--batch', '64', '--epochs', '2'],
      ...['--method', 'rigl', '--update-interval', '3', '--seed', seed, '--runs-dir', runs, '--name', name, '--quiet'],
      ...['--threads', '1'],
    ]);
  assert.equal(train('a', '1').code, 0);
  assert.equal(train('b', '2').code, 0);
  const [a, b] = ['a', 'b'].map((n) => join(runs, n, 'model.safetensors'));
  const r = runCli(['interpolate', a, b, '--steps', '3', '--json', '--threads', '1', '--split', 'test']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(
    doc.curve.map((p: { alpha: number }) => p.alpha),
    [0, 0.5, 1],
  );
  const evalOf = (f: string) => JSON.parse(runCli(['eval', '--ticket', f, '--json', '--threads', '1']).stdout);
  const [ea, eb] = [evalOf(a), evalOf(b)];
  assert.equal(doc.curve[0].metrics.test.accuracy, eb.accuracy);
  assert.ok(Math.abs(doc.curve[0].metrics.test.nll - eb.nll) < 1e-9);
  assert.equal(doc.curve[2].metrics.test.accuracy, ea.accuracy);
  const bad = runCli(['interpolate', a, b, '--steps', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--steps must be an integer from 2 to 1,001/);
});
