import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-eval-'));
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '2' });

test('eval: a model too big for the dataset’s images, or a truncated checkpoint, is one line with exit code 2', () => {
  const trained = run([
    'train',
    '--dataset',
    'synthetic',
    '--epochs',
    '1',
    '--runs-dir',
    runs,
    '--name',
    'a',
    '--quiet',
  ]);
  assert.equal(trained.code, 0, trained.stderr);
  const ck = join(runs, 'a', 'checkpoints', 'last.safetensors');
  const big = run(['eval', '--checkpoint', ck, '--model', 'vgg16', '--dataset', 'mnist']);
  assert.equal(big.code, 2, big.stderr);
  assert.equal(
    big.stderr,
    'sparsetickets: eval: model vgg16 needs inputs of at least 32×32, dataset mnist has 1×28×28\n',
  );
  const truncated = join(runs, 'truncated.safetensors');
  writeFileSync(truncated, readFileSync(ck).subarray(0, 1000));
  const r = run(['eval', '--checkpoint', truncated]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^sparsetickets: eval: .*truncated\.safetensors: safetensors: /);
});
