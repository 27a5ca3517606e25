// Hooks: how sparse methods, boosters and logging attach to the training loop without editing it (a sparse method
// is a set of hooks on the trainer, docs/ARCHITECTURE.md). Every member is optional.
import type { Batch } from '../data/loader.js';
import type { Metrics } from '../eval/metrics.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../nn/tensor.js';
import type { TensorMap } from '../util/safetensors.js';

/** The loss the trainer minimises: the mean over the batch, its gradient wrt the logits, and the probabilities. */
export interface TrainingLoss {
  compute(logits: Tensor, labels: Int32Array, ctx: StepContext): { loss: number; dlogits: Tensor; probs: Tensor };
}

/** Where a run stands: enough, with the model and optimiser state, to resume exactly. */
export interface TrainerPosition {
  epoch: number;
  batchIndex: number;
  iteration: number;
  /** Running sums of the current epoch's training loss and accuracy. */
  lossSum: number;
  correct: number;
  seen: number;
}

/** What a hook sees of the trainer (trainer.ts's Trainer): its model and optimiser, where the run stands, and its
 * loss (SNIP scores the network with it). */
export interface TrainerView {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly position: TrainerPosition;
  readonly o: { readonly loss: TrainingLoss };
}

export interface StepContext {
  trainer: TrainerView;
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
  epochEnd?(record: EpochRecord, trainer: TrainerView): void;
  runEnd?(trainer: TrainerView): void;
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
