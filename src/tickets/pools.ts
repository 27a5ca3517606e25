// Lottery Pools (Yin et al. 2023; papers/lottery-pools.txt Algorithm 2, SPEC §7): interpolate the tickets of an
// IMP pipeline into a stronger ticket at the target's density. Candidates by nearness, denser first (j−1, j+1,
// j−2, …); for each, every α of the pool: θ = α·c + (1−α)·current over every model tensor, magnitude-pruned to
// the target's nonzeros over the pipeline's scope (prune during; or once at the end: prune after), BatchNorm
// refreshed with one cumulative pass over the training split, scored on the validation split. The best α (ties:
// first in pool order) is accepted when validation accuracy does not decrease (strict: only when it rises).
// Variants: Average (pool {0.5}); the baselines SWA (α = 1/(n+1) for the n-th candidate) and EMA
// (θ = 0.95·c + 0.05·current), merged unconditionally; each merge is an averaging function of averaging.ts.
// Target 0 (the dense network) is never pruned.
import type { Metrics } from '../eval/metrics.js';
import { meanPredictions, metricsOf } from '../eval/predict.js';
import type { TicketEvaluator } from './evaluate.js';
import type { Predictions } from '../eval/predict.js';
import { AVG_FNS, swaWeight, type AvgFn } from './averaging.js';
import { interpolateWith } from './interpolate.js';
import { prunableNames, pruneTicket, type PruneScope } from './prune.js';
import { keptWeights, TicketError, type Ticket } from './ticket.js';

export const POOL_VARIANTS = ['pool', 'average', 'swa', 'ema'] as const;
export type PoolVariant = (typeof POOL_VARIANTS)[number];
/** Lottery Pools' coefficient pool (paper, Appendix C). */
export const DEFAULT_COEFFICIENTS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

export interface PoolSettings {
  /** Index of the target ticket in the pipeline (0: the dense network). */
  target: number;
  /** Only the first n candidates by nearness (default: all). */
  candidates?: number;
  coefficients: number[];
  prune: 'during' | 'after';
  /** Accept only a rise in validation accuracy (the authors' code) instead of "not worse" (the paper). */
  strict: boolean;
  variant: PoolVariant;
  /** The pipeline's pruning scope. */
  scope: Exclude<PruneScope, 'masked'>;
}

export interface SearchRecord {
  candidate: number;
  /** The α tried and the validation accuracy of each (pool and average); the one α of SWA/EMA. */
  tried: { alpha: number; val_accuracy: number }[];
  best_alpha: number;
  val_before: number;
  val_after: number;
  accepted: boolean;
  seconds: number;
}

export interface PoolResult {
  ticket: Ticket;
  log: SearchRecord[];
  /** Validation accuracy of the target after the same BN refresh (the search's starting point). */
  start_val: number;
  /** Tickets merged into the result: the target and every accepted candidate. */
  ingredients: number[];
  seconds_per_candidate: number;
}

/** Candidates by nearness to the target, denser (lower index) first: j−1, j+1, j−2, j+2, … within [0, count). */
export function candidateOrder(target: number, count: number, limit?: number): number[] {
  const out: number[] = [];
  for (let d = 1; d < count; d++) {
    if (target - d >= 0) out.push(target - d);
    if (target + d < count) out.push(target + d);
  }
  return limit === undefined ? out : out.slice(0, limit);
}

export interface PoolStep {
  alpha: number;
  avgFn: AvgFn;
}

/** EMA's weight of the candidate (θ = 0.95·c + 0.05·θ). */
const EMA_WEIGHT = 0.95;

/** The merges a variant tries for the n-th candidate (1-based; n tickets are in the current one when every
 * candidate is merged): each the candidate's weight α and its averaging function. */
export function variantSteps(s: Pick<PoolSettings, 'variant' | 'coefficients'>, n: number): PoolStep[] {
  switch (s.variant) {
    case 'average':
      return [{ alpha: 0.5, avgFn: AVG_FNS.lerp(0.5) }];
    case 'swa':
      return [{ alpha: swaWeight(n), avgFn: AVG_FNS.swa() }];
    case 'ema':
      // The decay 1 − 0.95, not 0.05: the weights stay 0.95 and 1 − 0.95 to the bit.
      return [{ alpha: EMA_WEIGHT, avgFn: AVG_FNS.ema(1 - EMA_WEIGHT) }];
    default:
      return s.coefficients.map((alpha) => ({ alpha, avgFn: AVG_FNS.lerp(alpha) }));
  }
}

