// The run configuration: a YAML or JSON file validated by a schema, with command-line flags overriding the
// file's values. An invalid config lists every problem with its path, before any work starts. Each key carries
// its description, group and flag (config_settings.ts): the command line is generated from them.
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
import { pipelineSchema } from './pipeline_config.js';
import { setting, settingsOf, type Setting } from './config_settings.js';
import { boosterSchema, sparseSchema } from './config_sparse.js';

const positive = z.number().positive();
const fraction = z.number().min(0).max(1);

const lr = setting(positive, { group: 'optimiser', value: 'LR', description: 'learning rate' });
const weightDecay = setting(z.number().min(0).default(5e-4), {
  group: 'optimiser',
  value: 'WD',
  description: 'weight decay',
});
const optimizerKind = { group: 'optimiser', flag: 'optimizer', value: 'KIND', default: 'sgd' } as const;

const optimizerSchema = z.preprocess(
  // kind defaults to sgd; each kind takes only its own options (a strict object each)
  (o) => (o && typeof o === 'object' && !('kind' in o) ? { ...o, kind: 'sgd' } : o),
  z
    .discriminatedUnion('kind', [
      z
        .object({
          kind: setting(z.literal('sgd'), { ...optimizerKind, description: 'sgd | adamw' }),
          lr,
          momentum: setting(z.number().min(0).lt(1).default(0.9), {
            group: 'optimiser',
            value: 'M',
            description: 'SGD momentum',
          }),
          nesterov: setting(z.boolean().default(false), { group: 'optimiser', description: 'Nesterov momentum' }),
          weightDecay,
        })
        .strict(),
      z
        .object({
          kind: setting(z.literal('adamw'), { ...optimizerKind, description: 'sgd | adamw' }),
          lr,
          weightDecay,
          beta1: setting(z.number().min(0).lt(1).default(0.9), {
            group: 'optimiser',
            value: 'β1',
            description: "AdamW's β1",
          }),
          beta2: setting(z.number().min(0).lt(1).default(0.999), {
            group: 'optimiser',
            value: 'β2',
            description: "AdamW's β2",
          }),
        })
        .strict(),
    ])
    .refine((o) => !(o.kind === 'sgd' && o.nesterov && o.momentum === 0), {
      message: 'Nesterov momentum needs momentum > 0',
      path: ['nesterov'],
    }),
);

const scheduleSchema = z
  .object({
    kind: setting(z.enum(['constant', 'multistep', 'cosine', 'cyclic']).default('multistep'), {
      group: 'schedule',
      flag: 'schedule',
      value: 'KIND',
      description: 'constant | multistep | cosine | cyclic (the Sup-tickets triangle)',
    }),
    milestones: setting(z.array(fraction).default([0.5, 0.75]), {
      group: 'schedule',
      value: 'F,F',
      description: 'multistep milestones as fractions of training',
    }),
    milestoneEpochs: setting(z.array(z.number().int().nonnegative()).min(1).optional(), {
      group: 'schedule',
      value: 'E,E',
      // As the papers' code steps torch's MultiStepLR once an epoch, e.g. [int(0.5·E), int(0.75·E)].
      description:
        'multistep drops at whole epochs instead (0-based: the rate changes as epoch E starts; with a booster, epochs of its normal phase)',
    }),
    gamma: setting(positive.default(0.1), { group: 'schedule', value: 'G', description: 'multistep factor' }),
    warmupEpochs: setting(z.number().min(0).default(0), {
      group: 'schedule',
      value: 'E',
      description: 'linear warm-up epochs',
    }),
    minLr: setting(z.number().min(0).default(0), {
      group: 'schedule',
      value: 'LR',
      description: 'cosine: the rate it decays to',
    }),
    // cyclic (the Sup-tickets triangle, SPEC §6): cycles of C epochs from lowLr up to highLr mid-cycle and back.
    cycleEpochs: setting(z.number().int().positive().default(8), {
      group: 'schedule',
      value: 'C',
      description: 'cyclic schedule or Sup-tickets: epochs per cycle',
    }),
    lowLr: setting(positive.default(0.001), {
      group: 'schedule',
      flag: 'lr-low',
      value: 'LR',
      description: 'cyclic: rate at the cycle ends',
    }),
    highLr: setting(positive.default(0.005), {
      group: 'schedule',
      flag: 'lr-high',
      value: 'LR',
      description: 'cyclic: rate mid-cycle',
    }),
  })
  .strict()
  .default({});

