// `reproduce PAPER --table ID` end to end on stand-in presets (SPARSETICKETS_CONFIGS): a table whose rows are part
// of three presets trains those runs alone, each in its preset's sweep directory, and reports the table; the
// other runs of the presets are left for the tables that need them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers.js';

/** A seconds-long stand-in for a Sup-tickets preset: dense, RigL and GraNet ± Sup-tickets on synthetic data. */
function standIn(name: string): string {
  return JSON.stringify({
    name,
    runName: '{sparse.method|dense}{booster.kind?-sup}-s{seed}',
    base: {
      model: 'lenet300',
      width: 0.25,
      dataset: 'synthetic',
      epochs: 4,
      batch: 64,
      threads: 1,
      evalEvery: 10,
      optimizer: { lr: 0.1 },
      schedule: { milestoneEpochs: [2, 3], cycleEpochs: 1 },
    },
    grid: { seed: [0] },
    blocks: [
      { cells: [{}] },
      {
        base: { sparse: { sparsity: 0.9, updateInterval: 4 } },
        cells: [
          { sparse: { method: 'rigl' } },
          { sparse: { method: 'granet', pruneEndEpoch: 1 } },
          { sparse: { method: 'granet', pruneEndEpoch: 1 }, booster: { kind: 'suptickets', cycleRate: 0.5 } },
        ],
      },
    ],
  });
}

test('reproduce --table runs the part of each preset its rows need, then reports the table', () => {
  const root = mkdtempSync(join(tmpdir(), 'st-tables-'));
  const configs = join(root, 'configs');
  mkdirSync(join(configs, 'suptickets', 'full'), { recursive: true });
  for (const f of ['vgg16', 'resnet50', 'wrn-28-10'])
    writeFileSync(join(configs, 'suptickets', 'full', `${f}.yaml`), standIn(`standin-${f}`));
  const runs = join(root, 'runs');
  const env = { SPARSETICKETS_CONFIGS: configs };
  // Table 4: the dense and GraNet + Sup-tickets runs of the three presets.
  const dry = runCli(['reproduce', 'suptickets', '--table', '4', '--dry-run', '--json', '--runs-dir', runs], env);
  assert.equal(dry.code, 0, dry.stderr);
  const doc = JSON.parse(dry.stdout) as { sweeps: { sweep: string; runs: { name: string }[] }[] };
  assert.deepEqual(
    doc.sweeps.map((s) => [s.sweep, s.runs.map((r) => r.name)]),
    ['vgg16', 'resnet50', 'wrn-28-10'].map((f) => [`standin-${f}`, ['dense-s0', 'granet-sup-s0']]),
  );
  const r = runCli(['reproduce', 'suptickets', '--table', '4', '--runs-dir', runs, '--jobs', '2', '--quiet'], env);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['vgg16', 'resnet50', 'wrn-28-10']) {
    const dir = join(runs, `standin-${f}`);
    assert.ok(existsSync(join(dir, 'dense-s0', 'summary.json')));
    assert.ok(existsSync(join(dir, 'granet-sup-s0', 'summary.json')));
    assert.ok(!existsSync(join(dir, 'rigl-s0')), 'a run Table 4 does not need was trained');
  }
  assert.ok(existsSync(join(runs, 'reports', 'suptickets-table-4', 'report.md')));
  assert.match(r.stdout, /## suptickets Table 4: GraNet \+ Sup-tickets vs dense/);
  // Table 1 (all of the VGG-16 preset) finds its two runs finished and trains the other two.
  const t1 = runCli(['reproduce', 'suptickets', '--table', '1', '--dry-run', '--runs-dir', runs], env);
  assert.equal(t1.code, 0, t1.stderr);
  assert.match(t1.stdout, /dense-s0 {2}r[0-9a-f]+ {2}finished \(skip\)/);
  assert.match(t1.stdout, /rigl-s0 {2}r[0-9a-f]+ {2}train/);
  assert.deepEqual(
    readdirSync(join(runs, 'standin-vgg16'))
      .filter((d) => d.endsWith('-s0'))
      .sort(),
    ['dense-s0', 'granet-sup-s0'],
  );
});
