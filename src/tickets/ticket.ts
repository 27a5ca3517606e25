// A ticket (SPEC's words): a snapshot of a sparse subnetwork — every model tensor (weights, biases, BatchNorm
// affine parameters and running statistics, under PyTorch's names), the masks of the masked weights, and where
// it came from. A kept weight can be exactly 0, so masks are stored, never inferred from zeros.
//
// File format: safetensors holding exactly the model's state dict, so that PyTorch's
// `model.load_state_dict(safetensors.torch.load_file(path), strict=True)` takes it with no filtering. Masks and
// provenance travel in __metadata__ (which load_file ignores): `masks` is JSON {param: base64 of the mask packed
// 8 positions per byte, least significant bit first}, `provenance` is JSON. Written to a temporary file and
// renamed. This file depends only on nn/ and util/: the run layer writes every run's model.safetensors with it.
import type { Metrics } from '../eval/metrics.js';
import type { ActivationKind } from '../nn/layers/activation.js';
import type { Module } from '../nn/module.js';
import { countNonzeros } from '../util/nonzeros.js';
import { readSafetensors, writeSafetensors, type SafeTensor, type TensorMap } from '../util/safetensors.js';

export const TICKET_FORMAT = 'sparsetickets-ticket-1';

/** Where a ticket came from. */
export interface Provenance {
  model: string;
  width: number;
  classes: number;
  /** The AT tweak's architecture variants (SPEC §9), when not the plain ones: the activation in every ReLU's
   * place, and the BasicBlocks' jump paths. Absent: relu, no extra skips. */
  activation?: ActivationKind;
  extraSkips?: boolean;
  dataset?: string;
  /** Where the dataset was read from and the validation fraction of its training set (to evaluate the ticket
   * on the same splits). */
  dataDir?: string;
  valFraction?: number;
  /** The run trained on only the first N examples of its training part. */
  trainSubset?: number;
  /** Sparse method (and booster) that produced the subnetwork, e.g. 'rigl', 'rigl+suptickets'. */
  method: string;
  /** Overall density of the masked weights. */
  density: number;
  seed?: number;
  epoch?: number;
  iteration?: number;
  /** The run directory or file it was taken from. */
  source?: string;
  /** What the ticket is: 'final', 'cheap-2', 'ultimate', 'superposed', 'interpolated', 'pruned', … */
  kind?: string;
  /** Tickets a combined ticket was made of, in order. */
  ingredients?: string[];
  /** Free-form description of the operation (e.g. 'caa superposition, global prune to 0.1, BN av'). */
  operation?: string;
  metrics?: Record<string, Metrics>;
}

export interface Ticket {
  /** The model's state dict (copies): what PyTorch's load_state_dict takes. */
  state: TensorMap;
  /** 0/1 masks of the masked weights; a prunable weight without an entry is dense. */
  masks: Map<string, Uint8Array>;
  provenance: Provenance;
}

export class TicketError extends Error {
  override name = 'TicketError';
}

/** A ticket of a model's current state with the given masks (dense arrays, 0/1, in the weights' layout). */
export function ticketFromModel(
  model: Module,
  masks: Map<string, ArrayLike<number>>,
  provenance: Omit<Provenance, 'density'>,
): Ticket {
  const state = model.stateDict();
  const own = new Map<string, Uint8Array>();
  for (const [name, m] of masks) {
    const w = state.get(name);
    if (!w) throw new TicketError(`mask '${name}' names no tensor of the model`);
    if (w.data.length !== m.length)
      throw new TicketError(`mask '${name}' has ${m.length} entries, the weight ${w.data.length}`);
    own.set(
      name,
      Uint8Array.from(m, (v) => (v ? 1 : 0)),
    );
  }
  return { state, masks: own, provenance: { ...provenance, density: maskDensity(own) } };
}

/** Loads a ticket's state into a model (strictly: the same architecture and width). */
export function applyTicket(model: Module, t: Ticket): void {
  model.loadStateDict(t.state, { strict: true });
}

/** Kept fraction over all masked weights (1 for a ticket without masks). */
export function maskDensity(masks: Map<string, Uint8Array>): number {
  let kept = 0;
  let total = 0;
  for (const m of masks.values()) {
    kept += countNonzeros(m);
    total += m.length;
  }
  return total === 0 ? 1 : kept / total;
}

/** Active connections of a ticket's masks. */
export function maskNonzeros(t: Ticket): number {
  return keptWeights(t, t.masks.keys());
}

/** Weights the named tensors of a ticket keep: a masked one the ones of its mask, an unmasked one all. */
export function keptWeights(t: Ticket, names: Iterable<string>): number {
  let kept = 0;
  for (const name of names) {
    const m = t.masks.get(name);
    kept += m ? countNonzeros(m) : t.state.get(name)!.data.length;
  }
  return kept;
}

