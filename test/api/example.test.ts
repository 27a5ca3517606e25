// The package as a user sees it: imported by its name through package.json "exports" (types too: this file
// type-checks against them), and docs/API.md's worked example run in a fresh project that depends on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from 'sparsetickets';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the package imports by its name and exports the documented API', () => {
  for (const name of [
    'train',
    'evaluate',
    'runTraining',
    'loadTicket',
    'saveTicket',
    'superpose',
    'interpolate',
    'pruneTicket',
    'refreshBatchNorm',
    'SupTickets',
    'SparseTraining',
    'Trainer',
    'createModel',
    'loadDataset',
  ])
    assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
  const budget: api.SupTicketsBudget = api.supTicketsBudget(250, 0.1, 8);
  assert.deepEqual(budget, { normalEpochs: 226, cyclicEpochs: 24, tickets: 3 });
});

test("docs/API.md's worked example runs in a project that depends on the package", () => {
  const doc = readFileSync(join(root, 'docs', 'API.md'), 'utf8');
  const block = doc.match(/```js\n\/\/ example\.mjs\n([\s\S]*?)```/);
  assert.ok(block, 'docs/API.md has the example block');
  const dir = mkdtempSync(join(tmpdir(), 'st-user-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'sparsetickets'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', dependencies: { sparsetickets: '*' } }));
  writeFileSync(join(dir, 'example.mjs'), block[1]);
  const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^trained: test accuracy \d+\.\d\d%$/m);
  assert.match(r.stdout, /^ticket: lenet300, rigl, density 0\.100$/m);
  const accs = [...r.stdout.matchAll(/^ticket \d: accuracy (\d+\.\d+)%/gm)].map((m) => Number(m[1]));
  assert.equal(accs.length, 2);
  assert.ok(accs[0] > 80, `a one-epoch RigL ticket on MNIST classifies, got ${accs[0]}%`);
  assert.match(r.stdout, /^ensemble: accuracy \d+\.\d\d%$/m);
  assert.ok(existsSync(join(dir, 'runs', 'rigl-0.9', 'model.safetensors')));
  assert.ok(existsSync(join(dir, 'rigl-0.05.safetensors')));
});
