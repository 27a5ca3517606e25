/**
 * sparsetickets — sparse neural-network training in TypeScript on a native CPU engine, and the ticket methods
 * built on it (docs/API.md has a worked example). The public API, by layer:
 *
 * - **run**: {@link train} one run from a config (what `sparsetickets train` does), {@link evaluate} tickets;
 *   the config schema, {@link runOnce} (one run in its directory, skipped when done, resumed when checkpointed) and
 *   {@link buildRun} (a run's parts) for full control.
 * - **tickets**: {@link Ticket} files (PyTorch-loadable state dicts with masks and provenance) and their algebra —
 *   {@link superpose} / {@link Superposition} (CIA, CAA, CIMA), {@link interpolate}, {@link pruneTicket},
 *   {@link refreshBatchNorm} (BU) — the Sup-tickets booster {@link SupTickets}, and {@link retrainTicket}: a lottery
 *   round's mask retrained with the tweaks of "spending the lottery better" (SPEC §9; {@link gradInit}).
 * - **sparse**: {@link SparseTraining}, the trainer hook of every sparse method (static, SNIP, SET, RigL, SNFS,
 *   GraNet, GMP), masks and FLOPs.
 * - **train**: the {@link Trainer} loop and its {@link Hook}s, checkpoints.
 * - **models, data, nn, optim, kernels**: the zoo ({@link createModel}), datasets and loaders, layers with
 *   explicit forward/backward, SGD/AdamW and LR schedules, the kernel backends.
 * - **eval**: predictions and the metrics of SPEC §10 (accuracy, NLL, ECE; ensembles; the suite: corruptions, OOD,
 *   FGSM, Hessian, sparsity, significance).
 *
 * @packageDocumentation
 */

// run: one training run, evaluation of tickets, configs
export { train, evaluate, type EvaluateOptions, type EvaluateResult } from './run/api.js';
export { runTraining, defaultRunName, type RunOptions, type RunSummary } from './run/training.js';
export { runOnce, type RunMode, type RunOnceOptions } from './run/run_once.js';
export { buildRun, type BuildOptions, type BuiltRun, type RunHookContext } from './run/build.js';
export type { RunStart } from './run/start.js';
export {
  DEFAULT_TRAIN,
  trainConfigSchema,
  validateConfig,
  mergeConfig,
  readConfigFile,
  type TrainConfig,
  type TrainConfigInput,
} from './run/config.js';
export { ticketEvaluator, type TicketDataOptions } from './run/ticket_data.js';
export {
  gradinitSchema,
  tweakSetSchema,
  tweakTag,
  describeTweaks,
  type TweakSet,
  type TweakSetInput,
} from './run/tweak_config.js';
export { readNetworkFile, type NetworkFile } from './run/network_file.js';

// tickets
export {
  applyTicket,
  checkCompatible,
  cloneTicket,
  loadTicket,
  maskDensity,
  maskNonzeros,
  saveTicket,
  ticketFromModel,
  TicketError,
  TICKET_FORMAT,
  type Provenance,
  type Ticket,
} from './tickets/ticket.js';
export {
  superpose,
  Superposition,
  SUPERPOSE_KINDS,
  type SuperposeKind,
  type SuperposeOptions,
} from './tickets/superpose.js';
export { interpolate } from './tickets/interpolate.js';
export { pruneTicket, prunableNames, PRUNE_SCOPES, type PruneOptions, type PruneScope } from './tickets/prune.js';
export { refreshBatchNorm, batchNormLayers } from './tickets/batchnorm.js';
export { TicketEvaluator, type TicketEvaluatorOptions } from './tickets/evaluate.js';
export {
  retrainTicket,
  retrainSource,
  retrainPlan,
  type RetrainOptions,
  type RetrainSource,
} from './pipelines/retrain.js';
export { runPipeline, type PipelineOptions, type PipelineRow, type PipelineSummary } from './pipelines/pipeline.js';
/** FreeTickets' all-round evaluation of an ensemble: the suite, its training FLOPs and parameters (SPEC §8, §10). */
export {
  evaluateEnsemble,
  keptParameters,
  resolveMembers,
  type EnsembleOptions,
  type EnsembleReport,
} from './pipelines/ensemble_eval.js';
export {
  SupTickets,
  supTicketsBudget,
  type SupTicketsBudget,
  type SupTicketsContext,
  type SupTicketsReport,
  type SupTicketsSettings,
} from './tickets/suptickets.js';

