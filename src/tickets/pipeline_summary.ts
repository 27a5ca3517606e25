// What a pipeline (or a sweep's ensembles stage) leaves in its summary.json: its status and one row per result,
// each row a point (what it is: target and method, number of members, …) and its metrics. `report` tabulates the
// rows as runs of their own.
import type { Metrics } from '../eval/metrics.js';
import type { RoundRecord } from './lottery.js';

export interface PipelineRow {
  point: Record<string, string | number>;
  metrics: {
    test: Metrics;
    val?: Metrics;
    /** Mean over corruption types and severities. */
    corruption?: Metrics;
    /** OOD detection ROC-AUC by maximum softmax probability, per OOD set. */
    ood?: Record<string, number>;
    fgsm?: Metrics;
    /** Top Hessian eigenvalue of the training loss and the fraction of near-zero activations (SPEC §10). */
    hessian?: number;
    activation_sparsity?: number;
  };
  /** Lottery Pools: the search's cost per candidate. */
  seconds_per_candidate?: number;
  /** What the row's result was made of (tickets, runs). */
  ingredients?: (number | string)[];
  /** Training FLOPs × one dense run. */
  training_flops?: number;
  /** Parameters kept (over an ensemble's members). */
  parameters?: number;
}

export interface PipelineSummary {
  status: 'completed' | 'interrupted';
  kind: string;
  wall_seconds: number;
  rounds: RoundRecord[];
  rows: PipelineRow[];
}
