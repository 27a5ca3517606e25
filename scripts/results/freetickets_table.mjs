// FreeTickets Table 1 shape from `sparsetickets report runs/freetickets-small --json`: one row per method
// (single dense, single DST, and the ensembles), per dataset. Usage:
//   node dist/src/cli/main.js report runs/freetickets-small --json --no-files | node scripts/results/freetickets_table.mjs
import { readFileSync } from 'node:fs';

const rep = JSON.parse(readFileSync(0, 'utf8'));
const pm = (m, pct, digits = 2) =>
  m ? `${(pct ? 100 * m.mean : m.mean).toFixed(digits)} ± ${((pct ? 100 : 1) * (m.std ?? 0)).toFixed(digits)}` : '—';
const find = (dataset, method, members, booster, pipeline) =>
  rep.rows.find(
    (r) =>
      r.config.dataset === dataset &&
      (r.config.sparse?.method ?? 'dense') === method &&
      (r.config.row?.members ?? null) === members &&
      (r.config.booster?.kind ?? null) === booster &&
      (r.config.pipeline?.kind ?? null) === pipeline,
  );
const lines = [];
for (const [dataset, oodName, oodKey] of [
  ['cifar10', 'corruptions s5', 'ood_corruption_auroc'],
  ['fashion-mnist', 'MNIST', 'ood_mnist_auroc'],
]) {
  lines.push(`\n${dataset}\n`);
  lines.push(
    `| method | n | test acc % | NLL | ECE | training FLOPs (× one dense run) | parameters | OOD AUROC Gaussian | OOD AUROC ${oodName} | FGSM acc % |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, method, members, booster, pipeline] of [
    ['single dense', 'dense', 1, null, null],
    ['single DST (RigL)', 'rigl', 1, null, null],
    ['Static Sparse Ensemble', 'static', 3, null, null],
    ['DST Ensemble', 'rigl', 3, null, null],
    ['EDST Ensemble', 'rigl', 3, 'edst', null],
    ['LTR Ensemble', 'gmp', 3, null, 'ltr-ensemble'],
    ['Dense Ensemble', 'dense', 3, null, null],
  ]) {
    const r = find(dataset, method, members, booster, pipeline);
    if (!r) {
      lines.push(`| ${label} | 0 | missing |||||||| `);
      continue;
    }
    const m = r.metrics;
    lines.push(
      `| ${label} | ${r.n} | ${pm(m.test_accuracy, true)} | ${pm(m.test_nll, false, 4)} | ${pm(m.test_ece, false, 4)} | ` +
        `${m.training_flops?.mean.toFixed(3) ?? '—'} | ${m.parameters?.mean.toFixed(0) ?? '—'} | ` +
        `${pm(m.ood_gaussian_auroc, false, 4)} | ${pm(m[oodKey], false, 4)} | ${pm(m.fgsm_accuracy, true)} |`,
    );
  }
}
process.stdout.write(lines.join('\n') + '\n');
