// `sparsetickets reproduce <paper> --scale S`: a paper's preset sweep (configs/<paper>/<scale>.yaml), run, then
// reported; at full scale a paper is a set of tables (`--table ID`, `--list`; experiments/tables.ts), each the runs
// of one or more presets of configs/<paper>/full/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, UsageError, type CommandSpec } from '../args.js';
import { planSweepFile, type SweepPlan } from '../../experiments/sweep_file.js';
import { PAPERS, presetFile, SCALES } from '../../experiments/reproduce.js';
import { buildReport, toJson, toMarkdown } from '../../experiments/report.js';
import { writeReport } from '../../experiments/report_files.js';
import { sweepDir, type SweepOutcome } from '../../experiments/sweep.js';
import {
  findTable,
  formatTableLines,
  fullIndex,
  partRuns,
  tableLine,
  tableLinesJson,
  tableParts,
  TABLE_PAPERS,
  type LoadedPreset,
  type PaperTable,
  type TablePart,
} from '../../experiments/tables.js';
import { CPU_STEP_TIMES, GPU_STEP_TIMES, type StepTimeTable } from '../../experiments/step_times.js';
import { benchmarkTrainingStep } from '../benchmark.js';
import { EXECUTION_OPTIONS, executeSweep, executionSettings, finishSweep, type ExecutionSettings } from './sweep.js';

const spec: CommandSpec = {
  name: 'reproduce',
  summary:
    "Reproduce a paper's table with one command: runs the preset sweep configs/<paper>/<scale>.yaml shipped with\n" +
    'the package (tiny: a smoke run of a few minutes; small: the reduced scale of docs/RESULTS.md), then writes the\n' +
    'report into runs/<sweep>/report/ and prints its table (--json: {"rows": …} as \'report --json\').\n' +
    `At full scale (the paper's own settings) ${TABLE_PAPERS.join(', ')} are sets of tables: --table ID runs one\n` +
    '(the presets of configs/<paper>/full/ it needs, or the part of them that makes its rows), --scale full alone\n' +
    'all of them, --list shows them with their runs and the CPU and GPU hours they would take. Presets that need a\n' +
    'dataset this installation lacks (ImageNet) are listed and refused. Like sweep: re-running skips finished runs\n' +
    `and resumes interrupted ones. Papers: ${PAPERS.join(', ')}.`,
  positionals: { usage: 'PAPER', min: 1, max: 1 },
  options: {
    scale: {
      type: 'string',
      value: 'S',
      choices: SCALES,
      description: 'preset scale [default: small; full with --table]',
    },
    table: { type: 'string', value: 'ID', description: "one of the paper's tables at full scale (--list shows them)" },
    list: {
      type: 'boolean',
      description: "list the paper's full-scale tables: presets, runs, estimated CPU and GPU hours",
    },
    measure: {
      type: 'boolean',
      description: "with --list: time each CIFAR model's training step on this machine first (bench, 2 steps each)",
    },
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
    'sparsetickets reproduce suptickets --list                          # the paper’s tables, runs, hours',
    'sparsetickets reproduce suptickets --table 1 --dry-run             # Table 1 of the paper: list its runs',
    'sparsetickets reproduce freetickets --scale full --queue redis://10.0.0.5:6379   # every table, on workers',
  ],
};

/** Step times of this machine's CPU for the zoo models of the given runs, timed now with bench. */
function measureCpu(models: string[], threads: number, quiet: boolean): StepTimeTable {
  const measured: StepTimeTable['models'] = {};
  for (const model of models) {
    if (!(model in CPU_STEP_TIMES.models)) continue;
    if (!quiet) process.stderr.write(`reproduce: timing ${model} (batch 128, ${threads} threads, 2 steps)\n`);
    const r = benchmarkTrainingStep({
      model,
      batch: 128,
      threads,
      sparsity: 0,
      mode: 'dense',
      steps: 2,
      warmup: 1,
      width: 1,
      backend: 'auto',
      seed: 0,
    });
    measured[model] = { ms: r.ms_per_step, batch: 128 };
  }
  return {
    device: CPU_STEP_TIMES.device,
    source:
      `sparsetickets bench --batch 128 --threads ${threads} --steps 2, timed now on this machine: ` +
      `${Object.keys(measured).join(', ') || 'no zoo model'}; the other models as recorded (step_times.ts)`,
    models: { ...CPU_STEP_TIMES.models, ...measured },
  };
}

