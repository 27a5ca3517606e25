// The sparse-training methods of SPEC §4 and their settings, with each method's defaults.
import type { Distribution } from './distribution.js';
import type { DropSchedule } from './schedules.js';

export const METHODS = ['dense', 'static', 'snip', 'set', 'rigl', 'snfs', 'granet', 'gmp'] as const;
export type Method = (typeof METHODS)[number];

/** How new connections are chosen at a prune-and-grow update. */
export type Growth = 'random' | 'gradient' | 'momentum' | 'none';

export interface SparseSettings {
  method: Method;
  /** Final overall sparsity of the prunable layers, in [0, 1). */
  sparsity: number;
  distribution: Distribution;
  /** ERK power scale p of raw_l = (Σ shape / Π shape)^p (default 1). */
  erkPower?: number;
  denseFirst: boolean;
  denseLast: boolean;
  /** Glob patterns of weight names kept dense, e.g. 'classifier.*'. */
  denseLayers: string[];
  /** Explicit densities by glob pattern (override the distribution for the layers they match). */
  layerDensities: Record<string, number>;
  /** ΔT: iterations between mask updates. */
  updateInterval: number;
  /** p0: initial drop fraction of the prune-and-grow updates. */
  dropFraction: number;
  dropSchedule: DropSchedule;
  /** Updates stop after this fraction of training (null: never, as GraNet and FreeTickets). */
  updateEnd: number | null;
  /** GraNet/GMP: density d_i at the start (GraNet CIFAR 0.5; GMP 1) and the pruning window in epochs. */
  initialDensity: number;
  pruneStartEpoch: number;
  pruneEndEpoch: number;
  /** SNIP: keep the top scores per layer (at the distribution's densities) or over all layers together.
   * GraNet/GMP: prune every layer on its own cubic schedule (from its initial to its final planned density) or
   * all layers together to the global schedule (their default, as GraNet). */
  pruning: 'layerwise' | 'global';
  /** SNFS: momentum of the dense gradient used for growth. */
  snfsMomentum: number;
}

/** What sets each method apart (SPEC §4): the one table the sparse hooks read, instead of comparing names. */
export interface MethodRule {
  /** How the masks start: none (dense training), random at the planned densities, or SNIP's selection on the
   * first batch. */
  start: 'none' | 'random' | 'snip';
  /** GraNet, GMP: start at the initial density and prune to the final one on the cubic schedule. */
  gradual: boolean;
  /** The growth of the prune-and-grow updates ('none': the method regrows nothing). */
  growth: Growth;
  /** Why the method cannot run compressed, or null. */
  notCompressible: string | null;
}

const fixed = { gradual: false, growth: 'none', notCompressible: null } as const;

export const METHOD_RULES: Record<Method, MethodRule> = {
  dense: { ...fixed, start: 'none', notCompressible: 'it has no masks (use --mode dense)' },
  static: { ...fixed, start: 'random' },
  snip: { ...fixed, start: 'snip' },
  set: { ...fixed, start: 'random', growth: 'random' },
  rigl: { ...fixed, start: 'random', growth: 'gradient' },
  snfs: {
    start: 'random',
    gradual: false,
    growth: 'momentum',
    notCompressible: 'its growth follows the momentum of the dense gradient, a dense state kept every step',
  },
  granet: { ...fixed, start: 'random', gradual: true, growth: 'gradient' },
  gmp: { ...fixed, start: 'random', gradual: true },
};

export function growthOf(method: Method): Growth {
  return METHOD_RULES[method].growth;
}

/** Method-specific defaults (SPEC §4 and §11), filled in where the user gave nothing. */
export function methodDefaults(method: Method, epochs: number): Partial<SparseSettings> {
  switch (method) {
    case 'granet':
      // GraNet: gradual pruning from d_i = 0.5 over most of training (its CIFAR runs prune from epoch 0 to
      // 110 of 160), neuroregeneration with a cosine rate that keeps a floor and never stops.
      return {
        initialDensity: 0.5,
        pruneStartEpoch: 0,
        pruneEndEpoch: Math.max(1, Math.round((110 / 160) * epochs)),
        dropSchedule: 'cosine-floor',
        dropFraction: 0.5,
        updateEnd: null,
        pruning: 'global',
      };
    case 'gmp':
      return {
        initialDensity: 1,
        pruneStartEpoch: 0,
        pruneEndEpoch: Math.max(1, Math.round((110 / 160) * epochs)),
        updateEnd: null,
        pruning: 'global',
      };
    default:
      return {};
  }
}
