// The run configuration: a YAML or JSON file validated by a schema, with command-line flags overriding the
// file's values. An invalid config lists every problem with its path, before any work starts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BACKENDS } from '../kernels/index.js';
import { DATASET_NAMES } from '../data/registry.js';
import { EXTRA_SKIP_MODELS, MODEL_NAMES, isModelName } from '../models/index.js';
import { ACTIVATIONS, type ActivationKind } from '../nn/layers/activation.js';
import { gradinitSchema } from './tweak_config.js';
import { UsageError } from '../util/errors.js';
import { EXECUTION_MODES } from '../sparse/execution.js';
import { METHODS } from '../sparse/method.js';
import { DROP_SCHEDULES } from '../sparse/schedules.js';
import { pipelineSchema } from './pipeline_config.js';
import { SUPERPOSE_KINDS, type SuperposeKind } from '../tickets/superpose.js';

const positive = z.number().positive();
const fraction = z.number().min(0).max(1);

export const trainConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
      .optional(),
    runsDir: z.string().default('runs'),
    model: z
      .string()
      .refine(isModelName, (v) => ({ message: `unknown model '${v}'; valid: ${MODEL_NAMES.join(', ')}` })),
    width: positive.default(1),
    /** The AT tweak (SPEC §9): the activation in every ReLU's place [absent: relu]. */
    activation: z.enum(ACTIVATIONS as [ActivationKind, ...ActivationKind[]]).optional(),
    /** The AT tweak (SPEC §9): every BasicBlock gains two 1×1 conv + BN jump paths (resnet18/34/20/32). */
    extraSkips: z.boolean().optional(),
    /** The TRT tweak (SPEC §9): GradInit before the first step of a fresh run (dense training, or a ticket's
     * mask retrained from a start state). */
    gradinit: gradinitSchema.optional(),
    dataset: z.enum(DATASET_NAMES),
    dataDir: z.string().optional(),
    valFraction: z.number().min(0).lt(1).default(0.1),
    /** Train on only the first N examples of the training part (reduced-scale experiments). */
    trainSubset: z.number().int().positive().optional(),
    augment: z.boolean().optional(),
    epochs: z.number().int().positive(),
    batch: z.number().int().positive().default(128),
    seed: z.number().int().nonnegative().default(0),
    threads: z.number().int().positive().optional(),
    backend: z.enum(BACKENDS as [string, ...string[]]).default('auto'),
    optimizer: z.preprocess(
      // kind defaults to sgd; each kind takes only its own options (a strict object each)
      (o) => (o && typeof o === 'object' && !('kind' in o) ? { ...o, kind: 'sgd' } : o),
      z
        .discriminatedUnion('kind', [
          z
            .object({
              kind: z.literal('sgd'),
              lr: positive,
              momentum: z.number().min(0).lt(1).default(0.9),
              nesterov: z.boolean().default(false),
              weightDecay: z.number().min(0).default(5e-4),
            })
            .strict(),
          z
            .object({
              kind: z.literal('adamw'),
              lr: positive,
              weightDecay: z.number().min(0).default(5e-4),
              beta1: z.number().min(0).lt(1).default(0.9),
              beta2: z.number().min(0).lt(1).default(0.999),
            })
            .strict(),
        ])
        .refine((o) => !(o.kind === 'sgd' && o.nesterov && o.momentum === 0), {
          message: 'Nesterov momentum needs momentum > 0',
          path: ['nesterov'],
        }),
    ),
    schedule: z
      .object({
        kind: z.enum(['constant', 'multistep', 'cosine', 'cyclic']).default('multistep'),
        /** Fractions of training at which multistep multiplies by gamma. */
        milestones: z.array(fraction).default([0.5, 0.75]),
        /** Multistep drops at whole epochs instead (0-based: the rate changes when epoch E starts), as the papers'
         * code steps torch's MultiStepLR once an epoch, e.g. [int(0.5·E), int(0.75·E)]; replaces milestones. With a
         * booster, epochs of its normal phase. */
        milestoneEpochs: z.array(z.number().int().nonnegative()).min(1).optional(),
        gamma: positive.default(0.1),
        warmupEpochs: z.number().min(0).default(0),
        minLr: z.number().min(0).default(0),
        /** cyclic (the Sup-tickets triangle, SPEC §6): cycles of C epochs from lowLr up to highLr mid-cycle and back. */
        cycleEpochs: z.number().int().positive().default(8),
        lowLr: positive.default(0.001),
        highLr: positive.default(0.005),
      })
      .strict()
      .default({}),
    loss: z
      .object({
        labelSmoothing: z.number().min(0).lt(1).default(0),
        /** Knowledge distillation from a teacher checkpoint (SPEC §3). */
        distill: z
          .object({
            /** A checkpoint or ticket file, or several: their prediction ensemble teaches (Sup-tickets' KD from
             * the M cheap tickets). */
            teacher: z.union([z.string(), z.array(z.string()).min(1)]),
            alpha: z.number().min(0).max(1).default(0.5),
            temperature: z.number().positive().default(4),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((l) => !(l.distill && l.labelSmoothing > 0), 'label smoothing and distillation exclude each other')
      .default({}),
    /** How the masked layers run (issue "truly sparse execution"); 'dense' goes with method dense only. */
    mode: z.enum(EXECUTION_MODES).default('masked'),
    /** Sparse training (SPEC §4); absent or method 'dense' trains densely. */
    sparse: z
      .object({
        method: z.enum(METHODS).default('dense'),
        sparsity: z.number().min(0).lt(1, 'sparsity must be < 1').default(0.9),
        distribution: z.enum(['uniform', 'er', 'erk']).default('erk'),
        erkPower: z.number().positive().optional(),
        denseFirst: z.boolean().default(false),
        denseLast: z.boolean().default(false),
        denseLayers: z.array(z.string()).default([]),
        layerDensities: z.record(z.number().gt(0).max(1)).default({}),
        updateInterval: z.number().int().positive('the update interval ΔT must be > 0').default(100),
        dropFraction: z.number().min(0).max(1).optional(),
        dropSchedule: z.enum(DROP_SCHEDULES as unknown as [string, ...string[]]).optional(),
        updateEnd: z.number().gt(0).max(1).nullable().optional(),
        initialDensity: z.number().gt(0).max(1).optional(),
        finalDensity: z.number().gt(0).max(1).optional(),
        pruneStartEpoch: z.number().min(0).optional(),
        pruneEndEpoch: z.number().min(0).optional(),
        /** SNIP default layerwise; GraNet/GMP default global. */
        pruning: z.enum(['layerwise', 'global']).optional(),
        snfsMomentum: z.number().min(0).lt(1).default(0.9),
      })
      .strict()
      .optional(),
    /** A booster over the sparse method: Sup-tickets (SPEC §6; its cyclic phase uses schedule.cycleEpochs, lowLr
     * and highLr, the schedule's kind is the normal phase's) or EDST (SPEC §8; its own LR from optimizer.lr). */
    booster: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('suptickets'),
            cycleRate: z.number().gt(0).lt(1).default(0.1),
            superpose: z.enum(SUPERPOSE_KINDS as [SuperposeKind, ...SuperposeKind[]]).default('cia'),
            cimaBeta: fraction.default(0.8),
            bn: z.enum(['av', 'bu']).default('av'),
            exploreRate: z.number().gt(0).max(1).default(0.5),
            exploreCriteria: z.enum(['base', 'code']).default('base'),
            cyclicUpdates: z.boolean().default(false),
            includeEndpoint: z.boolean().default(false),
          })
          .strict(),
        /** EDST (FreeTickets, SPEC §8): exploration phase, then M refinement phases of refineEpochs (default: the
         * rest split evenly), a free ticket at the end of each, a q-exploration between them. */
        z
          .object({
            kind: z.literal('edst'),
            exploreEpochs: z.number().int().positive(),
            members: z.number().int().min(2, 'an ensemble needs at least 2 members'),
            refineEpochs: z.number().int().positive().optional(),
            q: z.number().gt(0, 'q must be in (0, 1)').lt(1, 'q must be in (0, 1)').default(0.8),
            ticket: z.enum(['final', 'best-val']).default('final'),
          })
          .strict(),
      ])
      .optional(),
    /** A ticket pipeline over runs of this recipe (a sweep runs it as one run): lottery rounds, then Lottery
     * Pools over their tickets. */
    pipeline: pipelineSchema.optional(),
    /** Keep checkpoints/epoch-NNNN.safetensors every N epochs (0: only checkpoints/last.safetensors). */
    checkpointEvery: z.number().int().nonnegative().default(0),
    /** Evaluate on val/test every N epochs and after the last [default: every epoch]. */
    evalEvery: z.number().int().positive().optional(),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** The defaults of `sparsetickets train` with no arguments: a small, quick MNIST run. */