/** Runs (or lists, with --dry-run) the parts of some tables, each preset's sweep once, then reports each table. */
async function runTables(
  paper: string,
  tables: PaperTable[],
  parts: Map<PaperTable, TablePart[]>,
  settings: ExecutionSettings,
  json: boolean,
): Promise<void> {
  // Refused presets once each, with the union of the runs the tables would take from them.
  const refusedBy = new Map<string, TablePart>();
  for (const p of tables.flatMap((t) => parts.get(t)!.filter((x) => x.preset.unavailable))) {
    const have = refusedBy.get(p.preset.path);
    refusedBy.set(p.preset.path, {
      ...p,
      runs: have ? p.preset.runs.filter((r) => have.runs.includes(r) || p.runs.includes(r)) : p.runs,
    });
  }
  const refused = [...refusedBy.values()];
  const runnable = tables.flatMap((t) => parts.get(t)!.filter((p) => !p.preset.unavailable));
  if (!settings.dryRun && runnable.length === 0) {
    const p = refused[0].preset;
    throw new UsageError(`reproduce: ${paper} table ${tables.map((t) => t.id).join(', ')}: ${p.file} ${p.unavailable}`);
  }
  // Each preset's sweep once, with the union of the runs the selected tables need from it.
  const bySweep = new Map<string, { preset: LoadedPreset; ids: Set<string> }>();
  for (const p of runnable) {
    const have = bySweep.get(p.preset.path) ?? { preset: p.preset, ids: new Set<string>() };
    for (const r of p.plan!.runs) have.ids.add(r.id);
    bySweep.set(p.preset.path, have);
  }
  const plans = [...bySweep.values()].map(({ preset, ids }) => ({
    preset,
    plan: { ...preset.plan!, runs: preset.plan!.runs.filter((r) => ids.has(r.id)) } as SweepPlan,
  }));
  if (settings.dryRun && json) {
    process.stdout.write(
      JSON.stringify(
        {
          paper,
          sweeps: [
            ...plans.map(({ preset, plan }) => ({
              sweep: plan.sweep,
              file: `configs/${paper}/full/${preset.file}`,
              dir: sweepDir(settings.runsDir, plan.sweep),
              runs: plan.runs.map((r) => ({ id: r.id, name: r.name, point: r.point })),
            })),
            ...refused.map((p) => ({
              sweep: p.preset.sweep,
              file: `configs/${paper}/full/${p.preset.file}`,
              refused: p.preset.unavailable,
              runs: p.runs.map((r) => ({ name: r.name })),
            })),
          ],
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const outcomes = new Map<string, SweepOutcome>();
  for (const { preset, plan } of plans) {
    if (settings.dryRun) {
      await executeSweep('reproduce', plan, { ...settings, json: false });
      continue;
    }
    if (!settings.quiet) process.stderr.write(`reproduce: ${paper} ${preset.file}: ${plan.runs.length} runs\n`);
    const outcome = await executeSweep('reproduce', plan, settings);
    if (outcome) outcomes.set(preset.path, outcome);
    if (outcome?.interrupted) break;
  }
  if (settings.dryRun) {
    for (const p of refused)
      process.stdout.write(
        `sweep ${p.preset.sweep}: ${p.runs.length} runs, refused: ${p.preset.unavailable}\n` +
          p.runs.map((r) => `  ${r.name}  refused\n`).join(''),
      );
    return;
  }
  // One report per table, over the run directories of its rows (a whole sweep's when the table has all of it:
  // its ensembles stage's results too).
  let failed: SweepOutcome | undefined;
  for (const o of outcomes.values()) if (o.interrupted || o.results.some((r) => r.status !== 'completed')) failed ??= o;
  for (const t of tables) {
    const dirs: string[] = [];
    for (const p of parts.get(t)!) {
      if (p.preset.unavailable) continue;
      const dir = sweepDir(settings.runsDir, p.preset.sweep);
      if (p.runs.length === p.preset.runs.length) dirs.push(dir);
      else dirs.push(...p.runs.map((r) => join(dir, r.name)).filter((d) => existsSync(join(d, 'summary.json'))));
    }
    const done = dirs.filter((d) => existsSync(d));
    if (done.length === 0) continue;
    let rep;
    try {
      rep = buildReport(done);
    } catch {
      continue; // nothing finished yet
    }
    const w = await writeReport(
      rep,
      join(settings.runsDir, 'reports', `${paper}-table-${t.id}`),
      `${paper} Table ${t.id}: ${t.title}`,
    );
    if (!settings.quiet) process.stderr.write(`reproduce: Table ${t.id}: report in ${w.dir}/report.html\n`);
    process.stdout.write(json ? toJson(rep) : `## ${paper} Table ${t.id}: ${t.title}\n\n${toMarkdown(rep)}\n`);
  }
  for (const p of refused) process.stderr.write(`reproduce: ${p.preset.file} was not run: ${p.preset.unavailable}\n`);
  if (failed) finishSweep('reproduce', failed);
}

export const reproduceCommand = {
  summary:
    "run a paper's preset sweep and print its table (sparse-core, suptickets, lottery-pools, freetickets, spending)",
  async run(argv: string[]): Promise<void> {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const { values: v, positionals } = parsed;
    const paper = positionals[0];
    if (!(PAPERS as readonly string[]).includes(paper))
      throw new UsageError(`reproduce: unknown paper '${paper}'; valid: ${PAPERS.join(', ')}`);
    const tabled = TABLE_PAPERS.includes(paper);
    const table = v.table === undefined ? undefined : String(v.table);
    const scale = v.scale === undefined ? (table !== undefined || v.list ? 'full' : 'small') : String(v.scale);
    if ((table !== undefined || v.list) && scale !== 'full')
      throw new UsageError(
        `reproduce: --${table !== undefined ? 'table' : 'list'} is for the full scale (the paper's own settings), not --scale ${scale}`,
      );
    if (v.measure && !v.list) throw new UsageError('reproduce: --measure goes with --list');
    const overrides = v['data-dir'] === undefined ? [] : [`dataDir=${String(v['data-dir'])}`];

    if (scale === 'full' && tabled) {
      const tables = table !== undefined ? [findTable(paper, table)] : fullIndex(paper).tables;
      const cache = new Map<string, LoadedPreset>();
      const parts = new Map(tables.map((t) => [t, tableParts(t, overrides, cache)] as const));
      const settings = executionSettings('reproduce', v);
      const cpu = v.measure
        ? measureCpu(
            [...new Set([...parts.values()].flatMap((ps) => partRuns(ps).map((r) => String(r.config.model))))],
            settings.threadsPerJob > 1 ? settings.threadsPerJob : 2,
            settings.quiet,
          )
        : CPU_STEP_TIMES;
      const lines = tables.map((t) => tableLine(t, parts.get(t)!, cpu, GPU_STEP_TIMES));
      const all =
        tables.length > 1
          ? tableLine(
              { paper, id: 'all', title: '', source: '', presets: [] },
              [...parts.values()].flat(),
              cpu,
              GPU_STEP_TIMES,
            )
          : undefined;
      if (v.list) {
        process.stdout.write(
          settings.json
            ? JSON.stringify(tableLinesJson(paper, lines, cpu, GPU_STEP_TIMES, all), null, 2) + '\n'
            : `${paper}: the paper's tables at full scale\n` + formatTableLines(paper, lines, cpu, GPU_STEP_TIMES, all),
        );
        return;
      }
      await runTables(paper, tables, parts, settings, settings.json);
      if (settings.dryRun && !settings.json)
        process.stdout.write('\n' + formatTableLines(paper, lines, cpu, GPU_STEP_TIMES, all));
      return;
    }

    if (table !== undefined)
      throw new UsageError(`reproduce: ${paper} has no paper tables (--table is for ${TABLE_PAPERS.join(', ')})`);
    const file = presetFile(paper, scale);
    const settings = executionSettings('reproduce', v);
    const plan = planSweepFile(file, overrides);
    const outcome = await executeSweep('reproduce', plan, settings);
    if (!outcome) return;
    if (outcome.results.some((r) => r.status === 'completed')) {
      const rep = buildReport([outcome.dir]);
      const w = await writeReport(
        rep,
        join(outcome.dir, 'report'),
        `${paper} (${scale}): ${plan.description ?? plan.sweep}`,
      );
      if (!settings.quiet) process.stderr.write(`reproduce: report in ${w.dir}/report.html (and report.md, plots/)\n`);
      process.stdout.write(settings.json ? toJson(rep) : toMarkdown(rep));
    }
    finishSweep('reproduce', outcome);
  },
};