/** The coefficients a variant tries for the n-th candidate (1-based): the pool, {0.5}, SWA's 1/(n+1), EMA's 0.95. */
export function variantCoefficients(s: Pick<PoolSettings, 'variant' | 'coefficients'>, n: number): number[] {
  return variantSteps(s, n).map((step) => step.alpha);
}

export function checkPoolSettings(s: PoolSettings, count: number): void {
  if (!(Number.isInteger(s.target) && s.target >= 0 && s.target < count))
    throw new TicketError(`pool: target ${s.target} is out of range: the pipeline has tickets 0 … ${count - 1}`);
  if (s.coefficients.length === 0) throw new TicketError('pool: the coefficient pool is empty');
  for (const a of s.coefficients)
    if (!(a > 0 && a < 1)) throw new TicketError(`pool: coefficients must be in (0, 1), got ${a}`);
  if (s.candidates !== undefined && !(Number.isInteger(s.candidates) && s.candidates >= 1))
    throw new TicketError(`pool: --candidates must be a positive integer, got ${s.candidates}`);
  if (count < 2) throw new TicketError('pool: a pipeline with one ticket has no candidates');
}

/** What the search needs of an evaluator: BN refresh over the training split, predictions on 'val'. */
export interface TicketScorer {
  refreshBn(t: Ticket): Ticket;
  predict(t: Ticket, split: string): Predictions;
}

/** Greedy Lottery Pools search over `load(i)` (the pipeline's tickets). `ev` evaluates on its 'val' split and
 * refreshes BatchNorm over the training split (a TicketEvaluator). */
export function lotteryPool(
  count: number,
  load: (i: number) => Ticket,
  s: PoolSettings,
  ev: TicketScorer,
  log: (line: string) => void = () => {},
): PoolResult {
  checkPoolSettings(s, count);
  const target = load(s.target);
  const dense = s.target === 0;
  const keep = keptWeights(target, prunableNames(target, s.scope));
  // θ's masks are the union of its two tickets', so at least the target's nonzeros are active in scope.
  const prune = (t: Ticket): Ticket => (dense ? t : pruneTicket(t, { scope: s.scope, pruning: 'global', keep }));
  const score = (t: Ticket): number => {
    ev.refreshBn(t);
    return metricsOf(ev.predict(t, 'val')).accuracy;
  };
  let current = target;
  const startVal = score(current);
  let currentVal = startVal;
  const records: SearchRecord[] = [];
  const ingredients = [s.target];
  const order = candidateOrder(s.target, count, s.candidates);
  const started = performance.now();
  order.forEach((c, k) => {
    const t0 = performance.now();
    const candidate = load(c);
    const tried: SearchRecord['tried'] = [];
    let best: { alpha: number; ticket: Ticket; val: number } | null = null;
    for (const { alpha, avgFn } of variantSteps(s, k + 1)) {
      let theta = interpolateWith(candidate, current, avgFn, k + 1);
      if (s.prune === 'during') theta = prune(theta);
      const val = score(theta);
      tried.push({ alpha, val_accuracy: val });
      if (!best || val > best.val) best = { alpha, ticket: theta, val };
    }
    const unconditional = s.variant === 'swa' || s.variant === 'ema';
    const accepted = unconditional || (s.strict ? best!.val > currentVal : best!.val >= currentVal);
    const record: SearchRecord = {
      candidate: c,
      tried,
      best_alpha: best!.alpha,
      val_before: currentVal,
      val_after: accepted ? best!.val : currentVal,
      accepted,
      seconds: (performance.now() - t0) / 1000,
    };
    records.push(record);
    log(
      `candidate ${c}: best α ${best!.alpha} → val ${(100 * best!.val).toFixed(2)}% ` +
        `(was ${(100 * currentVal).toFixed(2)}%) ${accepted ? 'accepted' : 'rejected'} [${record.seconds.toFixed(1)} s]`,
    );
    if (accepted) {
      current = best!.ticket;
      currentVal = best!.val;
      ingredients.push(c);
    }
  });
  if (s.prune === 'after' && !dense) {
    current = prune(current);
    ev.refreshBn(current);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    ticket: current,
    log: records,
    start_val: startVal,
    ingredients,
    seconds_per_candidate: order.length ? seconds / order.length : 0,
  };
}

/** The output ensemble of tickets (mean of softmaxes) on every split of the evaluator. */
export function ticketEnsemble(tickets: Ticket[], ev: TicketEvaluator): Record<string, Metrics> {
  const out: Record<string, Metrics> = {};
  for (const split of Object.keys(ev.o.evalSets))
    out[split] = metricsOf(meanPredictions(tickets.map((t) => ev.predict(t, split))));
  return out;
}
