#!/usr/bin/env node
// Sup-tickets tables (docs/RESULTS.md) from run directories named <model>-<method>[-sup]-<sparsity>-s<seed>:
// per cell the base method's final test accuracy, the +Sup-tickets ultimate ticket's, its last un-averaged
// network's and the prediction ensemble of its cheap tickets (mean ± std over seeds, NLL and ECE too), and the
// two-sample Kolmogorov–Smirnov exact p-value of base vs +Sup-tickets (scipy.stats.ks_2samp, Debian's
// python3-scipy; SPEC §10). Writes the per-run numbers to --json FILE (docs/results/) when asked.
//   node scripts/results/suptickets_summary.mjs RUNS_DIR [--json FILE]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const [dir = 'runs'] = args;
const cells = new Map();
const perRun = {};
for (const name of readdirSync(dir).sort()) {
  const file = join(dir, name, 'summary.json');
  const m = name.match(/^(.+?)-([a-z]+)(-sup)?-([\d.]+)-s(\d+)$/);
  if (!m || !existsSync(file)) continue;
  const s = JSON.parse(readFileSync(file, 'utf8'));
  if (s.status !== 'completed') continue;
  const [, model, method, sup, sparsity, seed] = m;
  const key = `${model} ${method} ${sparsity}`;
  if (!cells.has(key)) cells.set(key, { base: [], sup: [] });
  const pick = (x) => ({ acc: 100 * x.test.accuracy, nll: x.test.nll, ece: x.test.ece });
  const rec = sup
    ? { seed, ultimate: pick(s.suptickets.ultimate), last: pick(s.suptickets.last), ensemble: pick(s.suptickets.ensemble) }
    : { seed, final: pick(s.final) };
  cells.get(key)[sup ? 'sup' : 'base'].push(rec);
  perRun[name] = { ...rec, density: s.sparse.density, training_flops: s.sparse.training_flops, wall_seconds: Math.round(s.wall_seconds), isa: s.isa, threads: s.threads, suptickets: s.suptickets && { tickets: s.suptickets.tickets, normal_epochs: s.suptickets.normal_epochs, cyclic_epochs: s.suptickets.cyclic_epochs, budget: s.suptickets.budget, ultimate_nnz: s.suptickets.ultimate_nnz } };
}
const stat = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${m.toFixed(2)} ± ${sd.toFixed(2)}`;
};
const stat3 = (xs, d = 3) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return m.toFixed(d);
};
function ksPValue(a, b) {
  if (a.length < 2 || b.length < 2) return 'n/a';
  const py = `import json,sys; from scipy.stats import ks_2samp; a,b=json.load(sys.stdin); r=ks_2samp(a,b,method='exact'); print(json.dumps([r.statistic,r.pvalue]))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify([a, b]), encoding: 'utf8' });
  if (r.status !== 0) return 'n/a (scipy missing)';
  const [d, p] = JSON.parse(r.stdout);
  return `D ${d.toFixed(2)}, p ${p.toFixed(3)}`;
}
console.log('| model · method · sparsity | seeds | base | +Sup-tickets (ultimate) | its last network | ensemble of its cheap tickets | KS base vs +Sup |');
console.log('|---|---|---|---|---|---|---|');
for (const [key, c] of cells) {
  const col = (rs, k) => (rs.length ? stat(rs.map((r) => r[k].acc)) : '—');
  console.log(`| ${key} | ${c.base.length} / ${c.sup.length} | ${col(c.base, 'final')} | ${col(c.sup, 'ultimate')} | ${col(c.sup, 'last')} | ${col(c.sup, 'ensemble')} | ${ksPValue(c.base.map((r) => r.final.acc), c.sup.map((r) => r.ultimate.acc))} |`);
}
console.log('\nTest NLL / ECE (means):\n');
console.log('| model · method · sparsity | base NLL / ECE | ultimate NLL / ECE | last NLL / ECE | ensemble NLL / ECE |');
console.log('|---|---|---|---|---|');
for (const [key, c] of cells) {
  const col = (rs, k) => (rs.length ? `${stat3(rs.map((r) => r[k].nll))} / ${stat3(rs.map((r) => r[k].ece))}` : '—');
  console.log(`| ${key} | ${col(c.base, 'final')} | ${col(c.sup, 'ultimate')} | ${col(c.sup, 'last')} | ${col(c.sup, 'ensemble')} |`);
}
if (jsonFile) {
  writeFileSync(jsonFile + '.tmp', JSON.stringify(perRun, null, 1) + '\n');
  renameSync(jsonFile + '.tmp', jsonFile);
}
