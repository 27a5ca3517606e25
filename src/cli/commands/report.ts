// `sparsetickets report DIR…`: paper-style tables and plots of the runs under the directories.
import { join } from 'node:path';
import { parseCommandLine, type CommandSpec } from '../args.js';
import { buildReport, toCsv, toJson, toLatex, toMarkdown } from '../../experiments/report.js';
import { writeReport } from '../../experiments/report_files.js';
import { checkWritable } from '../../experiments/sweep.js';

const FORMATS = ['md', 'csv', 'json', 'latex'] as const;

const spec: CommandSpec = {
  name: 'report',
  summary:
    'Tables and plots of the runs under DIR… (sweep directories, runs directories or run directories). Runs are\n' +
    'grouped by every config key but the seed; each group: mean ± sample std over its completed runs, with n;\n' +
    "best per column in bold; a note where a sweep's manifest planned runs that have no result. Metrics: test_accuracy,\n" +
    'test_nll, test_ece, val_accuracy, density, training_flops, and for Sup-tickets runs ultimate_/last_/ensemble_\n' +
    "test_accuracy, _nll, _ece; a pipeline (Lottery Pools) or a sweep's ensembles stage adds one row per result\n" +
    '(row.* columns) with corruption_accuracy, ood_*_auroc, fgsm_accuracy, parameters, seconds_per_candidate\n' +
    '(accuracies as fractions in JSON and CSV, in % in the tables). Writes --out\n' +
    '(report.md, .csv, .json, .tex, report.html: one self-contained page; plots/*.svg and *.png: accuracy vs\n' +
    'sparsity per method, vs training FLOPs, vs wall-clock, training curves) and prints the table on stdout.',
  positionals: { usage: 'DIR...', min: 1 },
  options: {
    out: { type: 'string', value: 'DIR', description: 'where to write the report files [default: <first DIR>/report]' },
    format: { type: 'string', value: 'F', default: 'md', choices: FORMATS, description: 'the table printed on stdout' },
    'no-files': { type: 'boolean', description: 'print only; write no files' },
    title: { type: 'string', value: 'TEXT', description: 'title of the page [default: the directories]' },
    json: {
      type: 'boolean',
      description: 'print {"rows": [{"config", "label", "n", "metrics": {name: {mean, std}}, "time", …}]}',
    },
  },
  examples: [
    'sparsetickets report runs/lenet300-sparse',
    'sparsetickets report runs/a runs/b --out docs/report --format latex',
    'sparsetickets report runs/lenet300-sparse --json | jq ".rows[].metrics.test_accuracy"',
  ],
};

export const reportCommand = {
  summary: 'tables (Markdown, CSV, JSON, LaTeX), plots and an HTML page of runs',
  async run(argv: string[]): Promise<void> {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const { values: v, positionals: dirs } = parsed;
    const rep = buildReport(dirs);
    if (!v['no-files']) {
      const out = v.out === undefined ? join(dirs[0], 'report') : String(v.out);
      checkWritable(out, 'report');
      const w = await writeReport(rep, out, v.title === undefined ? `Report: ${dirs.join(', ')}` : String(v.title));
      process.stderr.write(
        `report: ${rep.runs} runs, ${rep.rows.length} groups; wrote ${w.dir}/report.html, report.{md,csv,json,tex}, ${w.plots.length} plots\n`,
      );
    }
    const format = v.json ? 'json' : String(v.format);
    process.stdout.write(
      format === 'json'
        ? toJson(rep)
        : format === 'csv'
          ? toCsv(rep)
          : format === 'latex'
            ? toLatex(rep)
            : toMarkdown(rep),
    );
  },
};
