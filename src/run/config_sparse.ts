// The run config's sparse sections: the sparse training method (SPEC §4) and a booster over it (Sup-tickets,
// SPEC §6; EDST, SPEC §8), each key with its meaning (config_settings.ts).
import { z } from 'zod';
import { METHODS } from '../sparse/method.js';
import { DROP_SCHEDULES } from '../sparse/schedules.js';
import { SUPERPOSE_KINDS, type SuperposeKind } from '../tickets/superpose.js';
import { setting } from './config_settings.js';

const fraction = z.number().min(0).max(1);
const density = z.number().gt(0).max(1);

/** Sparse training (SPEC §4); absent or method 'dense' trains densely. */
export const sparseSchema = z
  .object({
    method: setting(z.enum(METHODS).default('dense'), {
      group: 'sparse',
      value: 'M',
      description: `sparse training: ${METHODS.join(' | ')}`,
    }),
    sparsity: setting(z.number().min(0).lt(1, 'sparsity must be < 1').default(0.9), {
      group: 'sparse',
      value: 'S',
      description: 'final sparsity of the prunable layers, in [0, 1)',
    }),
    distribution: setting(z.enum(['uniform', 'er', 'erk']).default('erk'), {
      group: 'sparse',
      value: 'D',
      description: 'layer-wise densities: erk | er | uniform',
    }),
    erkPower: setting(z.number().positive().optional(), {
      group: 'sparse',
      value: 'P',
      default: '1',
      description: 'ERK power scale p of (Σ dims / Π dims)^p',
    }),
    denseFirst: setting(z.boolean().default(false), {
      group: 'sparse',
      description: 'keep the first prunable layer dense',
    }),
    denseLast: setting(z.boolean().default(false), {
      group: 'sparse',
      description: 'keep the last prunable layer dense',
    }),
    denseLayers: setting(z.array(z.string()).default([]), {
      group: 'sparse',
      value: 'GLOBS',
      description: 'comma-separated weight-name globs kept dense, e.g. "classifier.*"',
    }),
    layerDensities: setting(z.record(density).default({}), {
      group: 'sparse',
      flag: 'layer-density',
      value: 'GLOB=D,…',
      kind: 'densities',
      description: 'explicit densities, e.g. "fc1.weight=0.05,fc3.*=1"',
    }),
    updateInterval: setting(z.number().int().positive('the update interval ΔT must be > 0').default(100), {
      group: 'sparse',
      value: 'ΔT',
      description: 'iterations between mask updates',
    }),
    dropFraction: setting(fraction.optional(), {
      group: 'sparse',
      value: 'P',
      default: '0.3; GraNet 0.5',
      description: 'initial drop fraction p0',
    }),
    dropSchedule: setting(z.enum(DROP_SCHEDULES as unknown as [string, ...string[]]).optional(), {
      group: 'sparse',
      value: 'K',
      default: 'cosine; GraNet cosine-floor',
      description: DROP_SCHEDULES.join(' | '),
    }),
    updateEnd: setting(z.number().gt(0).max(1).nullable().optional(), {
      group: 'sparse',
      value: 'F|never',
      kind: 'number-or-never',
      default: '0.75; GraNet never',
      description: 'stop mask updates after this fraction of training',
    }),
    initialDensity: setting(density.optional(), {
      group: 'sparse',
      value: 'D',
      default: 'GraNet 0.5, GMP 1',
      description: 'GraNet/GMP starting density',
    }),
    finalDensity: setting(density.optional(), {
      group: 'sparse',
      value: 'D',
      description: 'GraNet/GMP final density (= 1 − sparsity)',
    }),
    pruneStartEpoch: setting(z.number().min(0).optional(), {
      group: 'sparse',
      value: 'E',
      default: '0',
      description: 'GraNet/GMP: first epoch of gradual pruning',
    }),
    pruneEndEpoch: setting(z.number().min(0).optional(), {
      group: 'sparse',
      value: 'E',
      default: '110/160 of the run',
      description: 'GraNet/GMP: last epoch of gradual pruning',
    }),
    pruning: setting(z.enum(['layerwise', 'global']).optional(), {
      group: 'sparse',
      value: 'P',
      default: 'SNIP layerwise, GraNet/GMP global',
      description: 'SNIP selection, GraNet/GMP gradual pruning: layerwise | global',
    }),
    snfsMomentum: setting(z.number().min(0).lt(1).default(0.9), {
      group: 'sparse',
      value: 'M',
      description: 'SNFS: momentum of the dense gradient that scores growth',
    }),
  })
  .strict();