// sparse
export {
  SparseTraining,
  type SparseContext,
  type UpdateRecord,
  type UpdateRequests,
  type UpdateTimetable,
  type ExplorationCriteria,
} from './sparse/training.js';
export { METHODS, methodDefaults, type Method, type SparseSettings } from './sparse/method.js';
export { Masks, type MaskedLayer } from './sparse/masks.js';
export { pruneAndGrow } from './sparse/prune_grow.js';
export { dropFraction, cubicSparsity, isUpdateIteration, type DropSchedule } from './sparse/schedules.js';
export { layerDensities } from './sparse/distribution.js';
export { trainingStepFlops } from './sparse/flops.js';

// train
export { Trainer, type TrainerOptions, type TrainerPosition, type TrainingLoss } from './train/trainer.js';
export type { Hook, StepContext, EpochRecord } from './train/hooks.js';
export { saveCheckpoint, readCheckpoint, restoreCheckpoint, loadModelState } from './train/checkpoint.js';

// eval
export { MetricAccumulator, argmaxRow, ECE_BINS, type Metrics } from './eval/metrics.js';
export { predict, metricsOf, meanPredictions, type Predictions } from './eval/predict.js';
export { reliabilityDiagram, pooledMetrics, type ReliabilityBin } from './eval/calibration.js';
export { diversity, type Diversity } from './eval/ensemble.js';
export { rocAuc, oodScores, oodAuroc, OOD_SCORES, type OodScore } from './eval/ood.js';
export { ksTwoSample, ksExactP, summarize, type KsResult, type Summary } from './eval/stats.js';
export { fgsmPixels, fgsmPredictions, inputGradient, FGSM_EPSILON } from './eval/fgsm.js';
export { topHessianEigenvalue, HESSIAN_STEP, type HessianResult } from './eval/hessian.js';
export { activationSparsity, sparsityTable, type SparsityTable, type LayerDensity } from './eval/sparsity.js';
export { runSuite, SUITE_METRICS, type SuiteInput, type SuiteReport, type SuiteMetric } from './eval/suite.js';
export { CORRUPTIONS, corruptImage, corruptSet, type Corruption } from './data/corruptions.js';
export { CorruptionFiles, readNpy, readMat, readSvhnMat } from './data/npy.js';
export { gaussianNoiseSet, uniformNoiseSet, loadOodSet } from './data/ood.js';

// models, data, nn, optim, kernels
export {
  createModel,
  modelInputShape,
  MODEL_NAMES,
  isModelName,
  EXTRA_SKIP_MODELS,
  architectureOf,
  type Architecture,
  type ModelOptions,
} from './models/index.js';
export { isJumpPath, JUMP_INIT } from './models/residual.js';
export { loadDataset, DATASET_NAMES, type DatasetBundle, type DatasetName } from './data/registry.js';
export { BatchLoader, type Batch, type LoaderOptions } from './data/loader.js';
export { splitValidation } from './data/split.js';
export type { ImageSet } from './data/dataset.js';
export * from './nn/index.js';
export { SGD } from './optim/sgd.js';
export { AdamW } from './optim/adamw.js';
export type { Optimizer } from './optim/optimizer.js';
export { constant, cosine, cyclicTriangle, multistep, phased, warmup, type Schedule } from './optim/schedules.js';
export { getKernels, BACKENDS, type Backend, type Kernels } from './kernels/index.js';
export { readSafetensors, writeSafetensors, type SafeTensor, type TensorMap } from './util/safetensors.js';
export { UsageError } from './util/errors.js';
