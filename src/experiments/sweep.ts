// Running a sweep: every planned run's directory is looked at first (finished runs are skipped, interrupted ones
// resume from their checkpoints, failed ones are retried only when asked, a directory of another config stops
// the sweep before any work), then the runs to do go to a local pool of child processes (this file) or to a
// BullMQ queue (queue.ts). The manifest runs/<sweep>/sweep.json lists the runs and their outcomes.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { makeDirs, writeFileAtomic } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import { formatSeconds, Progress } from '../util/progress.js';
import type { ChildJob } from './child.js';
import { runState, type RunResult, type RunState } from './run_state.js';
import { signalChild, startRun, type RunningChild } from './spawn.js';
import { PACKAGE_VERSION, type PlannedRun, type SweepPlan } from './sweep_file.js';

export interface SweepTask {
  run: PlannedRun;
  state: RunState;
  /** What this invocation does with it. */
  action: 'skip' | 'train' | 'resume' | 'retry' | 'skip-failed';
}

export interface SweepOutcome {
  sweep: string;
  dir: string;
  results: RunResult[];
  /** Runs trained (or resumed) by this invocation. */
  trained: number;
  interrupted: boolean;
}

/** The directory of a sweep's runs: <runsDir>/<sweep>. */
export const sweepDir = (runsDir: string, sweep: string) => join(runsDir, sweep);