const lossSchema = z
  .object({
    labelSmoothing: setting(z.number().min(0).lt(1).default(0), {
      group: 'tweaks',
      value: 'A',
      description: 'label smoothing α',
    }),
    /** Knowledge distillation from a teacher checkpoint (SPEC §3). */
    distill: z
      .object({
        teacher: setting(z.union([z.string(), z.array(z.string()).min(1)]), {
          group: 'tweaks',
          value: 'FILE,…',
          kind: 'files',
          description:
            'distil from a teacher checkpoint or ticket, or several (their prediction ensemble); α·T²·KL + (1−α)·CE',
        }),
        alpha: setting(z.number().min(0).max(1).default(0.5), {
          group: 'tweaks',
          flag: 'kd-alpha',
          value: 'A',
          description: 'distillation weight α',
        }),
        temperature: setting(z.number().positive().default(4), {
          group: 'tweaks',
          flag: 'kd-temperature',
          value: 'T',
          description: 'distillation temperature',
        }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((l) => !(l.distill && l.labelSmoothing > 0), 'label smoothing and distillation exclude each other')
  .default({});

export const trainConfigSchema = z
  .object({
    name: setting(
      z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only')
        .optional(),
      {
        group: 'output',
        value: 'NAME',
        description: 'run name',
        default: '<model>-<dataset>-s<seed>, or its first free -2, -3, …',
      },
    ),
    runsDir: setting(z.string().default('runs'), {
      group: 'output',
      value: 'DIR',
      description: 'parent of run directories',
    }),
    model: setting(
      z.string().refine(isModelName, (v) => ({ message: `unknown model '${v}'; valid: ${MODEL_NAMES.join(', ')}` })),
      { group: 'model', value: 'NAME', description: 'zoo model' },
    ),
    width: setting(positive.default(1), { group: 'model', value: 'W', description: 'width multiplier' }),
    activation: setting(z.enum(ACTIVATIONS as [ActivationKind, ...ActivationKind[]]).optional(), {
      group: 'tweaks',
      value: 'A',
      choices: ACTIVATIONS,
      default: 'relu',
      description: "the activation in every ReLU's place (AT tweak, SPEC §9)",
    }),
    extraSkips: setting(z.boolean().optional(), {
      group: 'tweaks',
      description: 'two 1×1 conv + BN jump paths per BasicBlock, never pruned (AT tweak; resnet18/34/20/32)',
    }),
    // GradInit runs before the first step of a fresh run: dense training, or a ticket's mask retrained from a start.
    gradinit: setting(gradinitSchema.optional(), {
      group: 'tweaks',
      kind: 'switch',
      description: 'GradInit: learn per-tensor scales of the initialisation first (TRT tweak, SPEC §9)',
    }),
    dataset: setting(z.enum(DATASET_NAMES), {
      group: 'data',
      value: 'NAME',
      description: DATASET_NAMES.join(' | '),
    }),
    dataDir: setting(z.string().optional(), {
      group: 'data',
      value: 'DIR',
      description: 'directory of the dataset files (CIFAR binary batches, IDX files)',
    }),
    valFraction: setting(z.number().min(0).lt(1).default(0.1), {
      group: 'data',
      value: 'F',
      description: 'held-out validation: last fraction of train',
    }),
    trainSubset: setting(z.number().int().positive().optional(), {
      group: 'data',
      value: 'N',
      description: 'train on only the first N examples of the training part (validation and test stay whole)',
    }),
    augment: setting(z.boolean().optional(), {
      group: 'data',
      kind: 'negatable',
      description: 'random crop + flip (default on for CIFAR)',
    }),
    epochs: setting(z.number().int().positive(), { group: 'schedule', value: 'N', description: 'epochs' }),
    batch: setting(z.number().int().positive().default(128), {
      group: 'schedule',
      value: 'N',
      description: 'batch size',
    }),
    seed: setting(z.number().int().nonnegative().default(0), {
      group: 'run',
      value: 'N',
      description: 'seed of init, masks, shuffling, augmentation and growth',
    }),
    threads: setting(z.number().int().positive().optional(), {
      group: 'execution',
      value: 'T',
      description: 'threads',
      default: 'SPARSETICKETS_THREADS or all cores',
    }),
    backend: setting(z.enum(BACKENDS as [string, ...string[]]).default('auto'), {
      group: 'execution',
      value: 'B',
      description: BACKENDS.join(' | '),
    }),
    optimizer: optimizerSchema,
    schedule: scheduleSchema,
    loss: lossSchema,
    mode: setting(z.enum(EXECUTION_MODES).default('masked'), {
      group: 'execution',
      value: 'MODE',
      description:
        'how masked layers run: masked (dense × mask, as PyTorch) | sparse (compressed, sparse\n' +
        'kernels) | auto (per layer, the faster as measured) | dense (no masks; method dense only)',
    }),
    /** Sparse training (SPEC §4); absent or method 'dense' trains densely. */
    sparse: sparseSchema.optional(),
    booster: boosterSchema.optional(),
    pipeline: setting(pipelineSchema.optional(), {
      group: 'pipeline',
      fileOnly: true,
      description:
        'a ticket pipeline over runs of this recipe (a sweep runs it as one run): lottery rounds, then Lottery\n' +
        'Pools over their tickets, or retraining with tweaks (the lottery and pool commands take it as flags)',
    }),
    checkpointEvery: setting(z.number().int().nonnegative().default(0), {
      group: 'run',
      value: 'N',
      description: 'also keep checkpoints/epoch-NNNN.safetensors every N epochs',
      default: '0, only last',
    }),
    evalEvery: setting(z.number().int().positive().optional(), {
      group: 'run',
      value: 'N',
      description: 'evaluate on val/test every N epochs and after the last',
      default: '1',
    }),
  })
  .strict();

/** Every setting of a run config, in the schema's order. */
export const TRAIN_SETTINGS: readonly Setting[] = settingsOf(trainConfigSchema).settings;

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
