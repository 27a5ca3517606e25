// Superposing tickets (Sup-tickets, SPEC §6) in running form: one extra copy of the weights, fed one ticket at a
// time, as PyTorch's AveragedModel and the model-soups uniform soup are.
//   CIA  θ̃ᵗ = ((t−1)·θ̃ᵗ⁻¹ + θᵗ)/t — a connection absent from a ticket counts as 0 there.
//   CAA  per connection i of a masked weight, with count k(i) (uint8) and a(i) = [θᵗ(i) ≠ 0]:
//        θ̃ᵗ(i) = (k(i)·θ̃ᵗ⁻¹(i) + θᵗ(i)) / max(1, k(i) + a(i)); then k(i) ← k(i) + a(i), and k(i) ← 0 where a
//        later prune removes i. Tensors without masks (biases, BatchNorm) use CIA's formula.
//   CIMA θ̃¹ = θ¹, θ̃ᵗ = β·θ̃ᵗ⁻¹ + (1−β)·θᵗ (β = 0.8; the paper's orientation, β weights the previous).
// Every float tensor is averaged (BatchNorm running statistics too: the paper's AV); integer tensors
// (num_batches_tracked) are the latest ticket's. Masks of the superposition are the union of the tickets' since
// the last prune, which then decides (pruneSuperposition). The formulas are averaging.ts' mean, activeMean, ema.
import { nonzeroPattern } from '../util/nonzeros.js';
import { AVG_FNS, type AvgFn } from './averaging.js';
import type { TensorMap } from '../util/safetensors.js';
import { pruneTicket, type PruneOptions } from './prune.js';
import { checkCompatible, cloneTicket, isFloat, TicketError, type Ticket } from './ticket.js';

export type SuperposeKind = 'cia' | 'caa' | 'cima';
export const SUPERPOSE_KINDS: readonly SuperposeKind[] = ['cia', 'caa', 'cima'];

export interface SuperposeOptions {
  kind: SuperposeKind;
  /** CIMA's β (default 0.8). */
  beta?: number;
}

export class Superposition {
  /** The running superposition θ̃ (null before the first ticket). */
  current: Ticket | null = null;
  /** Number of tickets added. */
  count = 0;
  /** CAA: per masked connection, the number of tickets it was active in since it last survived a prune. */
  readonly activeCounts = new Map<string, Uint8Array>();
  readonly beta: number;
  /** The step of every float tensor but CAA's masked weights (which take AVG_FNS.activeMean). */
  private readonly avgFn: AvgFn;
  private readonly activeMean = AVG_FNS.activeMean();

  constructor(readonly o: SuperposeOptions) {
    this.beta = o.beta ?? 0.8;
    const cima = AVG_FNS.ema(this.beta, 'CIMA β'); // checks β whatever the kind
    this.avgFn = o.kind === 'cima' ? cima : AVG_FNS.mean();
  }

  add(ticket: Ticket): void {
    const t = ++this.count;
    if (!this.current) {
      this.current = cloneTicket(ticket);
      if (this.o.kind === 'caa')
        for (const [name, w] of ticket.state)
          if (ticket.masks.has(name)) this.activeCounts.set(name, nonzeroPattern(w.data as ArrayLike<number>));
      return;
    }
    const cur = this.current;
    checkCompatible(cur, ticket, 'superposed tickets');
    for (const [name, s] of ticket.state) {
      const avg = cur.state.get(name)!;
      if (!isFloat(s) || !isFloat(avg)) {
        avg.data.set(s.data as never);
        continue;
      }
      const a = avg.data;
      const x = s.data;
      const counts = this.activeCounts.get(name);
      if (this.o.kind === 'caa' && counts) {
        for (let i = 0; i < a.length; i++) {
          a[i] = this.activeMean(a[i], x[i], counts[i]);
          counts[i] = Math.min(255, counts[i] + (x[i] !== 0 ? 1 : 0));
        }
      } else for (let i = 0; i < a.length; i++) a[i] = this.avgFn(a[i], x[i], t - 1);
    }
    for (const [name, m] of ticket.masks) {
      const u = cur.masks.get(name);
      if (!u) cur.masks.set(name, m.slice());
      else for (let i = 0; i < u.length; i++) u[i] |= m[i];
    }
    cur.provenance = { ...cur.provenance, iteration: ticket.provenance.iteration, epoch: ticket.provenance.epoch };
  }

  /** Magnitude-prunes the running superposition (it is the previous term of the next step); CAA forgets the
   * counts of the connections removed. */
  prune(o: PruneOptions): void {
    if (!this.current) throw new TicketError('superposition: nothing to prune before the first ticket');
    pruneTicket(this.current, o);
    for (const [name, counts] of this.activeCounts) {
      const m = this.current.masks.get(name);
      if (m) for (let i = 0; i < counts.length; i++) if (!m[i]) counts[i] = 0;
    }
  }

  /** Checkpoint state: the running ticket's tensors and masks, and CAA's counts. */
  stateTensors(prefix: string): TensorMap {
    const out: TensorMap = new Map();
    if (!this.current) return out;
    for (const [name, s] of this.current.state) out.set(`${prefix}avg.${name}`, s);
    for (const [name, m] of this.current.masks)
      out.set(`${prefix}mask.${name}`, { dtype: 'U8', shape: [m.length], data: m });
    for (const [name, c] of this.activeCounts)
      out.set(`${prefix}count.${name}`, { dtype: 'U8', shape: [c.length], data: c });
    return out;
  }

  loadStateTensors(prefix: string, tensors: TensorMap, count: number, provenance: Ticket['provenance']): void {
    this.count = count;
    this.activeCounts.clear();
    if (count === 0) {
      this.current = null;
      return;
    }
    const state: TensorMap = new Map();
    const masks = new Map<string, Uint8Array>();
    for (const [key, s] of tensors) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const copy = () => s.data.slice() as Uint8Array;
      if (rest.startsWith('avg.'))
        state.set(rest.slice(4), { dtype: s.dtype, shape: [...s.shape], data: s.data.slice() });
      else if (rest.startsWith('mask.')) masks.set(rest.slice(5), copy());
      else if (rest.startsWith('count.')) this.activeCounts.set(rest.slice(6), copy());
    }
    if (state.size === 0) throw new TicketError(`checkpoint has no running superposition (${prefix}avg.*)`);
    this.current = { state, masks, provenance };
  }
}

/** Superposes tickets in the order given exactly as the training does: after each ticket is added, the
 * running superposition is pruned (when `prune` is given) and is the previous term of the next step. */
export function superpose(tickets: Ticket[], o: SuperposeOptions & { prune?: PruneOptions }): Ticket {
  if (tickets.length === 0) throw new TicketError('superpose: no tickets');
  const s = new Superposition(o);
  for (const t of tickets) {
    s.add(t);
    if (o.prune) s.prune(o.prune);
  }
  return s.current!;
}
