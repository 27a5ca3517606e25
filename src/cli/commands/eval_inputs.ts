// What `eval` evaluates, resolved once for the plain metrics and the suite: a checkpoint with its stored config
// (flags override), or tickets with an evaluator built from the first one's provenance. Bad input is a usage
// error naming it.
import { existsSync } from 'node:fs';
import { DATASET_NAMES, isDatasetName, type DatasetName } from '../../data/registry.js';
import type { Backend } from '../../kernels/index.js';
import { architectureOf, isModelName, MODEL_NAMES, type Architecture } from '../../models/index.js';
import { ticketEvaluator } from '../../run/ticket_data.js';
import type { TicketEvaluator } from '../../tickets/evaluate.js';
import { checkCompatible, loadTicket, type Ticket } from '../../tickets/ticket.js';
import { readCheckpoint, type LoadedCheckpoint } from '../../train/checkpoint.js';
import { numberOption, UsageError, type ParsedOptions } from '../args.js';

/** Runs f; any error but a UsageError becomes one ('eval: …'). */
export function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`eval: ${(e as Error).message}`);
  }
}

export interface CheckpointInput {
  ck: LoadedCheckpoint;
  stored: Record<string, unknown>;
  model: string;
  dataset: DatasetName;
  width: number;
  /** The stored config's activation and extra skips (SPEC §9). */
  architecture: Architecture;
}

export function checkpointInput(v: ParsedOptions): CheckpointInput {
  const ck = usage(() => readCheckpoint(String(v.checkpoint)));
  const stored = ck.metadata.config ? (JSON.parse(ck.metadata.config) as Record<string, unknown>) : {};
  const model = String(v.model ?? stored.model ?? '');
  if (!isModelName(model))
    throw new UsageError(
      model
        ? `eval: unknown model '${model}'; valid models: ${MODEL_NAMES.join(', ')}`
        : 'eval: the checkpoint has no config; pass --model',
    );
  const dataset = String(v.dataset ?? stored.dataset ?? '');
  if (!isDatasetName(dataset))
    throw new UsageError(`eval: unknown dataset '${dataset}'; valid datasets: ${DATASET_NAMES.join(', ')}`);
  const width = v.width !== undefined ? numberOption('eval', v, 'width', { min: 1e-3 }) : Number(stored.width ?? 1);
  return { ck, stored, model, dataset, width, architecture: architectureOf(stored) };
}

export interface TicketInput {
  files: string[];
  tickets: Ticket[];
  ev: TicketEvaluator;
}

/** The --ticket files (of one architecture) and an evaluator of the split on the first one's data. */
export function ticketInput(v: ParsedOptions, split: 'train' | 'val' | 'test', threads?: number): TicketInput {
  const files = v.ticket as string[];
  const tickets = files.map((f) => {
    if (!existsSync(f)) throw new UsageError(`eval: ${f} not found`);
    return usage(() => loadTicket(f, { allowDense: true }));
  });
  for (let i = 1; i < tickets.length; i++)
    usage(() => checkCompatible(tickets[0], tickets[i], `${files[0]} and ${files[i]}`));
  const p = tickets[0].provenance;
  const ev = ticketEvaluator('eval', v.model !== undefined ? { ...p, model: String(v.model) } : p, {
    dataset: v.dataset as string | undefined,
    dataDir: v['data-dir'] as string | undefined,
    splits: [split],
    batch: numberOption('eval', v, 'batch', { min: 1, integer: true }),
    threads,
    backend: v.backend as Backend,
  });
  return { files, tickets, ev };
}