export const DEFAULT_TRAIN: TrainConfigInput = {
  model: 'lenet300',
  dataset: 'mnist',
  epochs: 3,
  optimizer: { lr: 0.1 },
};

export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new UsageError(`config file ${path} not found`);
  if (!statSync(path).isFile()) throw new UsageError(`config file ${path} is a directory, not a YAML or JSON file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`config file ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const v = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { merge: true });
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('the top level must be a mapping');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`config file ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Deep merge: values of `over` replace those of `base`; nested objects merge key by key. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergeConfig(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Validates a config; every problem is listed with its path in one UsageError. */
export function validateConfig(raw: Record<string, unknown>, where: string): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  const unused = [
    ...sparseWithoutMethod(raw),
    ...skipsWithoutBlocks(raw),
    ...(r.success ? milestonesAfterEnd(r.data) : []),
  ];
  const infinite = nonFiniteNumbers(raw);
  if (r.success && unused.length === 0 && infinite.length === 0) return r.data;
  const problems = [
    ...infinite,
    ...(r.success
      ? []
      : r.error.issues
          .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
          .filter((p) => !infinite.some((q) => q.split(':')[0] === p.split(':')[0]))),
    ...unused,
  ];
  throw new UsageError(`invalid config (${where}): ${problems.join('; ')}`);
}

/** Every number of a config must be finite: YAML's .inf and .nan are numbers to a schema, never settings. */
function nonFiniteNumbers(v: unknown, path: string[] = []): string[] {
  if (typeof v === 'number')
    return Number.isFinite(v) ? [] : [`${path.join('.') || '(top level)'}: must be a finite number, got ${v}`];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => nonFiniteNumbers(x, [...path, k]));
  return [];
}

/** A drop at or after the last epoch never happens: a typo in a preset that would go unnoticed for days. */
function milestonesAfterEnd(c: TrainConfig): string[] {
  return (c.schedule.milestoneEpochs ?? [])
    .filter((e) => e >= c.epochs)
    .map((e) => `schedule.milestoneEpochs: epoch ${e} is not before the end of the run (epochs ${c.epochs})`);
}

/** Extra skips on a model without BasicBlocks (SPEC §9: Bottleneck and other blocks are unchanged). */
function skipsWithoutBlocks(raw: Record<string, unknown>): string[] {
  if (raw.extraSkips !== true || typeof raw.model !== 'string' || !isModelName(raw.model)) return [];
  if (EXTRA_SKIP_MODELS.includes(raw.model)) return [];
  return [`extraSkips: needs BasicBlocks; ${raw.model} has none (${EXTRA_SKIP_MODELS.join(', ')} have them)`];
}

/** Sparse settings given while the method is dense would be silently ignored: each is a problem. */
function sparseWithoutMethod(raw: Record<string, unknown>): string[] {
  const sp = raw.sparse;
  if (!sp || typeof sp !== 'object') return [];
  const s = sp as Record<string, unknown>;
  if ((s.method ?? 'dense') !== 'dense') return [];
  return Object.keys(s)
    .filter((k) => k !== 'method' && s[k] !== undefined)
    .map((k) => `sparse.${k}: needs a sparse method (sparse.method is dense)`);
}
