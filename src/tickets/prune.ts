// Magnitude pruning of a ticket to a density (SPEC §5–§7): globally (one threshold over every weight in scope,
// layer densities redistribute) or layer-wise (each layer to the density). Only active weights compete: a
// pruned connection never comes back. Pruned weights are set to exactly 0 and their masks cleared.
import { isJumpPath } from '../models/residual.js';
import { zerosAt } from '../sparse/distribution.js';
import { topKSegments } from '../sparse/topk.js';
import { countNonzeros } from '../util/nonzeros.js';
import { maskDensity, TicketError, type Ticket } from './ticket.js';

/** Which weights a prune acts on: the ticket's masked weights (keeps layers a method kept dense whole), every
 * prunable weight (Conv2d and Linear), or the Conv2d weights only (Lottery Pools, ToST: Linear stays dense). */
export type PruneScope = 'masked' | 'all' | 'conv-only';
export const PRUNE_SCOPES: readonly PruneScope[] = ['masked', 'all', 'conv-only'];

export interface PruneOptions {
  scope: PruneScope;
  pruning: 'global' | 'layerwise';
  /** Target density of the weights in scope; or `keep`, an exact number of weights to keep (global). */
  density?: number;
  keep?: number;
}

/** Prunable weights of a state dict: Conv2d ([out, in, kh, kw]) and Linear ([out, in]) weights, never biases
 * or BatchNorm (SPEC's words), nor the jump paths of the extra skips (SPEC §9: never pruned). */
export function prunableNames(t: Ticket, scope: PruneScope): string[] {
  if (scope === 'masked') return [...t.masks.keys()];
  const out: string[] = [];
  for (const [name, s] of t.state) {
    if (!name.endsWith('weight') || (s.dtype !== 'F32' && s.dtype !== 'F64') || isJumpPath(name)) continue;
    if (s.shape.length === 4 || (scope === 'all' && s.shape.length === 2)) out.push(name);
  }
  return out;
}

/** The weights in scope as F32 with their current masks (all ones where the ticket has none). */
function scoped(t: Ticket, names: string[]): { name: string; weight: Float32Array; mask: Uint8Array }[] {
  return names.map((name) => {
    const s = t.state.get(name)!;
    const weight = s.data instanceof Float32Array ? s.data : Float32Array.from(s.data as Float64Array);
    const mask = t.masks.get(name) ?? new Uint8Array(weight.length).fill(1);
    return { name, weight, mask };
  });
}

/** Prunes the ticket in place; returns it. */
export function pruneTicket(t: Ticket, o: PruneOptions): Ticket {
  const names = prunableNames(t, o.scope);
  if (names.length === 0) throw new TicketError(`prune: the ticket has no weights in scope '${o.scope}'`);
  if (o.density !== undefined && !(o.density > 0 && o.density <= 1))
    throw new TicketError(`prune: density must be in (0, 1], got ${o.density}`);
  const layers = scoped(t, names);
  const total = layers.reduce((a, l) => a + l.weight.length, 0);
  const active = layers.reduce((a, l) => a + countNonzeros(l.mask), 0);
  if (o.pruning === 'global') {
    const keep = o.keep ?? total - zerosAt(total, o.density!);
    if (keep > active)
      throw new TicketError(`prune: keeping ${keep} weights needs more than the ${active} the ticket has active`);
    const kept = topKSegments(
      layers.map((l) => ({ scores: l.weight, candidates: l.mask })),
      keep,
      true,
      true,
    );
    layers.forEach((l, i) => setKept(t, l, kept[i]));
  } else {
    if (o.density === undefined) throw new TicketError('prune: layer-wise pruning needs a density');
    for (const l of layers) {
      const n = l.weight.length;
      const has = countNonzeros(l.mask);
      const keep = Math.min(has, n - zerosAt(n, o.density));
      setKept(t, l, topKSegments([{ scores: l.weight, candidates: l.mask }], keep, true, true)[0]);
    }
  }
  t.provenance.density = maskDensity(t.masks);
  return t;
}

function setKept(t: Ticket, l: { name: string; mask: Uint8Array }, kept: Int32Array): void {
  const mask = new Uint8Array(l.mask.length);
  for (const i of kept) mask[i] = 1;
  const w = t.state.get(l.name)!.data as Float32Array | Float64Array;
  for (let i = 0; i < w.length; i++) if (!mask[i]) w[i] = 0;
  t.masks.set(l.name, mask);
}
