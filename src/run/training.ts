// Assembles a training run from a resolved config: config → data + model → Trainer(hooks), with the run
// directory, checkpoints, resume and Ctrl-C handling around it (DESIGN.md: a run is a composition). A run
// that fails during work (diverges, fills the disk, runs out of memory) ends with summary.json saying so and
// why, its last good checkpoint kept, and one line for the user (RunError).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitValidation } from '../data/split.js';
import { BatchLoader } from '../data/loader.js';
import { DataError } from '../data/dataset.js';
import { loadDataset, type DatasetBundle } from '../data/registry.js';
import type { Metrics } from '../eval/metrics.js';
import { getKernels, type Backend } from '../kernels/index.js';
import { createModel } from '../models/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { AdamW } from '../optim/adamw.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import type { EpochRecord, Hook } from '../train/hooks.js';
import { readMetricsFile, RunDir, writeFileAtomic } from '../train/rundir.js';
import { SparseTraining } from '../sparse/training.js';
import { summarizeModel } from '../nn/summary.js';
import type { Module } from '../nn/module.js';
import { resolveSparse } from './sparse_settings.js';
import { DivergenceError, Trainer, type TrainerPosition } from '../train/trainer.js';
import { makeLoss } from './loss.js';
import { makeSchedule } from './schedule.js';
import { planBooster } from './booster.js';
import { runProvenance } from './provenance.js';
import { saveTicket, ticketFromModel } from '../tickets/ticket.js';
import { errorLine, RunError, UsageError } from '../util/errors.js';
import { markdownTable } from '../util/markdown.js';
import type { TrainConfig } from './config.js';
import { createModelFor } from './model_fit.js';
import { Progress } from '../util/progress.js';
import { checkMemory } from './memory_estimate.js';
import { catchStopSignals, type StopSignal } from './signals.js';
import { applyStart, checkGradInit, runGradInit, type RunStart, type StartedFrom } from './start.js';
import { architectureOf } from '../models/index.js';
import type { Provenance } from '../tickets/ticket.js';

export type { RunStart };

export interface RunOptions {
  mode: 'fresh' | 'overwrite' | 'resume';
  /** Testing aid: behave as if interrupted (Ctrl-C) after this many iterations of this invocation. */
  haltAfter?: number;
  quiet?: boolean;
  /** A line for stderr once everything is validated and the run directory is open (e.g. its automatic name). */
  notice?: string;
  /** Begin a fresh run from a given state instead of the seed's initialisation (IMP/OMP/LTR rounds, SPEC §5);
   * ignored on resume, where the checkpoint holds everything. */
  start?: RunStart;
  /** What the final ticket's provenance adds (e.g. the ticket a retrained run came from, and how). */
  provenance?: Partial<Provenance>;
}

/** What a caller's extra hooks can build on: the run's model, its sparse hook (null when dense), its epoch length
 * and class count. */
export interface RunHookContext {
  model: Module;
  sparse: SparseTraining | null;
  itersPerEpoch: number;
  classes: number;
}

export interface RunSummary {
  run: string;
  /** diverged: a non-finite training loss stopped it (Trainer's policy); failed: an error during work. */
  status: 'completed' | 'interrupted' | 'diverged' | 'failed';
  /** diverged or failed: what happened, in the line the user saw. */
  reason?: string;
  /** interrupted by a signal (Ctrl-C, a scheduler's SIGTERM, a closed terminal's SIGHUP). */
  signal?: StopSignal;
  model: string;
  dataset: string;
  epochs: number;
  iterations: number;
  final: Record<string, Metrics>;
  best_val?: { epoch: number; accuracy: number };
  wall_seconds: number;
  seconds: { train: number; data: number; eval: number };
  threads: number;
  backend: string;
  isa: string;
  /** Method, final density, and training FLOPs normalised by dense training (SPEC §4). */
  sparse?: {
    method: string;
    sparsity: number;
    density: number;
    /** Training FLOPs normalised by dense training (SPEC §4). */
    training_flops: number;
    /** Forward FLOPs per sample, dense and with the final masks. */
    forward_flops?: { dense: number; sparse: number };
    mask_updates: number;
  };
  /** A booster's report (Sup-tickets: the ultimate ticket's, the last network's and the tickets' ensemble's
   * metrics), under the hook's name. */
  [hook: string]: unknown;
}

