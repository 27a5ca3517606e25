// The ticket pipelines a config can describe (`pipeline.kind`), run as one run of a sweep: each kind's runner
// resumes whatever an earlier invocation left in the pipeline directory.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../run/config.js';
import { checkLtrEnsemble, runLtrEnsemble } from './ltr_ensemble.js';
import type { PipelineOptions, PipelineRow, PipelineSummary } from './pipeline_common.js';
import { checkPoolsPipeline, runPoolsPipeline } from './pools_pipeline.js';
import { checkSpendingPipeline, runSpendingPipeline } from './spending_pipeline.js';

export type { PipelineOptions, PipelineRow, PipelineSummary };

export async function runPipeline(c: TrainConfig, o: PipelineOptions = {}): Promise<PipelineSummary> {
  switch (c.pipeline?.kind) {
    case 'lottery-pools':
      return runPoolsPipeline(c, o);
    case 'ltr-ensemble':
      return runLtrEnsemble(c, o);
    case 'spending':
      return runSpendingPipeline(c, o);
    default:
      throw new Error(`runPipeline: the config describes no pipeline`);
  }
}

/** Everything about a pipeline config that can be checked before any work (UsageError). */
export function checkPipeline(c: TrainConfig): void {
  if (c.pipeline?.kind === 'lottery-pools') checkPoolsPipeline(c, c.pipeline);
  if (c.pipeline?.kind === 'ltr-ensemble') checkLtrEnsemble(c, c.pipeline);
  if (c.pipeline?.kind === 'spending') checkSpendingPipeline(c, c.pipeline);
}

/** Whether `dir` holds a pipeline that has started (a sweep resumes it instead of starting over). */
export function pipelineStarted(dir: string): boolean {
  return existsSync(join(dir, 'lottery.json')) || existsSync(join(dir, 'gmp'));
}
