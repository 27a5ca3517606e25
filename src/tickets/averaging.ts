// Running averages of tickets, as PyTorch's swa_utils averages models: an avgFn(avg, x, n) is an entry's new
// average from its average over the n tickets so far and the next ticket's value x; the accumulator (the
// running ticket and n) belongs to the caller (Superposition, the Lottery Pools search). Each formula is the one
// its method has always computed, to the bit: (n·avg + x)/(n + 1) and a step of weight 1/(n + 1) toward x are
// the same mean but round differently.
import { TicketError } from './ticket.js';

export type AvgFn = (avg: number, x: number, n: number) => number;

function checkUnit(v: number, what: string): void {
  if (!(v >= 0 && v <= 1)) throw new TicketError(`${what} must be in [0, 1], got ${v}`);
}

/** The averaging functions by name; a factory with a parameter validates it, naming it `what` in the error. */
export const AVG_FNS = {
  /** Equal mean, (n·avg + x)/(n + 1): Sup-tickets' CIA, model soups' uniform soup. */
  mean: (): AvgFn => (avg, x, n) => (n * avg + x) / (n + 1),
  /** Sup-tickets' CAA: the mean over the tickets in which the entry is active (x ≠ 0); n is the entry's own
   * count of them, and an inactive x leaves the mean (0 while the count is 0). */
  activeMean: (): AvgFn => (avg, x, n) => (n * avg + x) / Math.max(1, n + (x !== 0 ? 1 : 0)),
  /** The step of weight α toward x, α·x + (1 − α)·avg: linear interpolation (Lottery Pools' θ = α·c + (1 − α)·θ). */
  lerp: (alpha: number, what = 'α'): AvgFn => {
    checkUnit(alpha, what);
    const rest = 1 - alpha;
    return (avg, x) => alpha * x + rest * avg;
  },
  /** SWA as Lottery Pools' baseline runs it: the step toward x of weight 1/(n + 1). */
  swa: (): AvgFn => (avg, x, n) => {
    const alpha = swaWeight(n);
    return alpha * x + (1 - alpha) * avg;
  },
  /** EMA, decay·avg + (1 − decay)·x: the decay weights the past (PyTorch's get_ema_avg_fn; CIMA's β). */
  ema: (decay: number, what = 'EMA decay'): AvgFn => {
    checkUnit(decay, what);
    const rest = 1 - decay;
    return (avg, x) => decay * avg + rest * x;
  },
};

/** SWA's weight of the next ticket after n: 1/(n + 1). */
export const swaWeight = (n: number): number => 1 / (n + 1);
