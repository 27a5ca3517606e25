// What a planned run's directory says about it: nothing yet, finished, failed, resumable, or another config's
// (a clash). The local pool, the queue's workers and the coordinator decide from this what to do, so a sweep
// run twice does no work the second time and an interrupted one resumes from its checkpoints.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDirState, type RunDirState } from '../run/run_dir.js';
import type { RunSummary } from '../run/training.js';
import { readMetricsFile, writeFileAtomic, makeDirs } from '../train/rundir.js';
import { pipelineStarted } from '../pipelines/pipeline.js';
import { readJson } from '../util/json.js';
import { resolveRunConfig, runId } from './sweep_file.js';

/** What the run directory says (run/run_dir.ts), or that it holds another config's run. */
export type RunState = RunDirState | { kind: 'clash'; other: string };

/** The id of the run whose config.json is in `dir`, or a note on why it has none. */
export function storedRunId(dir: string): string | undefined {
  const c = readJson<Record<string, unknown>>(join(dir, 'config.json'));
  if (!c) return undefined;
  try {
    return runId(resolveRunConfig(c, dir));
  } catch {
    return 'an unreadable config';
  }
}

export function runState(dir: string, id: string): RunState {
  if (!existsSync(dir)) return { kind: 'new' };
  const stored = storedRunId(dir);
  if (stored !== undefined && stored !== id) return { kind: 'clash', other: stored };
  if (stored === undefined) return { kind: 'new' };
  const state = runDirState(dir);
  return state.kind === 'new' && pipelineStarted(dir) ? { kind: 'resume' } : state;
}

/** A run's outcome as the pool, the queue and the manifest carry it: its summary and per-epoch metrics. */
export interface RunResult {
  id: string;
  name: string;
  status: RunSummary['status'] | 'error';
  reason?: string;
  summary?: RunSummary;
  metrics?: unknown[];
  /** Whether this invocation trained (false: the run was already finished). */
  trained: boolean;
}

export function resultFromDir(dir: string, id: string, name: string, trained: boolean, reason?: string): RunResult {
  const summary = readJson<RunSummary>(join(dir, 'summary.json'));
  // A summary.json of another config (a clash) is not this run's result.
  const own = summary && storedRunId(dir) === id ? summary : undefined;
  if (!own) return { id, name, status: 'error', reason: reason ?? 'the run ended without a summary', trained };
  let metrics: unknown[] = [];
  try {
    metrics = readMetricsFile(join(dir, 'metrics.jsonl')).records;
  } catch {
    // a damaged metrics file: the summary still is the result
  }
  return { id, name, status: own.status, reason: own.reason ?? reason, summary: own, metrics, trained };
}

/** Writes a result the queue carried into `dir` (config.json, summary.json, metrics.jsonl), each file to a
 * temporary name and renamed; files already there with the same content are left alone. */
export function writeResult(dir: string, config: Record<string, unknown>, r: RunResult): void {
  if (!r.summary) return;
  makeDirs(dir);
  const put = (file: string, text: string) => {
    const path = join(dir, file);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
    writeFileAtomic(path, text);
  };
  if (!existsSync(join(dir, 'config.json'))) put('config.json', JSON.stringify(config, null, 2) + '\n');
  put('metrics.jsonl', (r.metrics ?? []).map((m) => JSON.stringify(m) + '\n').join(''));
  put('summary.json', JSON.stringify(r.summary, null, 2) + '\n');
}
