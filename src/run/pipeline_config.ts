// The config of a ticket pipeline that a sweep can run as one of its runs (and `reproduce` ships as presets):
// a lottery pipeline (SPEC §5) followed by Lottery Pools (SPEC §7) over its tickets, with the comparisons the
// paper makes; or followed by retraining chosen tickets' masks with sets of tweaks (SPEC §9, spending the lottery
// better). A config with `pipeline` set describes the whole pipeline; its other keys are the rounds' recipe.
import { z } from 'zod';
import { DEFAULT_COEFFICIENTS, POOL_VARIANTS, type PoolVariant } from '../tickets/pools.js';
import { kdOrSmoothing, tweakSetObject } from './tweak_config.js';

export type { PoolVariant };

export const LOTTERY_KINDS = ['imp', 'omp', 'ltr'] as const;
export type LotteryKind = (typeof LOTTERY_KINDS)[number];

const unit = z.number().gt(0).lt(1);

export const lotterySettingsSchema = z
  .object({
    kind: z.enum(LOTTERY_KINDS).default('imp'),
    rounds: z.number().int().min(2, 'rounds must be ≥ 2 (round 0 is the dense network)').default(5),
    rate: unit.default(0.2),
    density: unit.optional(),
    rewindEpoch: z.number().int().nonnegative().default(0),
    scope: z.enum(['all', 'conv-only']).default('all'),
    ticket: z.enum(['final', 'best-val']).default('final'),
  })
  .strict();

export const pipelineSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('lottery-pools'),
      lottery: lotterySettingsSchema,
      pools: z
        .object({
          /** Target tickets (round indices; 0 is the dense network) [default: every round]. */
          targets: z.array(z.number().int().nonnegative()).min(1).optional(),
          /** Only the first n candidates by nearness [default: all]. */
          candidates: z.number().int().positive().optional(),
          coefficients: z.array(unit).min(1, 'the coefficient pool is empty').default(DEFAULT_COEFFICIENTS),
          prune: z.enum(['during', 'after']).default('during'),
          strict: z.boolean().default(false),
          variants: z
            .array(z.enum(POOL_VARIANTS))
            .min(1)
            .default([...POOL_VARIANTS]),
        })
        .strict()
        .default({}),
      /** CIFAR-10-C-style corruption metrics (the evaluation suite's generator) of the target and pooled tickets;
       * absent: none. */
      corruptions: z
        .object({
          /** The first N test images. */
          images: z.number().int().positive().default(10000),
          severities: z.array(z.number().int().min(1).max(5)).min(1).default([1, 2, 3, 4, 5]),
        })
        .strict()
        .optional(),
    })
    .strict(),
  /** FreeTickets' LTR Ensemble (SPEC §8, from the paper's description): GMP to the config's sparsity, then M
   * retrains of its mask from the rewind point with other seeds. */
  z
    .object({
      kind: z.literal('ltr-ensemble'),
      members: z.number().int().min(2, 'an ensemble needs at least 2 members').default(3),
      /** The epoch rewound to [default: 5% of training, rounded]. */
      rewindEpoch: z.number().int().nonnegative().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('spending'),
      lottery: lotterySettingsSchema,
      retrain: z
        .object({
          /** The rounds whose masks are retrained (1 … R−1) [default: every pruned round]. */
          targets: z.array(z.number().int().positive()).min(1).optional(),
          /** The epoch rewound to: the lottery's rewind point or 0 (the initialisation) [default: the lottery's]. */
          rewindEpoch: z.number().int().nonnegative().optional(),
          /** The tweak sets, each retraining every target; {} is vanilla LTH (at the lottery's rewind epoch: the
           * round's own training). A set's rewindEpoch replaces the pipeline's for it. */
          tweaks: z
            .array(
              tweakSetObject
                .extend({ rewindEpoch: z.number().int().nonnegative().optional() })
                .refine(...kdOrSmoothing),
            )
            .min(1)
            .default([{}]),
        })
        .strict()
        .default({}),
      /** The evaluation suite's loss-landscape and activation metrics (SPEC §10) of every tweak set's ticket at one
       * target (default: the sparsest); absent: none. */
      evaluation: z
        .object({
          target: z.number().int().positive().optional(),
          hessian: z
            .object({
              batches: z.number().int().positive().default(10),
              batchSize: z.number().int().positive().default(128),
            })
            .strict()
            .optional(),
          sparsity: z.boolean().default(false),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);

export type PipelineConfig = z.infer<typeof pipelineSchema>;
export type LotterySettingsConfig = z.infer<typeof lotterySettingsSchema>;