/** Weights of the named tensors, kept or not. */
export function weightCount(t: Ticket, names: Iterable<string>): number {
  let n = 0;
  for (const name of names) n += t.state.get(name)!.data.length;
  return n;
}

/** Kept fraction of the named tensors' weights. */
export function keptDensity(t: Ticket, names: string[]): number {
  return keptWeights(t, names) / weightCount(t, names);
}

export function packMask(m: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(m.length / 8));
  for (let i = 0; i < m.length; i++) if (m[i]) bytes[i >> 3] |= 1 << (i & 7);
  return Buffer.from(bytes).toString('base64');
}

export function unpackMask(b64: string, n: number): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== Math.ceil(n / 8))
    throw new TicketError(`a packed mask of ${n} entries has ${bytes.length} bytes`);
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) m[i] = (bytes[i >> 3] >> (i & 7)) & 1;
  return m;
}

export function saveTicket(path: string, t: Ticket): void {
  const masks: Record<string, string> = {};
  for (const [name, m] of t.masks) masks[name] = packMask(m);
  writeSafetensors(path, t.state, {
    format: TICKET_FORMAT,
    model: t.provenance.model,
    provenance: JSON.stringify(t.provenance),
    masks: JSON.stringify(masks),
  });
}

/** Reads a ticket file. A file without masks (a plain state dict or a checkpoint) is an error unless
 * `allowDense`, which reads it as a dense ticket (e.g. the dense network of a Lottery Pools search). */
export function loadTicket(path: string, o: { allowDense?: boolean } = {}): Ticket {
  let file;
  try {
    file = readSafetensors(path);
  } catch (e) {
    throw new TicketError(`${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const { tensors, metadata } = file;
  if (metadata.format !== TICKET_FORMAT) {
    const what = metadata.format ? `a ${metadata.format} file` : 'a safetensors file without ticket metadata';
    throw new TicketError(`${path} is ${what}, not a ticket (write one with 'sparsetickets ticket' or train)`);
  }
  const provenance = JSON.parse(metadata.provenance ?? '{}') as Provenance;
  const packed = JSON.parse(metadata.masks ?? '{}') as Record<string, string>;
  if (Object.keys(packed).length === 0 && !o.allowDense)
    throw new TicketError(`${path}: the ticket has no masks (a dense network: nothing to superpose or prune by mask)`);
  const masks = new Map<string, Uint8Array>();
  for (const [name, b64] of Object.entries(packed)) {
    const w = tensors.get(name);
    if (!w) throw new TicketError(`${path}: mask '${name}' names no tensor of the ticket`);
    masks.set(name, unpackMask(b64, w.data.length));
  }
  return { state: tensors, masks, provenance };
}

/** A deep copy (tensors and masks). */
export function cloneTicket(t: Ticket): Ticket {
  const state: TensorMap = new Map();
  for (const [name, s] of t.state) state.set(name, { dtype: s.dtype, shape: [...s.shape], data: s.data.slice() });
  return {
    state,
    masks: new Map([...t.masks].map(([n, m]) => [n, m.slice()])),
    provenance: structuredClone(t.provenance),
  };
}

/** The floating-point tensors of a state dict (what averaging and interpolation act on). */
export function isFloat(t: SafeTensor): t is SafeTensor & { data: Float32Array | Float64Array } {
  return t.dtype === 'F32' || t.dtype === 'F64';
}

/** Throws unless two tickets have the same tensors with the same shapes and the same activation (same
 * architecture and width). */
export function checkCompatible(a: Ticket, b: Ticket, what = 'tickets'): void {
  const problems: string[] = [];
  const act = (t: Ticket) => t.provenance.activation ?? 'relu';
  if (act(a) !== act(b)) problems.push(`activation ${act(a)} vs ${act(b)}`);
  for (const [name, t] of a.state) {
    const u = b.state.get(name);
    if (!u) problems.push(`${name} missing from the second`);
    else if (u.shape.join() !== t.shape.join()) problems.push(`${name} ${t.shape.join('×')} vs ${u.shape.join('×')}`);
    if (problems.length >= 3) break;
  }
  for (const name of b.state.keys()) if (!a.state.has(name) && problems.length < 3) problems.push(`${name} extra`);
  if (problems.length)
    throw new TicketError(
      `${what} differ in architecture or shape (${a.provenance.model} w${a.provenance.width} vs ` +
        `${b.provenance.model} w${b.provenance.width}): ${problems.join('; ')}`,
    );
}

/** The tensor of a ticket as floats, for algebra; throws for an integer tensor. */
export function floatTensor(t: Ticket, name: string): Float32Array | Float64Array {
  const s = t.state.get(name);
  if (!s || !isFloat(s)) throw new TicketError(`ticket has no float tensor '${name}'`);
  return s.data;
}
