// Hooks: how sparse methods, boosters and logging attach to the training loop without editing it
// (DESIGN.md: "a sparse method is a set of hooks on the trainer"). Every member is optional.
import type { Batch } from '../data/loader.js';
import type { Metrics } from '../eval/metrics.js';
import type { TensorMap } from '../util/safetensors.js';
import type { Trainer } from './trainer.js';

export interface StepContext {
  trainer: Trainer;
  epoch: number;
  /** Batch index within the epoch. */
  batchIndex: number;
  /** Global iteration (0-based), the clock of schedules and mask updates. */
  iteration: number;
  lr: number;
  batch: Batch;
  /** Set after the forward pass. */
  loss?: number;
}

export interface EpochRecord {
  epoch: number;
  iteration: number;
  lr: number;
  train_loss: number;
  train_accuracy: number;
  /** Evaluation metrics per split, e.g. { val: {...}, test: {...} }. */
  eval: Record<string, Metrics>;
  seconds: { train: number; data: number; eval: number };
}

/** A hook whose checkpoint state is of type S. A hook with a typed state also has parseState, which checks the JSON
 * read back from a checkpoint before loadState gets it (checkpoint.ts): state is validated where it enters, not
 * cast from unknown. */
export interface Hook<S = unknown> {
  readonly name: string;
  beforeStep?(ctx: StepContext): void;
  /** After the backward pass, before the optimiser step (e.g. masking gradients). */
  afterBackward?(ctx: StepContext): void;
  /** After the optimiser step (e.g. masking weights and momentum, prune-and-grow). */
  afterStep?(ctx: StepContext): void;
  epochEnd?(record: EpochRecord, trainer: Trainer): void;
  runEnd?(trainer: Trainer): void;
  /** What the hook adds to the run's summary.json under its name (e.g. a booster's ticket metrics). */
  report?(): unknown;
  /** State to persist in checkpoints (JSON-serialisable), and its restoration on --resume. */
  saveState?(): S;
  /** The state as read back from a checkpoint's JSON, checked: throws naming what does not fit. */
  parseState?(json: unknown): S;
  loadState?(state: S): void;
  /** Tensors to persist in checkpoints (masks as '<param>.mask'), and their restoration (called before
   * loadState). */
  stateTensors?(): TensorMap;
  loadStateTensors?(tensors: TensorMap): void;
}
