// One training run in its directory, run once (as open_lth's runner: a step skips when its output exists, so resume
// = rerun). runOnce owns the run directory <runsDir>/<name> of the config: it skips a completed run (returning its
// summary), resumes one with a checkpoint, or starts it; creates or refuses the directory, holds its lock, turns
// Ctrl-C into a checkpoint, records a failure during work in summary.json (its last good checkpoint kept, one line
// for the user: RunError), and writes the summary and the final ticket. The `train` command, the library's train(),
// every pipeline and a sweep's runs all come through here.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, restoreCheckpoint } from '../train/checkpoint.js';
import type { Hook } from '../train/hooks.js';
import { RunDir } from '../train/rundir.js';
import type { TrainerPosition } from '../train/trainer.js';
import { saveTicket, ticketFromModel, type Provenance } from '../tickets/ticket.js';
import { errorLine, RunError, UsageError } from '../util/errors.js';
import { Progress } from '../util/progress.js';
import { buildRun, type BuiltRun, type RunHookContext } from './build.js';
import type { TrainConfig } from './config.js';
import { runProvenance } from './provenance.js';
import { defaultRunName, lastCheckpoint, runDirOf, runDirState } from './run_dir.js';
import { trainInDir } from './session.js';
import type { RunStart } from './start.js';
import { addReports, summarize, type RunOutcome, type RunSummary } from './summary.js';

/** once: skip a completed run, resume one with a checkpoint, else start it (replacing what a run that never saved
 * a checkpoint left). fresh, overwrite, resume: `train` as is, with --overwrite, with --resume. */
export type RunMode = 'once' | 'fresh' | 'overwrite' | 'resume';

export interface RunOnceOptions {
  /** Default once. */
  mode?: RunMode;
  /** Testing aid: behave as if interrupted (Ctrl-C) after this many iterations of this invocation. */
  haltAfter?: number;
  quiet?: boolean;
  /** A line for stderr once everything is validated and the run directory is open (e.g. its automatic name). */
  notice?: string;
  /** What the final ticket's provenance adds (e.g. the ticket a retrained run came from, and how). */
  provenance?: Partial<Provenance>;
  /** Hooks added to the run's own (a pipeline's rewind point, a sweep's parent watchdog). */
  hooks?: (ctx: RunHookContext) => Hook[];
  /** Told, before any work, whether the run starts or resumes (not called when it is skipped). */
  onBegin?: (action: 'starts' | 'resumes') => void;
}

/**
 * Runs the config's training run once in its directory and returns its summary. `start` is where a fresh run
 * begins when not at the seed's initialisation (a lottery round's rewind state and masks, a retrained ticket); a
 * resumed run takes everything from its checkpoint. Problems found before work are UsageErrors that leave the
 * directory as it was.
 */
export async function runOnce(c: TrainConfig, start?: RunStart, o: RunOnceOptions = {}): Promise<RunSummary> {
  const started = performance.now();
  const path = runDirOf(c);
  let mode = o.mode ?? 'once';
  if (mode === 'once') {
    const state = runDirState(path);
    if (state.kind === 'done') return state.summary;
    mode = hasCheckpoint(path) ? 'resume' : 'overwrite';
  }
  o.onBegin?.(mode === 'resume' ? 'resumes' : 'starts');
  const name = c.name ?? defaultRunName(c);
  // Lines of the hooks (auto's choices) go through the progress bar, which keeps them off its line.
  const progress = new Progress(`train ${name}`, 'it');
  const log = (line: string) => {
    if (!o.quiet) progress.log(line);
  };
  const resuming = mode === 'resume';
  const run = buildRun(c, { runPath: path, start, resuming, log, hooks: o.hooks });
  progress.restart(); // the rate counts training, not loading the data
  const resumeAt = resuming ? restore(run, path) : undefined;
  const dir = openRunDir(c, name, mode, run, o.notice);
  const end = await trainInDir(run, dir, { resumeAt, start, haltAfter: o.haltAfter, quiet: o.quiet, progress, log });
  return finish(run, dir, end, started, o.provenance);
}

const hasCheckpoint = (path: string) => existsSync(lastCheckpoint(path));

/** --resume: the checkpoint is read and restored before the run directory is touched; a truncated one, or one of
 * another architecture or width, is a usage error naming it and leaves the directory as it was. */
function restore(run: BuiltRun, path: string): TrainerPosition {
  const file = lastCheckpoint(path);
  try {
    return restoreCheckpoint(readCheckpoint(file), { model: run.model, optimizer: run.optimizer, hooks: run.hooks });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UsageError(`train --resume: ${msg.includes(file) ? msg : `${file}: ${msg}`}`);
  }
}

/** Everything is validated: only now is the run directory created (or replaced) and locked. */
function openRunDir(c: TrainConfig, name: string, mode: Exclude<RunMode, 'once'>, run: BuiltRun, notice?: string) {
  let dir: RunDir;
  try {
    dir = RunDir.open(c.runsDir, name, mode);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (run.booster) mkdirSync(join(dir.path, 'tickets'), { recursive: true });
  if (notice) process.stderr.write(notice + '\n');
  if (dir.replaced) process.stderr.write(`train: replacing ${dir.path}, a run that never saved a checkpoint\n`);
  return dir;
}

/** Writes summary.json (and, for a completed run, model.safetensors: exactly the model's state dict, PyTorch
 * load_state_dict strict, masks in its metadata) and releases the run; a failure is thrown as its one line. */
function finish(
  run: BuiltRun,
  dir: RunDir,
  end: RunOutcome,
  started: number,
  provenance?: Partial<Provenance>,
): RunSummary {
  const summary = summarize(run, dir.path, end, started);
  if (end.failure !== undefined) throw failRun(dir, summary, end.failure);
  addReports(summary, run, dir);
  if (end.status === 'completed') {
    const { trainer } = end;
    const ticket = ticketFromModel(run.model, run.sparse?.ticketMasks() ?? new Map(), {
      ...runProvenance(run.config, run.classes, run.method, dir.path),
      epoch: trainer.position.epoch,
      iteration: trainer.position.iteration,
      kind: 'final',
      metrics: summary.final,
      ...provenance,
    });
    saveTicket(join(dir.path, 'model.safetensors'), ticket);
  }
  dir.writeJson('summary.json', summary);
  dir.release();
  return summary;
}

/** Records a run that failed during work in its summary.json (best effort: the disk may be what failed),
 * releases the run, and returns the one line for the user: what happened, where, and what is left. */
function failRun(dir: RunDir, summary: RunSummary, failure: unknown): RunError {
  try {
    dir.writeJson('summary.json', summary);
  } catch {
    // the reason reaches the user on stderr all the same
  }
  dir.release();
  const last = lastCheckpoint(dir.path);
  const left = hasCheckpoint(dir.path)
    ? `last good checkpoint ${last} (--resume continues from it)`
    : 'no checkpoint saved (a plain re-run replaces it)';
  const bug = errorLine(failure) !== summary.reason ? ' (--debug prints the stack trace)' : '';
  return new RunError(`train: ${summary.reason}; run ${dir.path} ends '${summary.status}', ${left}${bug}`, {
    cause: failure,
  });
}
