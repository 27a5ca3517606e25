// "Spending the lottery better" Table A2/A3 shape from `sparsetickets report runs/spending-small --json`: one row per
// target ticket (its conv sparsity), test accuracy of each tweak set (mean ± std over seeds, best in bold); then, at
// the targets the pipeline evaluated, the Hessian's top eigenvalue and the activation sparsity of each tweak set.
//   node dist/src/cli/main.js report runs/spending-small --json --no-files | node scripts/results/spending_table.mjs
import { readFileSync } from 'node:fs';

const rep = JSON.parse(readFileSync(0, 'utf8'));
const rows = rep.rows.filter((r) => r.config.row?.tweaks !== undefined);
const sets = [...new Set(rows.map((r) => r.config.row.tweaks))];
const targets = [...new Set(rows.map((r) => r.config.row.target))].sort((a, b) => a - b);
const cell = (t, s) => rows.find((r) => r.config.row.target === t && r.config.row.tweaks === s);
const pm = (m, scale = 100, digits = 2) =>
  m ? `${(scale * m.mean).toFixed(digits)} ± ${(scale * (m.std ?? 0)).toFixed(digits)}` : '—';
const sparsity = (t) => (100 * (1 - cell(t, sets[0]).config.row.density)).toFixed(2);

const lines = [
  `| target | conv sparsity % | n | ${sets.map((s) => `${s} test acc %`).join(' | ')} |`,
  `|---|---|---|${sets.map(() => '---').join('|')}|`,
];
for (const t of targets) {
  const cells = sets.map((s) => cell(t, s));
  const best = Math.max(...cells.map((r) => r?.metrics.test_accuracy?.mean ?? -1));
  const accs = cells.map((r) => {
    const text = pm(r?.metrics.test_accuracy);
    return r?.metrics.test_accuracy?.mean === best ? `**${text}**` : text;
  });
  lines.push(`| ${t} | ${sparsity(t)} | ${cells[0].n} | ${accs.join(' | ')} |`);
}

const evaluated = targets.filter((t) => sets.some((s) => cell(t, s)?.metrics.hessian));
if (evaluated.length) {
  lines.push(
    '',
    '| target | conv sparsity % | tweaks | test acc % | test NLL | test ECE | Hessian top eigenvalue | activation sparsity % |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const t of evaluated)
    for (const s of sets) {
      const m = cell(t, s)?.metrics ?? {};
      lines.push(
        `| ${t} | ${sparsity(t)} | ${s} | ${pm(m.test_accuracy)} | ${pm(m.test_nll, 1, 4)} | ${pm(m.test_ece, 1, 4)} | ` +
          `${pm(m.hessian, 1, 1)} | ${pm(m.activation_sparsity)} |`,
      );
    }
}
process.stdout.write(lines.join('\n') + '\n');