export function defaultRunName(c: TrainConfig): string {
  return `${c.model}-${c.dataset}-s${c.seed}`;
}

function loadData(c: TrainConfig): DatasetBundle {
  try {
    return loadDataset(c.dataset, { dataDir: c.dataDir });
  } catch (e) {
    if (e instanceof DataError) throw new UsageError(e.message);
    throw e;
  }
}

function makeOptimizer(
  c: TrainConfig,
  params: ReturnType<ReturnType<typeof createModel>['namedParameters']>,
  k: ReturnType<typeof getKernels>,
): Optimizer {
  const o = c.optimizer;
  if (o.kind === 'adamw')
    return new AdamW(params, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay });
  return new SGD(k, params, { lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay });
}

/** The sparse-training hook of the config's method (null for dense training); bad settings are usage errors. */
function makeSparse(
  c: TrainConfig,
  model: Module,
  kernels: Kernels,
  optimizer: Optimizer,
  inputShape: [number, number, number],
  itersPerEpoch: number,
  epochs: number,
  log: (line: string) => void,
): SparseTraining | null {
  const settings = resolveSparse(c, epochs);
  if (!settings) {
    if (c.mode === 'sparse')
      throw new UsageError('train: --mode sparse: method dense has no masks to run sparse (use --mode dense)');
    return null;
  }
  if (c.mode === 'dense') {
    throw new UsageError(
      `train: --mode dense runs without masks, but method ${settings.method} has them (use masked, sparse or auto)`,
    );
  }
  const summary = summarizeModel(model, inputShape);
  const layerFlops = new Map(summary.layers.map((l) => [l.name, l.flops_dense]));
  try {
    return new SparseTraining(settings, {
      model,
      kernels,
      optimizer,
      seed: c.seed,
      itersPerEpoch,
      totalIterations: itersPerEpoch * epochs,
      layerFlops,
      otherFlops: summary.other_flops,
      execution: c.mode,
      log,
    });
  } catch (e) {
    throw new UsageError(`sparse: ${(e as Error).message}`);
  }
}

const sumOf = <T>(xs: T[], key: keyof T) => xs.reduce((a, x) => a + (x[key] as number), 0);

/** Writes the layer-wise density table (as Sup-tickets' appendix Table 9) as JSON and markdown. */
function writeLayerReport(dir: RunDir, c: TrainConfig, sparse: SparseTraining): void {
  const r = sparse.layerReport();
  dir.writeJson('layer_density.json', { method: sparse.s.method, sparsity: sparse.s.sparsity, ...r });
  const table = markdownTable(
    ['layer', 'shape', 'params', 'nonzeros', 'density', 'forward FLOPs/sample (dense → sparse)', 'runs'],
    [
      ...r.layers.map((l) => [
        l.name,
        l.shape.join('×'),
        String(l.params),
        String(l.nnz),
        l.density.toFixed(4),
        `${l.flops_dense} → ${Math.round(l.flops_sparse)}`,
        l.execution,
      ]),
      [
        '**total**',
        '',
        String(sumOf(r.layers, 'params')),
        String(sumOf(r.layers, 'nnz')),
        r.density.toFixed(4),
        `${sumOf(r.layers, 'flops_dense')} → ${Math.round(sumOf(r.layers, 'flops_sparse'))}`,
        '',
      ],
    ],
  );
  const title = `# Layer-wise density: ${c.model}, ${sparse.s.method}, sparsity ${sparse.s.sparsity} (${sparse.s.distribution})`;
  writeFileAtomic(join(dir.path, 'layer_density.md'), `${title}\n\n${table}`);
}

