// The retraining tweaks of "spending the lottery better" (SPEC §9) as config: GradInit's settings (a key of the
// run config) and a tweak set (what `sparsetickets retrain` and the spending pipeline apply to a found mask):
// AT = activation and/or extra skips, TRT = GradInit and label smoothing, or knowledge distillation from the
// dense network in the smoothing's place.
import { z } from 'zod';
import { ACTIVATIONS, type ActivationKind } from '../nn/layers/activation.js';
import { GRADINIT_DEFAULTS } from '../nn/gradinit.js';
import { setting } from './config_settings.js';

const positive = z.number().positive();

/** GradInit, the TRT tweak's re-scaled initialisation (nn/gradinit.ts says where each setting comes from). */
export const gradinitSchema = z
  .object({
    lr: setting(positive.default(GRADINIT_DEFAULTS.lr), {
      group: 'tweaks',
      flag: 'gradinit-lr',
      value: 'LR',
      description: "GradInit: Adam's learning rate on the scales",
    }),
    eta: setting(positive.default(GRADINIT_DEFAULTS.eta), {
      group: 'tweaks',
      flag: 'gradinit-eta',
      value: 'η',
      description: 'GradInit: η of the look-ahead SGD step',
    }),
    minScale: setting(positive.default(GRADINIT_DEFAULTS.minScale), {
      group: 'tweaks',
      flag: 'gradinit-min-scale',
      value: 'S',
      description: "GradInit: least scale of a weight tensor (biases' is 0)",
    }),
    gamma: setting(positive.default(GRADINIT_DEFAULTS.gamma), {
      group: 'tweaks',
      flag: 'gradinit-gamma',
      value: 'γ',
      description: 'GradInit: the gradient-norm constraint γ',
    }),
    gradClip: setting(positive.default(GRADINIT_DEFAULTS.gradClip), {
      group: 'tweaks',
      flag: 'gradinit-grad-clip',
      value: 'C',
      description: "GradInit: per-scalar clip of the scales' gradients",
    }),
    // order and iterations last: a --gradinit-… flag without --gradinit is refused with '… --gradinit-order and
    // --gradinit-iterations need --gradinit', as before the tuning flags existed. dense-first is ToST's order: the
    // scales are learned on the dense starting weights, then the mask applies.
    order: setting(z.enum(['dense-first', 'mask-first']).default('dense-first'), {
      group: 'tweaks',
      flag: 'gradinit-order',
      value: 'O',
      description: 'scales on the dense start, then the mask; or on the masked one',
    }),
    iterations: setting(z.number().int().positive().default(GRADINIT_DEFAULTS.iterations), {
      group: 'tweaks',
      flag: 'gradinit-iterations',
      value: 'N',
      description: 'GradInit iterations (constraint and objective steps)',
    }),
  })
  .strict();

/** A set of tweaks for retraining a ticket's mask (before the check that KD and smoothing exclude each other). */
export const tweakSetObject = z
  .object({
    /** The set's name in tables and run names [default: its tag, e.g. swish+skips+gradinit+ls0.1]. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9._+-]+$/, 'letters, digits, dot, plus, dash and underscore only')
      .optional(),
    activation: z.enum(ACTIVATIONS as [ActivationKind, ...ActivationKind[]]).optional(),
    extraSkips: z.boolean().optional(),
    gradinit: gradinitSchema.optional(),
    /** Label smoothing α (SPEC §9: 0.1 with TRT). */
    labelSmoothing: z.number().gt(0).lt(1).optional(),
    /** Knowledge distillation from the pipeline's dense network (its round-0 ticket), in label smoothing's place. */
    kd: z
      .object({
        alpha: z.number().min(0).max(1).default(0.5),
        temperature: positive.default(4),
      })
      .strict()
      .optional(),
  })
  .strict();

/** KD takes label smoothing's place (SPEC §9): never both. */
export const kdOrSmoothing = [
  (t: { kd?: unknown; labelSmoothing?: number }) => !(t.kd && t.labelSmoothing !== undefined),
  'label smoothing and KD exclude each other',
] as const;

/** A set of tweaks for retraining a ticket's mask; none at all is vanilla LTH retraining. */
export const tweakSetSchema = tweakSetObject.refine(...kdOrSmoothing);

export type TweakSet = z.infer<typeof tweakSetSchema>;
export type TweakSetInput = z.input<typeof tweakSetSchema>;

/** Where each retraining tweak of a run config (its 'tweaks' settings) sits in a tweak set. */
const TWEAK_PLACES: [configPath: string, tweakKey: keyof TweakSetInput][] = [
  ['activation', 'activation'],
  ['extraSkips', 'extraSkips'],
  ['gradinit', 'gradinit'],
  ['loss.labelSmoothing', 'labelSmoothing'],
  ['loss.distill', 'kd'],
];

/** A partial run config of tweaks as a raw tweak set; a key that has no place in one is an error (a new tweak
 * setting must get its place here before `retrain` can take it). */
export function tweaksFromConfig(partial: Record<string, unknown>): Record<string, unknown> {
  const left = structuredClone(partial);
  const out: Record<string, unknown> = {};
  for (const [path, key] of TWEAK_PLACES) {
    const keys = path.split('.');
    const parent = keys
      .slice(0, -1)
      .reduce<Record<string, unknown> | undefined>((o, k) => o?.[k] as Record<string, unknown> | undefined, left);
    const last = keys[keys.length - 1];
    if (parent?.[last] === undefined) continue;
    out[key] = parent[last];
    delete parent[last];
  }
  const unplaced = Object.entries(left).filter(([, v]) => !(v && typeof v === 'object' && !Object.keys(v).length));
  if (unplaced.length)
    throw new Error(`settings without a place in a tweak set: ${unplaced.map(([k]) => k).join(', ')}`);
  return out;
}

/** A short tag of the tweaks, e.g. 'swish+skips+gradinit+ls0.1' ('vanilla' for none). */
export function tweakTag(t: TweakSet): string {
  const parts = [
    t.activation && t.activation !== 'relu' ? t.activation : '',
    t.extraSkips ? 'skips' : '',
    t.gradinit ? (t.gradinit.order === 'mask-first' ? 'gradinit-mask-first' : 'gradinit') : '',
    t.labelSmoothing !== undefined ? `ls${t.labelSmoothing}` : '',
    t.kd ? 'kd' : '',
  ].filter(Boolean);
  return parts.length ? parts.join('+') : 'vanilla';
}

/** The set's name: its own, or its tag. */
export const tweakName = (t: TweakSet): string => t.name ?? tweakTag(t);

/** The tweaks in words, e.g. 'swish, extra skips, GradInit (dense-first), label smoothing 0.1'. */
export function describeTweaks(t: TweakSet): string {
  const parts = [
    t.activation && t.activation !== 'relu' ? t.activation : '',
    t.extraSkips ? 'extra skips' : '',
    t.gradinit ? `GradInit (${t.gradinit.order})` : '',
    t.labelSmoothing !== undefined ? `label smoothing ${t.labelSmoothing}` : '',
    t.kd ? `KD from the dense network (α ${t.kd.alpha}, T ${t.kd.temperature})` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no tweaks (vanilla)';
}

/** Whether the set changes anything (vanilla retraining is the lottery round's own training). */
export const hasTweaks = (t: TweakSet): boolean => tweakTag(t) !== 'vanilla';
