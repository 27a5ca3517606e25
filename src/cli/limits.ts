// The bounds of every count flag, in one table: a count outside its range is a usage error (one line, exit 2)
// before any work, instead of a run that allocates for minutes and dies of V8 running out of memory.
import { numberOption, UsageError, type ParsedOptions } from './args.js';

export interface CountLimit {
  min: number;
  max: number;
  /** Why the maximum is what it is, said after the range in the error line. */
  why: string;
}

export const COUNT_LIMITS = {
  threads: { min: 1, max: 1024, why: 'threads of the compute pool' },
  'threads-per-job': { min: 1, max: 1024, why: 'threads of the compute pool' },
  // Every point of the curve evaluates the whole splits: 1001 points is already an α step of 0.001.
  steps: { min: 2, max: 1001, why: 'points of the curve; each evaluates the whole splits' },
  // The bootstrap holds one mean per resample (8 bytes each): 10⁷ is 80 MB.
  resamples: { min: 100, max: 10_000_000, why: 'bootstrap resamples, 8 bytes each' },
  // The suite generates or attacks this many images, each held in memory.
  'corruption-samples': { min: 1, max: 1_000_000, why: 'images held in memory' },
  'ood-samples': { min: 1, max: 1_000_000, why: 'generated images held in memory' },
  'fgsm-samples': { min: 1, max: 1_000_000, why: 'images held in memory' },
  'hessian-batches': { min: 1, max: 10_000, why: 'batches of the Hessian estimate' },
  candidates: { min: 1, max: 10_000, why: 'tickets of the pipeline tried' },
  // Round 0 is the dense network; 100 rounds at the gentlest useful rate (0.2) reach a density of 10⁻¹⁰.
  rounds: { min: 2, max: 100, why: 'rounds of the pipeline, each a training run' },
  jobs: { min: 1, max: 1024, why: 'runs trained at once' },
  concurrency: { min: 1, max: 1024, why: 'runs trained at once' },
} as const satisfies Record<string, CountLimit>;

export type CountFlag = keyof typeof COUNT_LIMITS;

/** The integer value of the count flag `name`, within COUNT_LIMITS[name]; a UsageError naming the flag and
 * its range otherwise. */
export function countOption(cmd: string, values: ParsedOptions, name: CountFlag): number {
  const l: CountLimit = COUNT_LIMITS[name];
  const n = numberOption(cmd, values, name, { integer: true });
  if (n < l.min || n > l.max)
    throw new UsageError(
      `${cmd}: --${name} must be an integer from ${l.min} to ${l.max.toLocaleString('en-US')} (${l.why}), got ${String(values[name])}`,
    );
  return n;
}

/** countOption for a flag that may be absent (undefined then). */
export function optionalCount(cmd: string, values: ParsedOptions, name: CountFlag): number | undefined {
  return values[name] === undefined ? undefined : countOption(cmd, values, name);
}
