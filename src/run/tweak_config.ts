// The retraining tweaks of "spending the lottery better" (SPEC §9) as config: GradInit's settings (a key of the
// run config) and a tweak set (what `sparsetickets retrain` and the spending pipeline apply to a found mask):
// AT = activation and/or extra skips, TRT = GradInit and label smoothing, or knowledge distillation from the
// dense network in the smoothing's place.
import { z } from 'zod';
import { ACTIVATIONS, type ActivationKind } from '../nn/layers/activation.js';
import { GRADINIT_DEFAULTS } from '../nn/gradinit.js';

const positive = z.number().positive();

/** GradInit, the TRT tweak's re-scaled initialisation (nn/gradinit.ts says where each setting comes from). */
export const gradinitSchema = z
  .object({
    /** dense-first: learn the scales on the dense starting weights, then apply the mask (ToST's order);
     * mask-first: apply the mask, then learn them on the subnetwork. */
    order: z.enum(['dense-first', 'mask-first']).default('dense-first'),
    iterations: z.number().int().positive().default(GRADINIT_DEFAULTS.iterations),
    lr: positive.default(GRADINIT_DEFAULTS.lr),
    eta: positive.default(GRADINIT_DEFAULTS.eta),
    minScale: positive.default(GRADINIT_DEFAULTS.minScale),
    gamma: positive.default(GRADINIT_DEFAULTS.gamma),
    gradClip: positive.default(GRADINIT_DEFAULTS.gradClip),
  })
  .strict();

/** A set of tweaks for retraining a ticket's mask; none at all is vanilla LTH retraining. */
export const tweakSetSchema = z
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
  .strict()
  .refine((t) => !(t.kd && t.labelSmoothing !== undefined), 'label smoothing and KD exclude each other');

export type TweakSet = z.infer<typeof tweakSetSchema>;
export type TweakSetInput = z.input<typeof tweakSetSchema>;

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