const boosterKind = {
  group: 'booster',
  flag: 'booster',
  value: 'B',
  default: 'none',
  description:
    'suptickets: the last --cycle-rate of the epochs is cyclic; a cheap ticket per cycle, superposed into\n' +
    'runs/<name>/tickets/ultimate.safetensors (SPEC §6); edst: FreeTickets exploration + --members refinement\n' +
    'phases, a free ticket each (SPEC §8)',
} as const;

/** A booster over the sparse method: Sup-tickets (SPEC §6; its cyclic phase uses schedule.cycleEpochs, lowLr and
 * highLr, the schedule's kind is the normal phase's) or EDST (SPEC §8; its own LR from optimizer.lr). */
export const boosterSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: setting(z.literal('suptickets'), boosterKind),
      cycleRate: setting(z.number().gt(0).lt(1).default(0.1), {
        group: 'booster',
        value: 'R',
        description: 'suptickets: cyclic epochs = floor(epochs·R/C)·C',
      }),
      superpose: setting(z.enum(SUPERPOSE_KINDS as [SuperposeKind, ...SuperposeKind[]]).default('cia'), {
        group: 'booster',
        value: 'K',
        description: `suptickets: ${SUPERPOSE_KINDS.join(' | ')}`,
      }),
      cimaBeta: setting(fraction.default(0.8), {
        group: 'booster',
        value: 'β',
        description: "suptickets: CIMA's weight of the previous",
      }),
      bn: setting(z.enum(['av', 'bu']).default('av'), {
        group: 'booster',
        value: 'K',
        description: 'suptickets BatchNorm: av (average) | bu (recompute on training data)',
      }),
      exploreRate: setting(z.number().gt(0).max(1).default(0.5), {
        group: 'booster',
        value: 'P',
        description: 'suptickets: cycle-start exploration, k = ceil(P·nnz) per layer',
      }),
      exploreCriteria: setting(z.enum(['base', 'code']).default('base'), {
        group: 'booster',
        value: 'K',
        description: "suptickets: base (the method's drop/growth) | code (magnitude/gradient, the authors' code)",
      }),
      cyclicUpdates: setting(z.boolean().default(false), {
        group: 'booster',
        description: "suptickets: keep the method's regular updates on in the cyclic phase (default off)",
      }),
      includeEndpoint: setting(z.boolean().default(false), {
        group: 'booster',
        description: "suptickets: also superpose the normal phase's end point (the authors' code)",
      }),
    })
    .strict(),
  // EDST (FreeTickets, SPEC §8): exploration phase, then M refinement phases of refineEpochs (default: the rest
  // split evenly), a free ticket at the end of each, a q-exploration between them.
  z
    .object({
      kind: setting(z.literal('edst'), boosterKind),
      exploreEpochs: setting(z.number().int().positive(), {
        group: 'booster',
        value: 'E',
        description: 'edst: t_ex, epochs of the exploration phase',
      }),
      members: setting(z.number().int().min(2, 'an ensemble needs at least 2 members'), {
        group: 'booster',
        value: 'M',
        description: 'edst: free tickets (refinement phases)',
      }),
      refineEpochs: setting(z.number().int().positive().optional(), {
        group: 'booster',
        value: 'E',
        default: 'the rest split evenly',
        description: 'edst: t_re, epochs per refinement phase',
      }),
      q: setting(z.number().gt(0, 'q must be in (0, 1)').lt(1, 'q must be in (0, 1)').default(0.8), {
        group: 'booster',
        value: 'Q',
        description: 'edst: rate of the exploration between phases',
      }),
      ticket: setting(z.enum(['final', 'best-val']).default('final'), {
        group: 'booster',
        flag: 'member-ticket',
        value: 'T',
        description: "edst: a phase's ticket: final | best-val",
      }),
    })
    .strict(),
]);