/** A runs directory the sweep can write into, or a UsageError before any work. */
export function checkWritable(runsDir: string, what: string): void {
  try {
    if (existsSync(runsDir) && !statSync(runsDir).isDirectory()) throw new Error('not a directory');
    let probe = runsDir;
    while (!existsSync(probe)) probe = join(probe, '..');
    accessSync(probe, constants.W_OK);
  } catch (e) {
    throw new UsageError(
      `${what}: runs directory ${runsDir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** What each run's directory says, and what to do; a clash is a UsageError listing every one. */
export function planTasks(plan: SweepPlan, runsDir: string, rerunFailed: boolean): SweepTask[] {
  const dir = sweepDir(runsDir, plan.sweep);
  const tasks = plan.runs.map((run): SweepTask => {
    const state = runState(join(dir, run.name), run.id);
    const action =
      state.kind === 'done'
        ? 'skip'
        : state.kind === 'failed'
          ? rerunFailed
            ? 'retry'
            : 'skip-failed'
          : state.kind === 'resume'
            ? 'resume'
            : 'train';
    return { run, state, action };
  });
  const clashes = tasks.filter((t) => t.state.kind === 'clash');
  if (clashes.length)
    throw new UsageError(
      `sweep ${plan.sweep}: ${clashes
        .map(
          (t) =>
            `${join(dir, t.run.name)} holds another config (run id ${(t.state as { other: string }).other}, not ${t.run.id})`,
        )
        .join('; ')}; move it away or give this sweep another name`,
    );
  return tasks;
}

export const modeOf = (t: SweepTask): ChildJob['mode'] => (t.action === 'resume' ? 'resume' : 'overwrite');

export interface ManifestRun {
  id: string;
  name: string;
  point: Record<string, unknown>;
  /** The run's config as planned (so a report can show the runs that are missing). */
  config: Record<string, unknown>;
  status: string;
  reason?: string;
}

/** runs/<sweep>/sweep.json: the sweep's runs with their ids, grid points and last known status. */
export class Manifest {
  private readonly runs: Map<string, ManifestRun>;
  constructor(
    readonly dir: string,
    private readonly plan: SweepPlan,
    tasks: SweepTask[],
  ) {
    this.runs = new Map(
      tasks.map((t) => [
        t.run.id,
        {
          id: t.run.id,
          name: t.run.name,
          point: t.run.point,
          config: t.run.config,
          status:
            t.state.kind === 'done' || t.state.kind === 'failed'
              ? t.state.summary.status
              : t.state.kind === 'resume'
                ? 'interrupted'
                : 'pending',
          ...(t.state.kind === 'failed' && t.state.summary.reason ? { reason: t.state.summary.reason } : {}),
        },
      ]),
    );
  }
  set(r: RunResult): void {
    const m = this.runs.get(r.id);
    if (!m) return;
    m.status = r.status;
    if (r.reason) m.reason = r.reason;
    else delete m.reason;
  }
  write(): void {
    makeDirs(this.dir);
    writeFileAtomic(
      join(this.dir, 'sweep.json'),
      JSON.stringify(
        {
          sweep: this.plan.sweep,
          description: this.plan.description,
          version: PACKAGE_VERSION,
          updated: new Date().toISOString(),
          runs: [...this.runs.values()],
        },
        null,
        2,
      ) + '\n',
    );
  }
}

/** The sweep's progress line: runs done / running / failed and the ETA of what this invocation trains. */
export class SweepProgress {
  private readonly bar: Progress;
  done = 0;
  running = 0;
  failed = 0;
  constructor(
    label: string,
    private readonly total: number,
    private readonly quiet: boolean,
  ) {
    this.bar = new Progress(label, 'runs');
  }
  draw(): void {
    if (!this.quiet)
      this.bar.update(this.done, Math.max(this.total, 1), `(${this.running} running, ${this.failed} failed)`);
  }
  log(line: string): void {
    if (!this.quiet) this.bar.log(line);
  }
}

export function resultLine(r: RunResult): string {
  const acc = r.summary?.final?.test?.accuracy;
  const secs = r.summary?.wall_seconds;
  return `${r.status === 'completed' ? 'done' : r.status} ${r.name}${acc !== undefined ? `: test accuracy ${(100 * acc).toFixed(2)}%` : ''}${
    secs !== undefined && r.trained ? `, ${formatSeconds(secs)}` : ''
  }${r.reason ? ` (${r.reason})` : ''}`;
}

export interface LocalOptions {
  runsDir: string;
  /** Runs at once (default: the cores / threadsPerJob). */
  jobs?: number;
  threadsPerJob?: number;
  rerunFailed?: boolean;
  quiet?: boolean;
}

/** The result of a run this invocation leaves alone (finished, or failed and not retried). */
/** What a sweep starts with, on a local pool or a queue: its manifest written, the results of the runs it skips,
 * the runs left to do and one progress display. */
export function openSweep(dir: string, plan: SweepPlan, tasks: SweepTask[], label: string, quiet: boolean) {
  const manifest = new Manifest(dir, plan, tasks);
  manifest.write();
  const results = new Map<string, RunResult>();
  for (const t of tasks)
    if (t.action === 'skip' || t.action === 'skip-failed') results.set(t.run.id, resultOfSkipped(t));
  const todo = tasks.filter((t) => t.action !== 'skip' && t.action !== 'skip-failed');
  return { manifest, results, todo, progress: new SweepProgress(label, todo.length, quiet) };
}

export function resultOfSkipped(t: SweepTask): RunResult {
  const s = t.state as { summary: RunResult['summary'] };
  return {
    id: t.run.id,
    name: t.run.name,
    status: s.summary!.status,
    reason: s.summary!.reason,
    summary: s.summary,
    trained: false,
  };
}

/** Runs a sweep on this machine: a pool of child processes, `jobs` at once, each with `threadsPerJob` threads. */
export async function runLocal(plan: SweepPlan, tasks: SweepTask[], o: LocalOptions): Promise<SweepOutcome> {
  const threads = o.threadsPerJob ?? 1;
  const jobs = o.jobs ?? Math.max(1, Math.floor(availableParallelism() / threads));
  const dir = sweepDir(o.runsDir, plan.sweep);
  checkWritable(o.runsDir, 'sweep');
  const { manifest, results, todo, progress } = openSweep(dir, plan, tasks, `sweep ${plan.sweep}`, o.quiet ?? false);
  if (!o.quiet && tasks.length > todo.length)
    progress.log(
      `sweep ${plan.sweep}: ${tasks.length - todo.length} of ${tasks.length} runs already finished, ${todo.length} to run`,
    );
  const running = new Set<RunningChild>();
  let stopping = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping++;
    progress.log(
      stopping === 1
        ? `${signal}: no new runs; the ${running.size} running save a checkpoint and stop (again to stop them at once)`
        : `${signal}: stopping the running runs at once`,
    );
    for (const r of running) signalChild(r.child, 'SIGTERM');
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  let trained = 0;
  try {
    const queue = [...todo];
    const worker = async () => {
      while (queue.length > 0 && stopping === 0) {
        const t = queue.shift()!;
        const config = { ...t.run.config, runsDir: dir, threads: t.run.config.threads ?? threads };
        const child = startRun({ id: t.run.id, name: t.run.name, config, mode: modeOf(t) });
        running.add(child);
        progress.running++;
        progress.draw();
        const r = await child.result;
        running.delete(child);
        progress.running--;
        results.set(t.run.id, r);
        manifest.set(r);
        manifest.write();
        if (r.status === 'interrupted' || (stopping > 0 && r.status === 'error')) continue;
        trained++;
        progress.done++;
        if (r.status !== 'completed') progress.failed++;
        progress.log(resultLine(r));
        progress.draw();
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, Math.max(todo.length, 1)) }, worker));
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
  return {
    sweep: plan.sweep,
    dir,
    results: plan.runs.map((r) => results.get(r.id)).filter((r): r is RunResult => r !== undefined),
    trained,
    interrupted: stopping > 0,
  };
}
