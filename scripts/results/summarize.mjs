#!/usr/bin/env node
// Mean ± std (over seeds) of the final test accuracy of runs whose names share everything but '-s<seed>'.
// With --json FILE, also writes each run's final metrics, sparse accounting and timing (the files in docs/results/).
//   node scripts/results/summarize.mjs RUNS_DIR [NAME_PREFIX] [--json FILE]
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args.splice(jsonAt, 2)[1] : undefined;
const [dir = 'runs', prefix = ''] = args;
const groups = new Map();
const perRun = {};
for (const name of readdirSync(dir).sort()) {
  const file = join(dir, name, 'summary.json');
  if (!name.startsWith(prefix) || !existsSync(file)) continue;
  const s = JSON.parse(readFileSync(file, 'utf8'));
  if (s.status !== 'completed') continue;
  perRun[name] = {
    test_accuracy: s.final.test.accuracy, test_nll: s.final.test.nll, test_ece: s.final.test.ece,
    val_accuracy: s.final.val?.accuracy,
    sparse: s.sparse && { method: s.sparse.method, sparsity: s.sparse.sparsity, density: s.sparse.density, training_flops: s.sparse.training_flops, mask_updates: s.sparse.mask_updates },
    wall_seconds: Math.round(s.wall_seconds * 10) / 10, seconds: s.seconds, threads: s.threads, isa: s.isa,
  };
  const key = name.replace(/-s\d+$/, '');
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push({ seed: name.match(/-s(\d+)$/)?.[1], acc: 100 * s.final.test.accuracy, flops: s.sparse?.training_flops ?? 1, density: s.sparse?.density ?? 1, secs: s.wall_seconds });
}
const stat = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return { m, sd };
};
console.log('| run | seeds | test accuracy % (mean ± std) | final density | training FLOPs (× dense) | wall s/run |');
console.log('|---|---|---|---|---|---|');
for (const [key, rs] of groups) {
  const a = stat(rs.map((r) => r.acc));
  console.log(`| ${key} | ${rs.length} | ${a.m.toFixed(2)} ± ${a.sd.toFixed(2)} | ${rs[0].density.toFixed(4)} | ${rs[0].flops.toFixed(3)} | ${stat(rs.map((r) => r.secs)).m.toFixed(0)} |`);
}
if (jsonFile) {
  writeFileSync(`${jsonFile}.tmp`, JSON.stringify(perRun, null, 1) + '\n');
  renameSync(`${jsonFile}.tmp`, jsonFile);
}
