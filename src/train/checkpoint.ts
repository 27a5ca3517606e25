// Checkpoints: one safetensors file holding the model's state under PyTorch's names and layouts, the
// tensors hooks persist (masks as '<param>.mask', uint8; their names listed in __metadata__.hook_tensors), and the optimiser's per-parameter state under
// 'optimizer.<slot>.<param>'; the resolved config, trainer position, optimiser scalars and hook states are
// JSON strings in __metadata__. Written to a temporary file and renamed, so an interrupted write never
// leaves a corrupt checkpoint.
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { readSafetensors, writeSafetensors, type SafeTensor, type TensorMap } from '../util/safetensors.js';
import type { Hook } from './hooks.js';
import type { TrainerPosition } from './trainer.js';

export const CHECKPOINT_FORMAT = 'sparsetickets-checkpoint-1';
const OPTIMIZER_PREFIX = 'optimizer.';

export interface CheckpointParts {
  model: Module;
  optimizer?: Optimizer;
  hooks?: Hook[];
  position?: TrainerPosition;
  config?: unknown;
  modelName?: string;
}

export function saveCheckpoint(path: string, p: CheckpointParts): void {
  const tensors: TensorMap = p.model.stateDict();
  const hookStates: Record<string, unknown> = {};
  const hookTensors: string[] = [];
  for (const h of p.hooks ?? []) {
    for (const [name, t] of h.stateTensors?.() ?? []) {
      tensors.set(name, t);
      hookTensors.push(name);
    }
    if (h.saveState) hookStates[h.name] = h.saveState();
  }
  if (p.optimizer) {
    for (const [name, data] of p.optimizer.stateTensors()) {
      tensors.set(OPTIMIZER_PREFIX + name, { dtype: 'F32', shape: [data.length], data });
    }
  }
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT };
  if (p.modelName) metadata.model = p.modelName;
  if (p.config !== undefined) metadata.config = JSON.stringify(p.config);
  if (p.position) metadata.position = JSON.stringify(p.position);
  if (p.optimizer) metadata.optimizer = JSON.stringify({ kind: p.optimizer.kind, ...p.optimizer.saveScalars() });
  metadata.hooks = JSON.stringify(hookStates);
  metadata.hook_tensors = JSON.stringify(hookTensors);
  writeSafetensors(path, tensors, metadata);
}

export interface LoadedCheckpoint {
  path: string;
  /** The model's own tensors (no masks, no optimiser state): what PyTorch's load_state_dict takes. */
  modelState: TensorMap;
  /** Hook state: masks ('<param>.mask') and other method tensors ('sparse.*'). */
  extra: TensorMap;
  optimizerState: Map<string, Float32Array>;
  metadata: Record<string, string>;
}

export function readCheckpoint(path: string): LoadedCheckpoint {
  const { tensors, metadata } = readSafetensors(path);
  // Hook tensors are listed in the metadata (masks and 'sparse.*' by name in checkpoints written before that).
  const hookTensors = new Set(JSON.parse(metadata.hook_tensors ?? '[]') as string[]);
  const modelState: TensorMap = new Map();
  const extra: TensorMap = new Map();
  const optimizerState = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (name.startsWith(OPTIMIZER_PREFIX))
      optimizerState.set(name.slice(OPTIMIZER_PREFIX.length), t.data as Float32Array);
    else if (hookTensors.has(name) || name.endsWith('.mask') || name.startsWith('sparse.')) extra.set(name, t);
    else modelState.set(name, t);
  }
  return { path, modelState, extra, optimizerState, metadata };
}

/** Loads the model part strictly; a checkpoint of another architecture is an error naming the file. */
export function loadModelState(model: Module, ck: LoadedCheckpoint): void {
  try {
    model.loadStateDict(ck.modelState, { strict: true });
  } catch (e) {
    const arch = ck.metadata.model ? ` (written for '${ck.metadata.model}')` : '';
    throw new Error(`${ck.path}${arch} does not fit this model: ${(e as Error).message}`);
  }
}

/** Restores model, optimiser and hook states for --resume; returns the trainer position. */
export function restoreCheckpoint(
  ck: LoadedCheckpoint,
  p: Required<Pick<CheckpointParts, 'model' | 'optimizer'>> & { hooks: Hook[] },
): TrainerPosition {
  loadModelState(p.model, ck);
  p.optimizer.loadStateTensors(ck.optimizerState);
  const opt = JSON.parse(ck.metadata.optimizer ?? '{}') as Record<string, number | string>;
  p.optimizer.loadScalars(
    Object.fromEntries(Object.entries(opt).filter(([, v]) => typeof v === 'number')) as Record<string, number>,
  );
  const hookStates = JSON.parse(ck.metadata.hooks ?? '{}') as Record<string, unknown>;
  for (const h of p.hooks) {
    h.loadStateTensors?.(ck.extra);
    if (h.loadState && h.name in hookStates) {
      if (!h.parseState) throw new Error(`hook ${h.name} restores a state without checking it (no parseState)`);
      h.loadState(h.parseState(hookStates[h.name]));
    }
  }
  if (!ck.metadata.position) throw new Error(`${ck.path}: no trainer position in the checkpoint, cannot resume`);
  return JSON.parse(ck.metadata.position) as TrainerPosition;
}

export type { SafeTensor };
