// `sparsetickets reproduce <paper> --scale S`: a paper's preset sweep (configs/<paper>/<scale>.yaml), run, then
// reported.
import { join } from 'node:path';
import { parseCommandLine, type CommandSpec } from '../args.js';
import { planSweepFile } from '../../experiments/sweep_file.js';
import { PAPERS, presetFile, SCALES } from '../../experiments/reproduce.js';
import { buildReport, toJson, toMarkdown } from '../../experiments/report.js';
import { writeReport } from '../../experiments/report_files.js';
import { EXECUTION_OPTIONS, executeSweep, executionSettings, finishSweep } from './sweep.js';

const spec: CommandSpec = {
  name: 'reproduce',
  summary:
    "Reproduce a paper's table with one command: runs the preset sweep configs/<paper>/<scale>.yaml shipped with\n" +
    'the package (tiny: a smoke run of a few minutes; small: the reduced scale of docs/RESULTS.md; full: the\n' +
    "paper's own settings, days of CPU), then writes the report into runs/<sweep>/report/ and prints its table\n" +
    `(--json: {"rows": …} as 'report --json'). Papers: ${PAPERS.join(', ')} (freetickets comes with its\n` +
    'issue). Like sweep: re-running skips finished runs and resumes interrupted ones.',
  positionals: { usage: 'PAPER', min: 1, max: 1 },
  options: {
    scale: { type: 'string', value: 'S', default: 'small', choices: SCALES, description: 'preset scale' },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: "override the preset's dataDir (CIFAR presets: ../shared/datasets/cifar10-jpeg)",
    },
    ...EXECUTION_OPTIONS,
  },
  examples: [
    'sparsetickets reproduce sparse-core --scale tiny',
    'sparsetickets reproduce sparse-core --scale small --jobs 2          # docs/RESULTS.md, the lenet300 table',
    'sparsetickets reproduce suptickets --scale full --dry-run          # Table 1 of the paper: list its runs',
    'sparsetickets reproduce suptickets --scale small --queue redis://10.0.0.5:6379',
  ],
};

export const reproduceCommand = {
  summary: "run a paper's preset sweep and print its table (sparse-core, suptickets, lottery-pools, spending)",
  async run(argv: string[]): Promise<void> {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const { values: v, positionals } = parsed;
    const file = presetFile(positionals[0], String(v.scale));
    const settings = executionSettings('reproduce', v);
    const plan = planSweepFile(file, v['data-dir'] === undefined ? [] : [`dataDir=${String(v['data-dir'])}`]);
    const outcome = await executeSweep('reproduce', plan, settings);
    if (!outcome) return;
    if (outcome.results.some((r) => r.status === 'completed')) {
      const rep = buildReport([outcome.dir]);
      const w = await writeReport(
        rep,
        join(outcome.dir, 'report'),
        `${positionals[0]} (${String(v.scale)}): ${plan.description ?? plan.sweep}`,
      );
      if (!settings.quiet) process.stderr.write(`reproduce: report in ${w.dir}/report.html (and report.md, plots/)\n`);
      process.stdout.write(settings.json ? toJson(rep) : toMarkdown(rep));
    }
    finishSweep('reproduce', outcome);
  },
};
