// A built run trained in its open directory: the trainer placed where the run begins (a start's epoch, or the
// checkpoint's exact position), config.json and metrics.jsonl in step with it, metrics and a checkpoint at every
// epoch end, progress on stderr, and the stop signals turned into a checkpoint at the next step's end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../train/checkpoint.js';
import type { EpochRecord } from '../train/hooks.js';
import { readMetricsFile, type RunDir } from '../train/rundir.js';
import { DivergenceError, Trainer, type TrainerPosition } from '../train/trainer.js';
import type { Progress } from '../util/progress.js';
import type { BuiltRun } from './build.js';
import type { TrainConfig } from './config.js';
import { defaultRunName } from './run_dir.js';
import { catchStopSignals } from './signals.js';
import { runGradInit, type RunStart } from './start.js';
import type { RunOutcome } from './summary.js';

export interface SessionOptions {
  /** The checkpoint's position, when the run resumes. */
  resumeAt?: TrainerPosition;
  start?: RunStart;
  haltAfter?: number;
  quiet?: boolean;
  progress: Progress;
  log: (line: string) => void;
}

/** Trains the run to its end or a stop; a failure during work is the outcome's, not thrown. */
export async function trainInDir(run: BuiltRun, dir: RunDir, s: SessionOptions): Promise<RunOutcome> {
  const c = run.config;
  const history: EpochRecord[] = [];
  let interrupted = false;
  let stepsThisInvocation = 0;
  const checkpoint = (file: string) =>
    saveCheckpoint(join(dir.checkpoints, file), {
      model: run.model,
      optimizer: run.optimizer,
      hooks: run.hooks,
      position: trainer.position,
      config: c,
      modelName: c.model,
    });
  const trainer = new Trainer({
    ...run.trainer,
    shouldStop: () => interrupted || (s.haltAfter !== undefined && stepsThisInvocation >= s.haltAfter),
    onProgress: (ctx, perEpoch) => {
      stepsThisInvocation++;
      if (!s.quiet)
        s.progress.update(
          ctx.iteration + 1,
          c.epochs * perEpoch,
          `epoch ${ctx.epoch + 1}/${c.epochs} loss ${ctx.loss?.toFixed(4)}`,
        );
    },
    onEpochEnd: (record) => {
      history.push(record);
      dir.appendMetrics(record);
      checkpoint('last.safetensors');
      if (c.checkpointEvery > 0 && record.epoch % c.checkpointEvery === 0)
        checkpoint(`epoch-${String(record.epoch).padStart(4, '0')}.safetensors`);
      if (!s.quiet) s.progress.log(epochLine(c, record));
    },
  });

  // A failure from here on (a full disk, a damaged metrics.jsonl) releases the run before it reaches the user.
  try {
    prepare(run, dir, trainer, history, s);
  } catch (e) {
    dir.release();
    throw e;
  }

  const stop = catchStopSignals((signal) => {
    interrupted = true;
    s.progress.log(
      signal === 'SIGINT'
        ? 'interrupted: saving a checkpoint at the end of this step (Ctrl-C again to quit at once)'
        : `${signal}: saving a checkpoint at the end of this step, then stopping`,
    );
  });
  try {
    const status = await trainer.run();
    if (status === 'interrupted') checkpoint('last.safetensors');
    return { trainer, history, status, signal: stop.signal };
  } catch (e) {
    return { trainer, history, status: e instanceof DivergenceError ? 'diverged' : 'failed', failure: e };
  } finally {
    stop.dispose();
  }
}

function epochLine(c: TrainConfig, record: EpochRecord): string {
  const line = Object.entries(record.eval)
    .map(([k, m]) => `${k} acc ${(100 * m.accuracy).toFixed(2)}% nll ${m.nll.toFixed(4)}`)
    .join(', ');
  return `epoch ${record.epoch}/${c.epochs}: train loss ${record.train_loss.toFixed(4)} acc ${(100 * record.train_accuracy).toFixed(2)}%, ${line}`;
}

/** Places the trainer where the run begins and the directory in step: a resumed run's config.json and metrics.jsonl,
 * a new run's config.json and (TRT) GradInit's re-scaled initialisation. */
function prepare(run: BuiltRun, dir: RunDir, trainer: Trainer, history: EpochRecord[], s: SessionOptions): void {
  const c = run.config;
  const name = c.name ?? defaultRunName(c);
  const ipe = trainer.iterationsPerEpoch;
  if (!s.resumeAt && s.start)
    trainer.position = { ...trainer.position, epoch: s.start.epoch, iteration: s.start.epoch * ipe };
  if (s.resumeAt) {
    trainer.position = s.resumeAt;
    // A run resumed under another name or runs directory (a copy) records where it now is.
    const stored = JSON.parse(readFileSync(join(dir.path, 'config.json'), 'utf8')) as Partial<TrainConfig>;
    if ((stored.name ?? defaultRunName(c)) !== name || stored.runsDir !== c.runsDir)
      dir.writeJson('config.json', { ...stored, name, runsDir: c.runsDir });
    // metrics.jsonl holds exactly the epochs the checkpoint has completed (a last line cut short by a full
    // disk or a kill is dropped).
    const { lines } = readMetricsFile(join(dir.path, 'metrics.jsonl'));
    const kept = lines.filter((l) => (JSON.parse(l) as EpochRecord).epoch <= trainer.position.epoch);
    dir.truncateMetrics(kept);
    for (const l of kept) history.push(JSON.parse(l) as EpochRecord);
  } else {
    dir.writeJson('config.json', c);
    // TRT (SPEC §9): the re-scaled initialisation, once, before the first step; a resumed run has its result.
    if (c.gradinit) {
      const { model, kernels, startedFrom, sparse } = run;
      dir.writeJson('gradinit.json', runGradInit(c, model, kernels, run.trainer.train, startedFrom, sparse, s.log));
      s.progress.restart();
    }
  }
}
