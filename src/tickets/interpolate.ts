// Linear interpolation of two tickets (Lottery Pools, SPEC §7): θ = α·A + (1−α)·B over every float tensor of the
// model (weights, biases, BatchNorm affine parameters and running statistics). The masks are the union of the
// two (where either is active the interpolation can be nonzero); a later prune decides the final mask. Integer
// tensors (num_batches_tracked) are B's.
import { AVG_FNS, type AvgFn } from './averaging.js';
import { checkCompatible, isFloat, maskDensity, type Ticket } from './ticket.js';
import type { TensorMap } from '../util/safetensors.js';

export function interpolate(a: Ticket, b: Ticket, alpha: number): Ticket {
  return interpolateWith(a, b, AVG_FNS.lerp(alpha, 'interpolate: α'), 0);
}

/** A with B merged as a step of a running average: every float tensor avgFn(B, A, n) (B the average of n
 * tickets so far, A the next), the rest as interpolate. */
export function interpolateWith(a: Ticket, b: Ticket, avgFn: AvgFn, n: number): Ticket {
  checkCompatible(a, b, 'interpolated tickets');
  const state: TensorMap = new Map();
  for (const [name, tb] of b.state) {
    const ta = a.state.get(name)!;
    if (!isFloat(ta) || !isFloat(tb)) {
      state.set(name, { dtype: tb.dtype, shape: [...tb.shape], data: tb.data.slice() });
      continue;
    }
    const out = tb.data.slice();
    const x = ta.data;
    for (let i = 0; i < out.length; i++) out[i] = avgFn(out[i], x[i], n);
    state.set(name, { dtype: tb.dtype, shape: [...tb.shape], data: out });
  }
  const masks = new Map<string, Uint8Array>();
  for (const name of new Set([...a.masks.keys(), ...b.masks.keys()])) {
    const ma = a.masks.get(name);
    const mb = b.masks.get(name);
    // A weight without a mask in one ticket is dense there: the union is dense too.
    if (!ma || !mb) continue;
    masks.set(
      name,
      ma.map((v, i) => v | mb[i]),
    );
  }
  return { state, masks, provenance: { ...b.provenance, density: maskDensity(masks), kind: 'interpolated' } };
}
