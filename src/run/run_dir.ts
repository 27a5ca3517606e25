// Where a run lives (runsDir/name, from its config) and what its directory says about it: finished, failed,
// resumable from a checkpoint, or nothing to continue. runOnce decides from this whether to skip, resume or
// start; a sweep adds its own check that the directory holds the same config (experiments/run_state.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from './config.js';
import type { RunSummary } from './summary.js';

export type RunDirState =
  | { kind: 'new' }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'failed'; summary: RunSummary }
  | { kind: 'resume' };

export function defaultRunName(c: TrainConfig): string {
  return `${c.model}-${c.dataset}-s${c.seed}`;
}

/** The run directory of a config: <runsDir>/<name>, the default name when it has none. */
export function runDirOf(c: TrainConfig): string {
  return join(c.runsDir, c.name ?? defaultRunName(c));
}

export const lastCheckpoint = (dir: string) => join(dir, 'checkpoints', 'last.safetensors');

/** The run's summary.json, if it has a readable one. */
export function readRunSummary(dir: string): RunSummary | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}

/** A summary that says completed (or failed, or diverged) wins over a checkpoint beside it. */
export function runDirState(dir: string): RunDirState {
  const summary = readRunSummary(dir);
  if (summary?.status === 'completed') return { kind: 'done', summary };
  if (summary?.status === 'failed' || summary?.status === 'diverged') return { kind: 'failed', summary };
  return existsSync(lastCheckpoint(dir)) ? { kind: 'resume' } : { kind: 'new' };
}
