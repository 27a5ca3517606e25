// Starting a run in a child process (experiments/child.ts) and waiting for its result. Children are started
// in process groups of their own, so a terminal's Ctrl-C reaches only the sweep or worker, which forwards one
// SIGTERM per signal it gets: the first lets each run save a checkpoint and stop, the second stops it at once.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildJob } from './child.js';
import type { RunResult } from './run_state.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

export interface RunningChild {
  child: ChildProcess;
  result: Promise<RunResult>;
}

export function startRun(job: ChildJob): RunningChild {
  const child = fork(CHILD, [], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    serialization: 'advanced',
  });
  const result = new Promise<RunResult>((resolve) => {
    let got: RunResult | undefined;
    let error: string | undefined;
    child.on('message', (m: { result?: RunResult; error?: string }) => {
      got = m.result;
      error = m.error;
    });
    child.on('error', (e) => {
      error ??= e.message;
    });
    child.on('exit', (code, signal) => {
      resolve(
        got ?? {
          id: job.id,
          name: job.name,
          status: 'error',
          reason: error ?? `the run's process ended (${signal ?? `exit code ${code}`}) without a result`,
          trained: true,
        },
      );
    });
  });
  child.send(job);
  return { child, result };
}

/** Sends a signal to a child, ignoring one that has already exited. */
export function signalChild(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  try {
    process.kill(c.pid, signal);
  } catch {
    // gone
  }
}
