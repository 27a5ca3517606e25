// Where a fresh run begins when it is not the seed's plain initialisation: a lottery round's or a retrained ticket's
// start state and fixed masks (SPEC §5), and GradInit's re-scaled initialisation (the TRT tweak, SPEC §9) before
// the first step — on the dense starting weights, the mask applied afterwards (ToST's order), or on the masked ones.
import type { BatchLoader } from '../data/loader.js';
import type { Kernels } from '../kernels/kernels.js';
import { isJumpPath } from '../models/residual.js';
import { gradInit, type GradInitBatch, type GradInitReport } from '../nn/gradinit.js';
import type { Module } from '../nn/module.js';
import type { SparseTraining } from '../sparse/training.js';
import { UsageError } from '../util/errors.js';
import type { TensorMap } from '../util/safetensors.js';
import type { TrainConfig } from './config.js';

/** Where a run begins when it is a round of a lottery pipeline, or a ticket's mask retrained. */
export interface RunStart {
  /** The whole model state to load (a rewind point, or a previous round's weights for LTR); absent: the run's own
   * initialisation (rewinding to epoch 0 of the same seed). With extra skips (SPEC §9) the jump paths may be
   * missing from it: they are new to a ticket found without them and keep their initialisation. */
  state?: TensorMap;
  /** Fixed masks of the masked weights (the config's sparse method must be static); a prunable weight without
   * one stays dense. */
  masks: Map<string, Uint8Array>;
  /** The epoch training starts at: the LR schedule and the loaders continue from there (rewinding to epoch k
   * trains epochs k…E). */
  epoch: number;
}

/** The dense state a start loaded, and its masks: what GradInit's dense-first order needs again. */
export interface StartedFrom {
  dense: TensorMap;
  masks: Map<string, Uint8Array>;
}

/** Loads the start's state (masked) and fixes its masks in the (static) sparse hook. */
export function applyStart(start: RunStart, model: Module, sparse: SparseTraining | null): StartedFrom {
  if (!sparse || sparse.s.method !== 'static')
    throw new UsageError('a run that starts from given masks needs the static sparse method (fixed masks)');
  try {
    const dense = withNewJumps(start.state ?? model.stateDict(), model);
    model.loadStateDict(dense, { strict: true });
    sparse.useMasks(start.masks);
    return { dense, masks: start.masks };
  } catch (e) {
    throw new UsageError(`start state: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The state, plus the model's own jump-path tensors where the state has none (a ticket found without them). */
function withNewJumps(state: TensorMap, model: Module): TensorMap {
  const missing = model.namedState().filter(([name]) => isJumpPath(name) && !state.has(name));
  if (missing.length === 0) return state;
  const out: TensorMap = new Map(state);
  const own = model.stateDict();
  for (const [name] of missing) out.set(name, own.get(name)!);
  return out;
}

/** GradInit applies to dense training and to a ticket's fixed mask retrained from a start; other methods draw
 * and change their own masks. A usage error before any work. */
export function checkGradInit(c: TrainConfig, start: RunStart | undefined): void {
  if (!c.gradinit) return;
  const method = c.sparse?.method ?? 'dense';
  if ((method === 'dense' && !start) || (method === 'static' && start)) return;
  throw new UsageError(
    `gradinit applies to dense training and to retraining a ticket's mask (sparsetickets retrain), not to method ${method}`,
  );
}

/**
 * Runs GradInit on the model (SPEC §9) with batches of the training data the run's loader draws (its shuffles of
 * epochs −1, −2, …, which no training epoch uses), in the config's order: dense-first learns the scales on the
 * start's dense state, then applies the masks; mask-first on the masked weights. A dense run has no masks.
 */
export function runGradInit(
  c: TrainConfig,
  model: Module,
  kernels: Kernels,
  train: BatchLoader,
  started: StartedFrom | null,
  sparse: SparseTraining | null,
  log: (line: string) => void,
): GradInitReport {
  const { order, ...settings } = c.gradinit!;
  if (started && order === 'dense-first') model.loadStateDict(started.dense, { strict: true });
  const report = gradInit(model, batches(train), settings, {
    kernels,
    masks: started && order === 'mask-first' ? started.masks : undefined,
    onIteration: (it) => {
      if ((it.iteration + 1) % 20 === 0 || it.iteration + 1 === settings.iterations)
        log(
          `gradinit ${it.iteration + 1}/${settings.iterations}: ${it.kind} step, loss ${it.loss.toFixed(4)}, ` +
            `‖g‖ ${it.gnorm.toFixed(4)}${it.lookahead === undefined ? '' : `, look-ahead loss ${it.lookahead.toFixed(4)}`}`,
        );
    },
  });
  if (started) sparse!.useMasks(started.masks);
  return report;
}

function batches(train: BatchLoader): () => GradInitBatch {
  let epoch = -1;
  let it = train.epoch(epoch);
  return () => {
    let next = it.next();
    if (next.done) {
      it = train.epoch(--epoch);
      next = it.next();
    }
    const b = next.value!;
    return { x: b.x, y: b.y, shape: b.shape };
  };
}
