// One run of a sweep in a child process of its own (the local pool's and the queue worker's): training is
// synchronous native code, so it runs away from the process that keeps the queue's locks and draws the progress.
// The child gets its job over IPC, writes its output to <run>/log.txt, and sends back its result. It never
// outlives its parent: a parent that dies (even by SIGKILL) is noticed at the next training step (the parent
// PID changes) or by the closed IPC channel, and the child exits at once.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runOnce } from '../run/run_once.js';
import { runPipeline } from '../pipelines/pipeline.js';
import { errorLine } from '../util/errors.js';
import type { Hook } from '../train/hooks.js';
import { resolveRunConfig } from './sweep_file.js';
import { resultFromDir, type RunResult } from './run_state.js';

export interface ChildJob {
  id: string;
  name: string;
  /** The run config, with runsDir and name set. */
  config: Record<string, unknown>;
  mode: 'fresh' | 'overwrite' | 'resume';
}

const parentAtStart = process.ppid;
const orphaned = () => process.ppid !== parentAtStart;
const dieIfOrphaned = () => {
  if (orphaned()) process.exit(137);
};

/** Everything the run prints goes to <run>/log.txt; lines printed before its directory exists wait in memory. */
function captureOutput(runDir: string): { flush(): void } {
  let pending = '';
  const write = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (existsSync(join(runDir, 'config.json'))) {
      try {
        appendFileSync(join(runDir, 'log.txt'), pending + text);
        pending = '';
        return true;
      } catch {
        // the directory went away or the disk is full: keep the text for the result's reason
      }
    }
    pending += text;
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  return {
    flush: () => {
      if (pending && existsSync(runDir)) write('');
    },
  };
}

async function runJob(job: ChildJob): Promise<RunResult> {
  const runsDir = String(job.config.runsDir);
  const dir = join(runsDir, job.name);
  const out = captureOutput(dir);
  const watchdog: Hook = { name: 'parent-watchdog', beforeStep: dieIfOrphaned };
  let reason: string | undefined;
  try {
    const c = resolveRunConfig(job.config, job.name);
    process.stderr.write(`sweep run ${job.name} (${job.id}), ${job.mode}, pid ${process.pid}\n`);
    // A pipeline resumes whatever it finds in its directory; a training run as its mode says.
    if (c.pipeline) await runPipeline(c, { hooks: () => [watchdog], log: (l) => process.stderr.write(l + '\n') });
    else await runOnce(c, undefined, { mode: job.mode, quiet: false, hooks: () => [watchdog] });
  } catch (e) {
    reason = errorLine(e, false);
    process.stderr.write(`sparsetickets: ${reason}\n`);
  }
  out.flush();
  return resultFromDir(dir, job.id, job.name, true, reason);
}

if (process.send) {
  // The IPC channel closes when the parent dies; the watchdog also checks between training steps, when the
  // event loop is busy.
  process.on('disconnect', () => process.exit(137));
  setInterval(dieIfOrphaned, 1000).unref();
  process.once('message', (job: ChildJob) => {
    runJob(job).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (e: unknown) => process.send!({ error: errorLine(e, false) }, () => process.exit(1)),
    );
  });
}
