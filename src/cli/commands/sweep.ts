// `sparsetickets sweep FILE.yaml`: a grid of runs on a local pool of child processes, or on a BullMQ queue
// (--queue) for `sparsetickets worker`s on other machines. See docs/GUIDE.md, "Sweeps, workers, reports,
// reproduce".
import { availableParallelism } from 'node:os';
import { runEnsembleStage } from '../../experiments/ensembles.js';
import { join } from 'node:path';
import { parseCommandLine, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import { countOption, optionalCount } from '../limits.js';
import { planSweepFile, type SweepPlan } from '../../experiments/sweep_file.js';
import { checkRedisUrl, runOnQueue } from '../../experiments/queue.js';
import { checkWritable, planTasks, runLocal, sweepDir, type SweepOutcome } from '../../experiments/sweep.js';
import { RunError } from '../../util/errors.js';
import { buildReport, toMarkdown } from '../../experiments/report.js';

/** Options shared by `sweep` and `reproduce`. */
export const EXECUTION_OPTIONS: CommandSpec['options'] = {
  'runs-dir': {
    type: 'string',
    value: 'DIR',
    default: 'runs',
    description: "parent of the sweep's directory (runs/<sweep>/<run>)",
  },
  jobs: {
    type: 'string',
    value: 'N',
    description: 'runs at once on this machine [default: the cores / --threads-per-job]',
  },
  'threads-per-job': {
    type: 'string',
    value: 'T',
    default: '1',
    description: "threads of each run (unless the sweep sets 'threads')",
  },
  queue: {
    type: 'string',
    value: 'URL',
    description:
      "redis://HOST:PORT: enqueue the runs on BullMQ for 'sparsetickets worker's instead of running them here",
  },
  'queue-name': { type: 'string', value: 'NAME', default: 'sparsetickets', description: 'the BullMQ queue' },
  'rerun-failed': {
    type: 'boolean',
    description: 'run again the runs that failed or diverged (default: keep their result)',
  },
  'dry-run': { type: 'boolean', description: 'list the runs (name, id, what would happen) and stop' },
  quiet: { type: 'boolean', description: 'no progress output' },
  json: { type: 'boolean', description: 'print one JSON document on stdout' },
};

const spec: CommandSpec = {
  name: 'sweep',
  summary:
    'Run a grid of training runs from a sweep file: base config × grid (W&B-style parameters: {key: {values: […]}},\n' +
    'or grid: {key: […]}) × cells, seeds included. Each run gets an id (a hash of its resolved config and the\n' +
    'package version) and the directory runs/<sweep>/<run>/ with its log.txt; runs/<sweep>/sweep.json lists them.\n' +
    'Run again, a sweep skips finished runs, resumes interrupted ones from their checkpoints, and leaves failed\n' +
    'ones unless --rerun-failed. Ctrl-C: the running runs save a checkpoint and stop (again: at once); exit 130.\n' +
    'With --queue the runs go on a BullMQ queue in Redis and the command collects their results as workers\n' +
    "(sparsetickets worker) finish them. Ends by printing the sweep's table (sparsetickets report for more).",
  positionals: { usage: 'FILE.yaml', min: 1, max: 1 },
  options: {
    set: {
      type: 'string',
      short: 'o',
      multiple: true,
      value: 'KEY=V[,V…]',
      description: 'replace a key of every run by these values (a grid axis), e.g. -o seed=0,1 -o epochs=2',
    },
    ...EXECUTION_OPTIONS,
  },
  examples: [
    'sparsetickets sweep configs/sparse-core/small.yaml --dry-run',
    'sparsetickets sweep my-grid.yaml --jobs 2 --threads-per-job 1',
    'sparsetickets sweep my-grid.yaml -o seed=0,1,2 -o epochs=5 --runs-dir runs',
    'sparsetickets sweep my-grid.yaml --queue redis://10.0.0.5:6379   # and on each machine: sparsetickets worker --queue redis://10.0.0.5:6379',
    'sparsetickets sweep my-grid.yaml --rerun-failed',
  ],
};

export interface ExecutionSettings {
  runsDir: string;
  jobs?: number;
  threadsPerJob: number;
  queue?: string;
  queueName: string;
  rerunFailed: boolean;
  dryRun: boolean;
  quiet: boolean;
  json: boolean;
}

export function executionSettings(cmd: string, v: ParsedOptions): ExecutionSettings {
  const queue = v.queue === undefined ? undefined : checkRedisUrl(String(v.queue), cmd);
  if (queue && v.jobs !== undefined)
    throw new UsageError(`${cmd}: --jobs is for the local pool; with --queue the workers' --concurrency decides`);
  return {
    runsDir: String(v['runs-dir']),
    jobs: optionalCount(cmd, v, 'jobs'),
    threadsPerJob: countOption(cmd, v, 'threads-per-job'),
    queue,
    queueName: String(v['queue-name']),
    rerunFailed: !!v['rerun-failed'],
    dryRun: !!v['dry-run'],
    quiet: !!v.quiet,
    json: !!v.json,
  };
}

/** Plans the runs' actions and runs them (or lists them with --dry-run); null after a dry run. */
export async function executeSweep(cmd: string, plan: SweepPlan, s: ExecutionSettings): Promise<SweepOutcome | null> {
  const tasks = planTasks(plan, s.runsDir, s.rerunFailed);
  if (s.dryRun) {
    const what = {
      skip: 'finished (skip)',
      'skip-failed': 'failed (skip; --rerun-failed retries)',
      train: 'train',
      resume: 'resume from its checkpoint',
      retry: 'retry (failed)',
    };
    if (s.json)
      process.stdout.write(
        JSON.stringify(
          {
            sweep: plan.sweep,
            dir: sweepDir(s.runsDir, plan.sweep),
            runs: tasks.map((t) => ({ id: t.run.id, name: t.run.name, action: t.action, point: t.run.point })),
          },
          null,
          2,
        ) + '\n',
      );
    else {
      process.stdout.write(`sweep ${plan.sweep}: ${tasks.length} runs in ${sweepDir(s.runsDir, plan.sweep)}\n`);
      for (const t of tasks) process.stdout.write(`  ${t.run.name}  ${t.run.id}  ${what[t.action]}\n`);
    }
    return null;
  }
  checkWritable(s.runsDir, cmd);
  const outcome = s.queue
    ? await runOnQueue(plan, tasks, {
        url: s.queue,
        queueName: s.queueName,
        runsDir: s.runsDir,
        rerunFailed: s.rerunFailed,
        quiet: s.quiet,
      })
    : await runLocal(plan, tasks, {
        runsDir: s.runsDir,
        jobs: s.jobs,
        threadsPerJob: s.threadsPerJob,
        rerunFailed: s.rerunFailed,
        quiet: s.quiet,
      });
  if (plan.ensembles && !outcome.interrupted)
    // After the runs: every core is free for the evaluation.
    runEnsembleStage(plan, outcome.dir, {
      threads: availableParallelism(),
      log: s.quiet ? undefined : (line) => process.stderr.write(line + '\n'),
    });
  return outcome;
}

/** The sweep's exit: 130 after Ctrl-C (re-run to resume), a RunError when runs failed, else nothing. */
export function finishSweep(cmd: string, outcome: SweepOutcome): void {
  if (outcome.interrupted) {
    process.stderr.write(`${cmd}: ${outcome.sweep} interrupted; run the same command again to resume it\n`);
    process.exitCode = 130;
    return;
  }
  const bad = outcome.results.filter((r) => r.status !== 'completed');
  if (bad.length)
    throw new RunError(
      `${cmd}: ${bad.length} of ${outcome.results.length} runs did not complete (${bad
        .slice(0, 3)
        .map((r) => `${r.name}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`)
        .join('; ')}${bad.length > 3 ? '; …' : ''}); see runs/…/<run>/log.txt; --rerun-failed retries them`,
    );
}

export const sweepCommand = {
  summary: 'run a grid of runs (local pool, or a BullMQ queue for workers)',
  async run(argv: string[]): Promise<void> {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const { values: v, positionals } = parsed;
    const settings = executionSettings('sweep', v);
    const plan = planSweepFile(positionals[0], (v.set as string[] | undefined) ?? []);
    const outcome = await executeSweep('sweep', plan, settings);
    if (!outcome) return;
    if (settings.json)
      process.stdout.write(
        JSON.stringify(
          {
            sweep: outcome.sweep,
            dir: outcome.dir,
            trained: outcome.trained,
            interrupted: outcome.interrupted,
            runs: outcome.results.map((r) => ({
              id: r.id,
              name: r.name,
              status: r.status,
              reason: r.reason,
              trained: r.trained,
              dir: join(outcome.dir, r.name),
            })),
          },
          null,
          2,
        ) + '\n',
      );
    else if (outcome.results.some((r) => r.status === 'completed'))
      process.stdout.write(toMarkdown(buildReport([outcome.dir])));
    finishSweep('sweep', outcome);
    if (settings.queue) setTimeout(() => process.exit(), 2000).unref(); // a queue client left open does not keep it
  },
};
