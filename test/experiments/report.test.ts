// report: grouping by every key but the seed, mean ± sample std with n, best per column in bold, missing runs
// flagged, the four table formats, the plots (SVG and PNG), and the HTML page rendered in headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildReport, toCsv, toLatex, toMarkdown } from '../../src/experiments/report.js';
import { writeReport } from '../../src/experiments/report_files.js';
import { needs, runCli } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';

const config = (method: string, seed: number) => ({
  model: 'lenet300',
  dataset: 'mnist',
  epochs: 2,
  seed,
  optimizer: { lr: 0.1 },
  ...(method === 'dense' ? {} : { sparse: { method, sparsity: 0.9 } }),
  name: `${method}-s${seed}`,
});

/** A sweep directory of hand-made runs: dense and rigl with the given test accuracies per seed, and a manifest
 * that also plans rigl seed 2 (missing). */
function fakeSweep(): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const sweep = join(dir, 'fake');
  const accs: Record<string, number[]> = { dense: [0.98, 0.96], rigl: [0.97, 0.975] };
  const manifest: { id: string; name: string; config: unknown; status: string; point: object }[] = [];
  for (const [method, xs] of Object.entries(accs)) {
    xs.forEach((acc, seed) => {
      const run = join(sweep, `${method}-s${seed}`);
      mkdirSync(run, { recursive: true });
      writeFileSync(join(run, 'config.json'), JSON.stringify(config(method, seed)));
      const flops = method === 'dense' ? 1 : 0.12;
      writeFileSync(
        join(run, 'summary.json'),
        JSON.stringify({
          status: 'completed',
          final: { test: { accuracy: acc, nll: 1 - acc, ece: 0.01 * (seed + 1) } },
          sparse: {
            method,
            sparsity: method === 'dense' ? 0 : 0.9,
            density: method === 'dense' ? 1 : 0.1,
            training_flops: flops,
            mask_updates: 0,
          },
          wall_seconds: 10 + seed,
          seconds: { train: 8, data: 1, eval: 1 },
        }),
      );
      writeFileSync(
        join(run, 'metrics.jsonl'),
        [1, 2]
          .map((e) =>
            JSON.stringify({
              epoch: e,
              eval: { test: { accuracy: acc - (2 - e) * 0.1 } },
              seconds: { train: 4, data: 0.5, eval: 0.5 },
            }),
          )
          .join('\n') + '\n',
      );
      manifest.push({
        id: `${method}${seed}`,
        name: `${method}-s${seed}`,
        config: config(method, seed),
        status: 'completed',
        point: {},
      });
    });
  }
  manifest.push({ id: 'rigl2', name: 'rigl-s2', config: config('rigl', 2), status: 'pending', point: {} });
  writeFileSync(join(sweep, 'sweep.json'), JSON.stringify({ sweep: 'fake', runs: manifest }));
  return sweep;
}

test('report: groups by every key but the seed; mean ± sample std with n; best in bold; missing flagged', () => {
  const rep = buildReport([fakeSweep()]);
  assert.equal(rep.rows.length, 2);
  assert.deepEqual(rep.keys, ['sparse.method', 'sparse.sparsity']);
  const [dense, rigl] = rep.rows;
  assert.deepEqual(dense.label, { 'sparse.method': 'dense', 'sparse.sparsity': 0 });
  assert.equal(dense.n, 2);
  assert.equal(dense.planned, 2);
  assert.equal(rigl.planned, 3);
  assert.ok(Math.abs(dense.metrics.test_accuracy.mean - 0.97) < 1e-12);
  // sample std of (0.98, 0.96): 0.01414…
  assert.ok(Math.abs(dense.metrics.test_accuracy.std! - Math.SQRT2 / 100) < 1e-12);
  assert.equal((rigl.config.sparse as { method: string }).method, 'rigl');
  assert.equal(rigl.config.seed, undefined);
  assert.deepEqual(rigl.seeds, [0, 1]);
  assert.deepEqual(
    rigl.curve.map((c) => c.epoch),
    [1, 2],
  );
  const md = toMarkdown(rep);
  // Best per column: dense's test accuracy 97.00 vs rigl's 97.25 → rigl bold; NLL lower is better → rigl bold.
  assert.match(md, /\| rigl \| 0\.9 \| 2 \| \*\*97\.25 ± 0\.35\*\* \| \*\*0\.0275 ± 0\.0035\*\*/);
  assert.match(md, /\| dense \| 0 \| 2 \| 97\.00 ± 1\.41 \|/);
  assert.match(md, /1 of 3 missing/);
  const csv = toCsv(rep).split('\n');
  assert.match(csv[0], /^sparse\.method,sparse\.sparsity,n,planned,failed,test_accuracy_mean,test_accuracy_std/);
  assert.match(csv[2], /^rigl,0\.9,2,3,0,0\.972\d*,/);
  const tex = toLatex(rep);
  assert.match(tex, /\\textbf\{97\.25 \$\\pm\$ 0\.35\}/);
  assert.match(tex, /sparse.method & sparse.sparsity & n/);
});

test(
  'report --json prints the rows; the files are written; the page renders in headless Chromium',
  { skip: needs({ files: [CHROMIUM] }) },
  async () => {
    const sweep = fakeSweep();
    const r = runCli(['report', sweep, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as {
      rows: { config: object; n: number; metrics: Record<string, { mean: number; std: number | null }> }[];
    };
    assert.equal(j.rows.length, 2);
    assert.equal(j.rows[1].n, 2);
    assert.ok(Math.abs(j.rows[1].metrics.test_accuracy.mean - 0.9725) < 1e-12);
    for (const f of [
      'report.md',
      'report.csv',
      'report.json',
      'report.tex',
      'report.html',
      'plots/accuracy_vs_sparsity.png',
      'plots/accuracy_vs_flops.svg',
      'plots/accuracy_vs_wallclock.png',
      'plots/training_curves.png',
    ])
      assert.ok(existsSync(join(sweep, 'report', f)), f);
    const png = readFileSync(join(sweep, 'report', 'plots', 'accuracy_vs_sparsity.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.match(
      readFileSync(join(sweep, 'report', 'plots', 'accuracy_vs_flops.svg'), 'utf8'),
      /<svg[\s\S]*training FLOPs/,
    );
    const out = join(sweep, 'page');
    const w = await writeReport(buildReport([sweep]), out, 'Test page');
    assert.equal(w.plots.length, 4);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.ok(
      !/https?:\/\/(?!vega\.github\.io)/.test(html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '')),
      'no outside resources',
    );
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(out, 'report.html')}`);
      // (the page's DOM, read in the browser; the expression is a string: this project compiles without DOM types)
      const seen = (await page.evaluate(`(() => ({
      rows: document.querySelectorAll('#results tbody tr').length,
      bold: [...document.querySelectorAll('#results tbody td b')].map((b) => b.textContent),
      flagged: document.querySelectorAll('#results tr.flagged').length,
      images: [...document.images].map((i) => ({ ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth, h: i.naturalHeight })),
    }))()`)) as { rows: number; bold: string[]; flagged: number; images: { ok: boolean; w: number; h: number }[] };
      assert.equal(seen.rows, 2);
      assert.ok(seen.bold.includes('97.25 ± 0.35'), JSON.stringify(seen.bold));
      assert.equal(seen.flagged, 1);
      assert.equal(seen.images.length, 4);
      assert.ok(
        seen.images.every((i) => i.ok && i.w > 400 && i.h > 300),
        JSON.stringify(seen.images),
      );
    } finally {
      await browser.close();
    }
  },
);
