// The library's entry points for one training run and for evaluating tickets: what `sparsetickets train` and
// `eval` do, as functions (the CLI, the pipelines and a TypeScript user call the same code).
import { BACKENDS, type Backend } from '../kernels/index.js';
import type { Metrics } from '../eval/metrics.js';
import { meanPredictions, metricsOf } from '../eval/predict.js';
import { checkCompatible, loadTicket, type Ticket } from '../tickets/ticket.js';
import { DEFAULT_TRAIN, mergeConfig, validateConfig, type TrainConfigInput } from './config.js';
import { ticketEvaluator } from './ticket_data.js';
import { runTraining, type RunOptions, type RunSummary } from './training.js';

/**
 * Trains one run, exactly as `sparsetickets train` with the same config: `config` follows the YAML/JSON config
 * schema (docs/GUIDE.md), with the CLI's defaults for what it leaves out. Writes `runs/<name>/` (or
 * `config.runsDir`) and returns the run's summary. Throws a UsageError naming every problem of an invalid config
 * before any work starts.
 *
 * @example
 * const summary = await train({ model: 'lenet300', dataset: 'mnist', epochs: 3, optimizer: { lr: 0.1 },
 *   sparse: { method: 'rigl', sparsity: 0.9 }, name: 'rigl', quiet: true });
 */
export async function train(
  config: TrainConfigInput,
  options: Partial<Omit<RunOptions, 'mode'>> & { overwrite?: boolean; resume?: boolean } = {},
): Promise<RunSummary> {
  const c = validateConfig(
    mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, config as Record<string, unknown>),
    'train()',
  );
  const mode = options.resume ? 'resume' : options.overwrite ? 'overwrite' : 'fresh';
  return runTraining(c, { quiet: true, ...options, mode });
}

export interface EvaluateOptions {
  split?: 'train' | 'val' | 'test';
  /** Overrides of the dataset the tickets' provenance names, and its directory. */
  dataset?: string;
  dataDir?: string;
  threads?: number;
  backend?: Backend;
}

export interface EvaluateResult {
  /** Each ticket's metrics, in the order given. */
  members: Metrics[];
  /** The prediction ensemble's (mean of softmaxes), when several tickets were given; else the one ticket's. */
  ensemble: Metrics;
}

/**
 * Accuracy, NLL and ECE (15 bins) of one ticket, or of several and their prediction ensemble, on a split of the
 * dataset their provenance names (default test). Tickets are Ticket objects or file paths.
 */
export function evaluate(tickets: Ticket | string | (Ticket | string)[], o: EvaluateOptions = {}): EvaluateResult {
  const list = (Array.isArray(tickets) ? tickets : [tickets]).map((t) =>
    typeof t === 'string' ? loadTicket(t, { allowDense: true }) : t,
  );
  if (list.length === 0) throw new Error('evaluate: no tickets');
  for (const t of list.slice(1)) checkCompatible(list[0], t);
  if (o.backend && !BACKENDS.includes(o.backend)) throw new Error(`evaluate: unknown backend '${o.backend}'`);
  const split = o.split ?? 'test';
  const ev = ticketEvaluator('evaluate', list[0].provenance, { ...o, splits: [split] });
  const predictions = list.map((t) => ev.predict(t, split));
  const members = predictions.map(metricsOf);
  return { members, ensemble: list.length > 1 ? metricsOf(meanPredictions(predictions)) : members[0] };
}
