// Lottery Pools Table 1/8 shape from `sparsetickets report runs/lottery-pools-small --json`: one row per target
// ticket (its conv sparsity), test accuracy of LT and each method, and corruption accuracy of LT vs Lottery Pools.
//   node dist/src/cli/main.js report runs/lottery-pools-small --json --no-files | node scripts/results/lottery_pools_table.mjs
import { readFileSync } from 'node:fs';

const rep = JSON.parse(readFileSync(0, 'utf8'));
const methods = ['lt', 'pool', 'average', 'swa', 'ema', 'ensemble'];
const titles = ['LT', 'Lottery Pools', 'Average', 'SWA', 'EMA', 'output ensemble'];
const pm = (m) => (m ? `${(100 * m.mean).toFixed(2)} ± ${(100 * (m.std ?? 0)).toFixed(2)}` : '—');
const targets = [...new Set(rep.rows.map((r) => r.config.row?.target).filter((t) => t !== undefined))].sort((a, b) => a - b);
const cell = (t, m) => rep.rows.find((r) => r.config.row?.target === t && r.config.row?.method === m);
const lines = [
  `| target | conv sparsity % | n | ${titles.join(' | ')} | corruption acc %: LT | corruption acc %: Lottery Pools | s/candidate (pool) |`,
  `|---|---|---|${titles.map(() => '---').join('|')}|---|---|---|`,
];
for (const t of targets) {
  const rows = methods.map((m) => cell(t, m));
  const best = Math.max(...rows.map((r) => r?.metrics.test_accuracy?.mean ?? -1));
  const accs = rows.map((r) => {
    const text = pm(r?.metrics.test_accuracy);
    return r?.metrics.test_accuracy?.mean === best ? `**${text}**` : text;
  });
  const lt = cell(t, 'lt');
  const pool = cell(t, 'pool');
  lines.push(
    `| ${t} | ${(100 * (1 - lt.config.row.density)).toFixed(2)} | ${lt.n} | ${accs.join(' | ')} | ` +
      `${pm(lt.metrics.corruption_accuracy)} | ${pm(pool?.metrics.corruption_accuracy)} | ` +
      `${pool?.metrics.seconds_per_candidate?.mean.toFixed(1) ?? '—'} |`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
