// The training loop: batches → forward → loss → backward → optimiser step, with hooks around each step and
// an evaluation at every epoch end. It knows nothing of sparsity or tickets: those attach as hooks.
import type { BatchLoader } from '../data/loader.js';
import { MetricAccumulator, argmaxRow, type Metrics } from '../eval/metrics.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Schedule } from '../optim/schedules.js';
import { RunError } from '../util/errors.js';
import type { EpochRecord, Hook, StepContext, TrainerPosition, TrainingLoss } from './hooks.js';

export type { TrainerPosition, TrainingLoss };

/**
 * Divergence policy: training stops at the first step whose loss is not finite (NaN or ±Infinity), before
 * that step's backward and optimiser update, so the weights are those of the last finite step. No upper
 * bound on a finite loss is imposed (a large loss early in training can recover).
 */
export class DivergenceError extends RunError {
  override name = 'DivergenceError';
  constructor(
    readonly loss: number,
    readonly epoch: number,
    readonly iteration: number,
    readonly lr: number,
  ) {
    super(`training diverged: loss ${loss} at epoch ${epoch + 1}, iteration ${iteration + 1} with learning rate ${lr}`);
  }
}

/** Computes the training loss of a batch: returns the loss, d loss/d logits, and the softmax. */
export interface TrainerOptions {
  model: Module;
  kernels: Kernels;
  optimizer: Optimizer;
  schedule: Schedule;
  loss: TrainingLoss;
  train: BatchLoader;
  /** Splits evaluated at each epoch end, e.g. { val, test }. */
  evalSets: Record<string, BatchLoader>;
  /** Evaluate every N epochs and after the last (default 1: every epoch); other epochs record no metrics. */
  evalEvery?: number;
  epochs: number;
  hooks?: Hook[];
  /** Called after each epoch's evaluation (the run directory writes metrics and a checkpoint here). */
  onEpochEnd?: (record: EpochRecord) => void;
  /** Polled between steps; true stops the run at the next step boundary (Ctrl-C). */
  shouldStop?: () => boolean;
  onProgress?: (ctx: StepContext, batchesPerEpoch: number) => void;
}

export class Trainer {
  readonly model: Module;
  readonly kernels: Kernels;
  readonly optimizer: Optimizer;
  readonly hooks: Hook[];
  position: TrainerPosition = { epoch: 0, batchIndex: 0, iteration: 0, lossSum: 0, correct: 0, seen: 0 };
  private readonly evalLoss: CrossEntropyLoss;
  private seconds = { train: 0, data: 0 };

  constructor(readonly o: TrainerOptions) {
    this.model = o.model;
    this.kernels = o.kernels;
    this.optimizer = o.optimizer;
    this.hooks = o.hooks ?? [];
    this.evalLoss = new CrossEntropyLoss(0, o.kernels);
  }

  get iterationsPerEpoch(): number {
    return this.o.train.batchesPerEpoch();
  }

  get totalIterations(): number {
    return this.o.epochs * this.iterationsPerEpoch;
  }

  /** Trains to the last epoch; returns 'interrupted' when shouldStop() asked it to stop early. */
  async run(): Promise<'completed' | 'interrupted'> {
    const perEpoch = this.iterationsPerEpoch;
    while (this.position.epoch < this.o.epochs) {
      const p = this.position;
      this.model.train();
      const batches = this.o.train.epoch(p.epoch, p.batchIndex);
      for (;;) {
        if (this.o.shouldStop?.()) return 'interrupted';
        const t0 = performance.now();
        const next = batches.next();
        const t1 = performance.now();
        this.seconds.data += (t1 - t0) / 1000;
        if (next.done) break;
        const ctx: StepContext = {
          trainer: this,
          epoch: p.epoch,
          batchIndex: p.batchIndex,
          iteration: p.iteration,
          lr: this.o.schedule(p.iteration),
          batch: next.value,
        };
        this.step(ctx);
        this.seconds.train += (performance.now() - t1) / 1000;
        p.batchIndex++;
        p.iteration++;
        this.o.onProgress?.(ctx, perEpoch);
        // Let signal handlers run between steps (the step itself is synchronous).
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.endEpoch();
    }
    for (const h of this.hooks) h.runEnd?.(this);
    return 'completed';
  }

  private step(ctx: StepContext): void {
    const { batch } = ctx;
    for (const h of this.hooks) h.beforeStep?.(ctx);
    this.model.zeroGrad();
    const logits = this.model.forward({ data: batch.x, shape: batch.shape });
    const { loss, dlogits, probs } = this.o.loss.compute(logits, batch.y, ctx);
    if (!Number.isFinite(loss)) throw new DivergenceError(loss, ctx.epoch, ctx.iteration, ctx.lr);
    ctx.loss = loss;
    this.model.backward(dlogits);
    for (const h of this.hooks) h.afterBackward?.(ctx);
    this.optimizer.step(ctx.lr);
    for (const h of this.hooks) h.afterStep?.(ctx);
    const p = this.position;
    const C = probs.shape[1];
    p.lossSum += loss * batch.n;
    p.seen += batch.n;
    for (let r = 0; r < batch.n; r++) if (argmaxRow(probs.data, r, C) === batch.y[r]) p.correct++;
  }

  private endEpoch(): void {
    const p = this.position;
    const t0 = performance.now();
    const evalMetrics: Record<string, Metrics> = {};
    const epoch = p.epoch + 1;
    if (epoch % (this.o.evalEvery ?? 1) === 0 || epoch >= this.o.epochs)
      for (const [name, loader] of Object.entries(this.o.evalSets)) evalMetrics[name] = this.evaluate(loader);
    const record: EpochRecord = {
      epoch: p.epoch + 1,
      iteration: p.iteration,
      lr: this.o.schedule(Math.max(0, p.iteration - 1)),
      train_loss: p.lossSum / Math.max(1, p.seen),
      train_accuracy: p.correct / Math.max(1, p.seen),
      eval: evalMetrics,
      seconds: { train: this.seconds.train, data: this.seconds.data, eval: (performance.now() - t0) / 1000 },
    };
    this.position = { epoch: p.epoch + 1, batchIndex: 0, iteration: p.iteration, lossSum: 0, correct: 0, seen: 0 };
    this.seconds = { train: 0, data: 0 };
    for (const h of this.hooks) h.epochEnd?.(record, this);
    this.o.onEpochEnd?.(record);
  }

  /** Accuracy, NLL and ECE of the model (in eval mode) on a loader's batches. */
  evaluate(loader: BatchLoader): Metrics {
    const wasTraining = this.model.training;
    this.model.eval();
    const acc = new MetricAccumulator();
    for (const batch of loader.epoch(0)) {
      const logits = this.model.forward({ data: batch.x, shape: batch.shape });
      const { probs } = this.evalLoss.compute(logits, batch.y);
      acc.add(probs.data, batch.y, batch.n, probs.shape[1]);
    }
    this.model.train(wasTraining);
    return acc.result();
  }
}
