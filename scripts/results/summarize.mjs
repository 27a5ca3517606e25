#!/usr/bin/env node
// Mean ± std (over seeds) of the final test accuracy of runs whose names share everything but '-s<seed>'.
//   node scripts/results/summarize.mjs RUNS_DIR [NAME_PREFIX]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'runs', prefix = ''] = process.argv.slice(2);
const groups = new Map();
for (const name of readdirSync(dir).sort()) {
  const file = join(dir, name, 'summary.json');
  if (!name.startsWith(prefix) || !existsSync(file)) continue;
  const s = JSON.parse(readFileSync(file, 'utf8'));
  if (s.status !== 'completed') continue;
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
