// A training run's parts from its config (docs/ARCHITECTURE.md: a run is a composition, config → data + model →
// Trainer(hooks)): data loaders, model, optimiser, LR schedule, loss, the sparse method's hook, a booster's hook and
// the caller's, and the start a pipeline gives. Everything checkable before training is checked here (UsageError);
// nothing is written: runOnce owns the run directory.
import type { Kernels } from '../kernels/kernels.js';
import { architectureOf, createModel } from '../models/index.js';
import type { Module } from '../nn/module.js';
import { AdamW } from '../optim/adamw.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import type { SparseTraining } from '../sparse/training.js';
import type { Hook } from '../train/hooks.js';
import type { TrainerOptions } from '../train/trainer.js';
import { UsageError } from '../util/errors.js';
import { planBooster } from './booster.js';
import type { TrainConfig } from './config.js';
import { makeLoss } from './loss.js';
import { createModelFor } from './model_fit.js';
import { runData } from './run_data.js';
import { makeSchedule } from './schedule.js';
import { makeSparse } from './sparse_hook.js';
import { applyStart, checkGradInit, type RunStart, type StartedFrom } from './start.js';

/** What a caller's extra hooks can build on: the run's model, its sparse hook (null when dense), its epoch length
 * and class count. */
export interface RunHookContext {
  model: Module;
  sparse: SparseTraining | null;
  itersPerEpoch: number;
  classes: number;
}

export interface BuildOptions {
  /** The run directory: a booster keeps its tickets there once the run writes. */
  runPath: string;
  /** Where a fresh run begins (a lottery round, a retrained ticket); checked against the config, and applied to the
   * model unless the run resumes (its checkpoint holds everything). */
  start?: RunStart;
  resuming?: boolean;
  /** Lines of the hooks (auto's choices, a booster's tickets). */
  log: (line: string) => void;
  hooks?: (ctx: RunHookContext) => Hook[];
}

export interface BuiltRun {
  config: TrainConfig;
  kernels: Kernels;
  classes: number;
  model: Module;
  optimizer: Optimizer;
  sparse: SparseTraining | null;
  /** A booster's hook (its tickets go in <run>/tickets). */
  booster: Hook | null;
  hooks: Hook[];
  /** The method the final ticket's provenance names: the sparse method, with the booster ('rigl+suptickets'). */
  method: string;
  /** The applied start's dense state and masks (GradInit's dense-first order needs them again). */
  startedFrom: StartedFrom | null;
  /** What the Trainer needs, without the run directory's callbacks. */
  trainer: TrainerOptions;
}

function makeOptimizer(
  c: TrainConfig,
  params: ReturnType<ReturnType<typeof createModel>['namedParameters']>,
  k: Kernels,
): Optimizer {
  const o = c.optimizer;
  if (o.kind === 'adamw')
    return new AdamW(params, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay });
  return new SGD(k, params, { lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay });
}

export function buildRun(c: TrainConfig, o: BuildOptions): BuiltRun {
  if (c.pipeline)
    throw new UsageError(
      `train: the config describes a ${c.pipeline.kind} pipeline, not one training run; run it with sparsetickets sweep or reproduce`,
    );
  const { data, kernels, train, evalSets } = runData(c);
  const model = createModelFor('train', c.model, data, {
    width: c.width,
    numClasses: data.classes,
    seed: c.seed,
    kernels,
    ...architectureOf(c),
  });
  checkGradInit(c, o.start);
  const optimizer = makeOptimizer(c, model.namedParameters(), kernels);
  const loss = makeLoss(c, kernels, data.classes, data.shape);
  const ipe = train.batchesPerEpoch();
  // A booster says which epochs the sparse method's schedules (update end, drop-fraction decay, GraNet's pruning
  // window) span — Sup-tickets its normal phase (the paper's "base method", SPEC §6), EDST the whole run.
  const boost = planBooster(c);
  const sparse = makeSparse(c, model, kernels, optimizer, data.shape, ipe, boost?.sparseEpochs ?? c.epochs, o.log);
  const booster =
    boost && sparse
      ? boost.hook({
          sparse,
          kernels,
          itersPerEpoch: ipe,
          classes: data.classes,
          inputShape: data.shape,
          runPath: o.runPath,
          evalSets,
          bnData: train,
          log: o.log,
        })
      : null;
  const hooks: Hook[] = [
    ...(sparse ? [sparse] : []),
    ...(booster ? [booster] : []),
    ...(o.hooks?.({ model, sparse, itersPerEpoch: ipe, classes: data.classes }) ?? []),
  ];
  const startedFrom = o.start && !o.resuming ? applyStart(o.start, model, sparse) : null;
  const trainer: TrainerOptions = {
    model,
    kernels,
    optimizer,
    schedule: boost ? boost.schedule(ipe) : makeSchedule(c, ipe),
    loss,
    train,
    evalSets,
    evalEvery: c.evalEvery,
    epochs: c.epochs,
    hooks,
  };
  const method = boost && sparse ? `${sparse.s.method}+${boost.kind}` : (sparse?.s.method ?? 'dense');
  return {
    config: c,
    kernels,
    classes: data.classes,
    model,
    optimizer,
    sparse,
    booster,
    hooks,
    method,
    startedFrom,
    trainer,
  };
}
