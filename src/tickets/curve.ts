// The linear path between two tickets (linear mode connectivity, as the Lottery Pools code offers): loss and
// accuracy of θ(α) = α·A + (1−α)·B at evenly spaced α, optionally pruned to a density, BatchNorm refreshed.
import type { Metrics } from '../eval/metrics.js';
import { metricsOf } from '../eval/predict.js';
import { interpolate } from './interpolate.js';
import type { TicketScorer } from './pools.js';
import { pruneTicket, type PruneOptions } from './prune.js';
import type { Ticket } from './ticket.js';

export interface CurvePoint {
  alpha: number;
  /** Metrics per split (accuracy, NLL = the loss, ECE). */
  metrics: Record<string, Metrics>;
}

/** α = 0, 1/(steps−1), …, 1 (steps ≥ 2). */
export function curveAlphas(steps: number): number[] {
  if (!(Number.isInteger(steps) && steps >= 2)) throw new Error(`interpolation curve: steps must be ≥ 2, got ${steps}`);
  return Array.from({ length: steps }, (_, i) => i / (steps - 1));
}

export function interpolationCurve(
  a: Ticket,
  b: Ticket,
  o: { steps: number; splits: string[]; prune?: PruneOptions; refreshBn: boolean },
  ev: TicketScorer,
): CurvePoint[] {
  return curveAlphas(o.steps).map((alpha) => {
    let t = interpolate(a, b, alpha);
    if (o.prune) t = pruneTicket(t, o.prune);
    if (o.refreshBn) ev.refreshBn(t);
    return { alpha, metrics: Object.fromEntries(o.splits.map((s) => [s, metricsOf(ev.predict(t, s))])) };
  });
}