/** Validates everything that can be checked before training, then trains; returns the summary. */
export async function runTraining(
  c: TrainConfig,
  o: RunOptions,
  extraHooks: (ctx: RunHookContext) => Hook[] = () => [],
): Promise<RunSummary> {
  const started = performance.now();
  if (c.pipeline)
    throw new UsageError(
      `train: the config describes a ${c.pipeline.kind} pipeline, not one training run; run it with sparsetickets sweep or reproduce`,
    );
  const data = loadData(c);
  let kernels;
  try {
    kernels = getKernels(c.backend as Backend, c.threads);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const { train, val } = splitValidation(data.train, c.valFraction, c.trainSubset);
  checkTrainable(c, train.n, data.train.n);
  const augment = c.augment ?? data.augment;
  const norm = data.normalization;
  const trainLoader = new BatchLoader(train, {
    batch: c.batch,
    shuffle: true,
    augment,
    normalization: norm,
    seed: c.seed,
  });
  const evalLoader = (set: typeof train) =>
    new BatchLoader(set, { batch: 500, shuffle: false, augment: false, normalization: norm, seed: c.seed });
  const evalSets: Record<string, BatchLoader> = {};
  if (val.n > 0) evalSets.val = evalLoader(val);
  evalSets.test = evalLoader(data.test);

  checkMemory('train', {
    model: c.model,
    width: c.width,
    numClasses: data.classes,
    inputShape: data.shape,
    batch: c.batch,
    evalBatch: Math.min(500, Math.max(val.n, data.test.n)),
    optimizerSlots: c.optimizer.kind === 'adamw' ? 2 : 1,
    masks: (c.sparse?.method ?? 'dense') !== 'dense' && c.mode !== 'sparse',
  });
  const model = createModelFor('train', c.model, data, {
    width: c.width,
    numClasses: data.classes,
    seed: c.seed,
    kernels,
    ...architectureOf(c),
  });
  checkGradInit(c, o.start);
  const params = model.namedParameters();
  const optimizer = makeOptimizer(c, params, kernels);
  const loss = makeLoss(c, kernels, data.classes, data.shape);
  const name = c.name ?? defaultRunName(c);
  // Lines of the sparse hook (auto's choices) go through the progress bar, which keeps them off its line.
  const progress = new Progress(`train ${name}`, 'it');
  const ipe = trainLoader.batchesPerEpoch();
  // A booster says which epochs the sparse method's schedules (update end, drop-fraction decay, GraNet's pruning
  // window) span — Sup-tickets its normal phase (the paper's "base method", SPEC §6), EDST the whole run.
  const boost = planBooster(c);
  const log = (line: string) => {
    if (!o.quiet) progress.log(line);
  };
  const sparse = makeSparse(c, model, kernels, optimizer, data.shape, ipe, boost?.sparseEpochs ?? c.epochs, log);
  const runPath = join(c.runsDir, name);
  const booster =
    boost && sparse
      ? boost.hook({
          sparse,
          kernels,
          itersPerEpoch: ipe,
          classes: data.classes,
          inputShape: data.shape,
          runPath,
          evalSets,
          bnData: trainLoader,
          log,
        })
      : null;
  const hooks: Hook[] = [
    ...(sparse ? [sparse] : []),
    ...(booster ? [booster] : []),
    ...extraHooks({ model, sparse, itersPerEpoch: ipe, classes: data.classes }),
  ];
  const startedFrom: StartedFrom | null = o.start && o.mode !== 'resume' ? applyStart(o.start, model, sparse) : null;
  // --resume: the checkpoint is read and restored before the run directory is touched; a truncated one, or
  // one of another architecture or width, is a usage error naming it and leaves the directory as it was.
  let resumeAt: TrainerPosition | undefined;
  if (o.mode === 'resume') {
    const file = join(c.runsDir, name, 'checkpoints', 'last.safetensors');
    try {
      resumeAt = restoreCheckpoint(readCheckpoint(file), { model, optimizer, hooks });
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      throw new UsageError(`train --resume: ${msg.includes(file) ? msg : `${file}: ${msg}`}`);
    }
  }
  // Everything is validated: only now is the run directory created (or replaced).
  const dir = (() => {
    try {
      return RunDir.open(c.runsDir, name, o.mode);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  if (booster) mkdirSync(join(dir.path, 'tickets'), { recursive: true });
  if (o.notice) process.stderr.write(o.notice + '\n');
  if (dir.replaced) process.stderr.write(`train: replacing ${dir.path}, a run that never saved a checkpoint\n`);
  let interrupted = false;
  let stepsThisInvocation = 0;
  const history: EpochRecord[] = [];
  const checkpoint = (file: string) =>
    saveCheckpoint(join(dir.checkpoints, file), {
      model,
      optimizer,
      hooks,
      position: trainer.position,
      config: c,
      modelName: c.model,
    });

  const trainer = new Trainer({
    model,
    kernels,
    optimizer,
    schedule: boost ? boost.schedule(ipe) : makeSchedule(c, ipe),
    loss,
    train: trainLoader,
    evalSets,
    evalEvery: c.evalEvery,
    epochs: c.epochs,
    hooks,
    shouldStop: () => interrupted || (o.haltAfter !== undefined && stepsThisInvocation >= o.haltAfter),
    onProgress: (ctx, perEpoch) => {
      stepsThisInvocation++;
      if (!o.quiet)
        progress.update(
          ctx.iteration + 1,
          c.epochs * perEpoch,
          `epoch ${ctx.epoch + 1}/${c.epochs} loss ${ctx.loss?.toFixed(4)}`,
        );
    },
    onEpochEnd: (record) => {
      history.push(record);
      dir.appendMetrics(record);
      checkpoint('last.safetensors');
      if (c.checkpointEvery > 0 && record.epoch % c.checkpointEvery === 0)
        checkpoint(`epoch-${String(record.epoch).padStart(4, '0')}.safetensors`);
      const line = Object.entries(record.eval)
        .map(([k, m]) => `${k} acc ${(100 * m.accuracy).toFixed(2)}% nll ${m.nll.toFixed(4)}`)
        .join(', ');
      if (!o.quiet)
        progress.log(
          `epoch ${record.epoch}/${c.epochs}: train loss ${record.train_loss.toFixed(4)} acc ${(100 * record.train_accuracy).toFixed(2)}%, ${line}`,
        );
    },
  });

  // A failure from here on (a full disk, a damaged metrics.jsonl) releases the run before it reaches the user.
  try {
    if (!resumeAt && o.start)
      trainer.position = { ...trainer.position, epoch: o.start.epoch, iteration: o.start.epoch * ipe };
    if (resumeAt) {
      trainer.position = resumeAt;
      // A run resumed under another name or runs directory (a copy) records where it now is.
      const stored = JSON.parse(readFileSync(join(dir.path, 'config.json'), 'utf8')) as Partial<TrainConfig>;
      if ((stored.name ?? defaultRunName(c)) !== name || stored.runsDir !== c.runsDir)
        dir.writeJson('config.json', { ...stored, name, runsDir: c.runsDir });
      // metrics.jsonl holds exactly the epochs the checkpoint has completed (a last line cut short by a full
      // disk or a kill is dropped).
      const { lines } = readMetricsFile(join(dir.path, 'metrics.jsonl'));
      const kept = lines.filter((l) => (JSON.parse(l) as EpochRecord).epoch <= trainer.position.epoch);
      dir.truncateMetrics(kept);
      for (const l of kept) history.push(JSON.parse(l) as EpochRecord);
    } else {
      dir.writeJson('config.json', c);
      // TRT (SPEC §9): the re-scaled initialisation, once, before the first step; a resumed run has its result.
      if (c.gradinit) {
        dir.writeJson('gradinit.json', runGradInit(c, model, kernels, trainLoader, startedFrom, sparse, log));
        progress.restart();
      }
    }
  } catch (e) {
    dir.release();
    throw e;
  }

  const stop = catchStopSignals((signal) => {
    interrupted = true;
    progress.log(
      signal === 'SIGINT'
        ? 'interrupted: saving a checkpoint at the end of this step (Ctrl-C again to quit at once)'
        : `${signal}: saving a checkpoint at the end of this step, then stopping`,
    );
  });
  let status: RunSummary['status'];
  let failure: unknown;
  try {
    status = await trainer.run();
    if (status === 'interrupted') checkpoint('last.safetensors');
  } catch (e) {
    failure = e;
    status = e instanceof DivergenceError ? 'diverged' : 'failed';
  } finally {
    stop.dispose();
  }

  const last = history[history.length - 1];
  const withVal = history.filter((h) => h.eval.val);
  const best = withVal.reduce<EpochRecord | undefined>(
    (b, h) => (!b || h.eval.val.accuracy > b.eval.val.accuracy ? h : b),
    undefined,
  );
  const sum = (k: 'train' | 'data' | 'eval') => history.reduce((s, h) => s + h.seconds[k], 0);
  const summary: RunSummary = {
    run: dir.path,
    status,
    ...(failure === undefined ? {} : { reason: errorLine(failure, false) }),
    ...(status === 'interrupted' && stop.signal ? { signal: stop.signal } : {}),
    model: c.model,
    dataset: c.dataset,
    epochs: trainer.position.epoch,
    iterations: trainer.position.iteration,
    final: last?.eval ?? {},
    best_val: best ? { epoch: best.epoch, accuracy: best.eval.val.accuracy } : undefined,
    wall_seconds: (performance.now() - started) / 1000,
    seconds: { train: sum('train'), data: sum('data'), eval: sum('eval') },
    threads: kernels.threads(),
    backend: kernels.name,
    isa: kernels.isa,
  };
  if (failure !== undefined) throw failRun(dir, summary, failure);
  if (sparse) {
    const flops = sparse.flopsReport();
    summary.sparse = {
      method: sparse.s.method,
      sparsity: sparse.s.sparsity,
      density: sparse.masks.densities().overall,
      training_flops: flops.training,
      forward_flops: { dense: flops.forward_dense, sparse: flops.forward_sparse },
      mask_updates: sparse.updates.length,
    };
    writeLayerReport(dir, c, sparse);
  } else summary.sparse = { method: 'dense', sparsity: 0, density: 1, training_flops: 1, mask_updates: 0 };
  for (const h of hooks) {
    const r = h.report?.();
    if (r !== undefined) summary[h.name] = r;
  }
  if (c.gradinit && existsSync(join(dir.path, 'gradinit.json')))
    summary.gradinit = JSON.parse(readFileSync(join(dir.path, 'gradinit.json'), 'utf8'));
  if (status === 'completed') {
    // The user's file: exactly the model's state dict (PyTorch load_state_dict strict), masks in its metadata.
    const method = boost && sparse ? `${sparse.s.method}+${boost.kind}` : (sparse?.s.method ?? 'dense');
    const ticket = ticketFromModel(model, sparse?.ticketMasks() ?? new Map(), {
      ...runProvenance(c, data.classes, method, dir.path),
      epoch: trainer.position.epoch,
      iteration: trainer.position.iteration,
      kind: 'final',
      metrics: summary.final,
      ...o.provenance,
    });
    saveTicket(join(dir.path, 'model.safetensors'), ticket);
  }
  dir.writeJson('summary.json', summary);
  dir.release();
  return summary;
}

/** An empty training split (a --val-fraction near 1, a tiny dataset) would "complete" without a step. */
function checkTrainable(c: TrainConfig, trainSamples: number, total: number): void {
  if (trainSamples === 0)
    throw new UsageError(
      `train: valFraction ${c.valFraction} leaves no training samples (${total} in ${c.dataset}'s training set); lower --val-fraction`,
    );
}

/** Records a run that failed during work in its summary.json (best effort: the disk may be what failed),
 * releases the run, and returns the one line for the user: what happened, where, and what is left. */
function failRun(dir: RunDir, summary: RunSummary, failure: unknown): RunError {
  try {
    dir.writeJson('summary.json', summary);
  } catch {
    // the reason reaches the user on stderr all the same
  }
  dir.release();
  const last = join(dir.checkpoints, 'last.safetensors');
  const left = existsSync(last)
    ? `last good checkpoint ${last} (--resume continues from it)`
    : 'no checkpoint saved (a plain re-run replaces it)';
  const bug = errorLine(failure) !== summary.reason ? ' (--debug prints the stack trace)' : '';
  return new RunError(`train: ${summary.reason}; run ${dir.path} ends '${summary.status}', ${left}${bug}`, {
    cause: failure,
  });
}
