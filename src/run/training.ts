// runTraining: one training run as `sparsetickets train` runs it — a mode (fresh, overwrite, resume), an optional
// start, and the caller's trainer hooks. It is runOnce (run_once.ts) with the train command's modes, kept as the
// library's entry for full control (docs/API.md).
import type { Hook } from '../train/hooks.js';
import type { Provenance } from '../tickets/ticket.js';
import type { RunHookContext } from './build.js';
import type { TrainConfig } from './config.js';
import { runOnce } from './run_once.js';
import type { RunStart } from './start.js';
import type { RunSummary } from './summary.js';

export type { RunHookContext, RunStart, RunSummary };
export { defaultRunName } from './run_dir.js';

export interface RunOptions {
  mode: 'fresh' | 'overwrite' | 'resume';
  /** Testing aid: behave as if interrupted (Ctrl-C) after this many iterations of this invocation. */
  haltAfter?: number;
  quiet?: boolean;
  /** A line for stderr once everything is validated and the run directory is open (e.g. its automatic name). */
  notice?: string;
  /** Begin a fresh run from a given state instead of the seed's initialisation (IMP/OMP/LTR rounds, SPEC §5);
   * ignored on resume, where the checkpoint holds everything. */
  start?: RunStart;
  /** What the final ticket's provenance adds (e.g. the ticket a retrained run came from, and how). */
  provenance?: Partial<Provenance>;
}

/** Validates everything that can be checked before training, then trains; returns the summary. */
export function runTraining(
  c: TrainConfig,
  o: RunOptions,
  extraHooks: (ctx: RunHookContext) => Hook[] = () => [],
): Promise<RunSummary> {
  const { start, ...options } = o;
  return runOnce(c, start, { ...options, hooks: extraHooks });
}
