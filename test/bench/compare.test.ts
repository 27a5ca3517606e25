// The interleaved comparison with the PyTorch anchor (bench/compare.ts), on the smallest model: both engines
// timed each round, the ratio taken per round, the report written atomically with both processes' peak RSS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const compare = fileURLToPath(new URL('../../bench/compare.js', import.meta.url));
import { needs } from '../helpers.js';

const anchor = fileURLToPath(new URL('../../../bench/pytorch_reference.py', import.meta.url));

test(
  'compare: one round of lenet300 dense and sparse against the anchor',
  { skip: needs({ files: [anchor], torch: true }) },
  () => {
    const out = join(mkdtempSync(join(tmpdir(), 'compare-')), 'report.json');
    const args = [compare, '--models', 'lenet300', '--sparsity', '0,0.9', '--mode', 'sparse', '--rounds', '2'];
    const r = spawnSync(process.execPath, [...args, '--threads', '1', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(out + '.tmp'));
    const report = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(report.rows.length, 2);
    for (const row of report.rows) {
      assert.equal(row.ours.length, 2);
      assert.equal(row.pytorch.length, 2);
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(row.ratios[i] - row.ours[i] / row.pytorch[i]) < 1e-12);
      assert.ok(row.peak_rss_mb > 0 && row.pytorch_peak_rss_mb > 0, JSON.stringify(row));
    }
    assert.equal(report.rows[0].mode, 'dense');
    assert.equal(report.rows[1].mode, 'sparse');
    assert.ok(report.rows[1].flops_ratio > 0.05 && report.rows[1].flops_ratio < 0.2, `${report.rows[1].flops_ratio}`);
    assert.match(r.stdout, /\| lenet300 \| 0\.9 \| sparse \|/);
    assert.match(r.stdout, /share of the bound/);
  },
);
