// What each key of the run config means to a user: its description, its group, its command-line flag and how
// the flag's text becomes a value. A schema key carries this through `setting(schema, meta)`, so the schema and
// everything the command line derives from it (flags, --help, parsing) are written in one place; `settingsOf`
// walks a schema and lists them.
import { z } from 'zod';

/** The groups of settings; a command that takes a part of the training settings names the groups it takes. */
export const SETTING_GROUPS = {
  data: 'Data',
  model: 'Model',
  optimiser: 'Optimiser',
  schedule: 'Epochs, batches and learning-rate schedule',
  sparse: 'Sparse training (SPEC §4)',
  booster: 'Booster: Sup-tickets (SPEC §6) or EDST (SPEC §8)',
  tweaks: 'Retraining tweaks (SPEC §9): architecture, GradInit, label smoothing, distillation',
  run: 'Run: seed, evaluation, checkpoints',
  execution: 'Execution: kernels, threads, layer mode',
  output: 'Run directory',
  pipeline: 'Ticket pipeline (config file only)',
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;
export const ALL_GROUPS = Object.keys(SETTING_GROUPS) as SettingGroup[];

/** How a flag's text becomes the setting's value (the command line implements each: cli/config_flags.ts). */
export type ValueKind =
  | 'text'
  | 'number'
  | 'integer'
  /** A boolean flag: given, the value is true. */
  | 'flag'
  /** --key sets true, --no-key false. */
  | 'negatable'
  /** A boolean flag that turns a section on (an object of its own settings, each then needing the flag). */
  | 'switch'
  | 'numbers'
  | 'texts'
  /** Comma-separated GLOB=DENSITY pairs, a record. */
  | 'densities'
  /** A number, or 'never' for null. */
  | 'number-or-never'
  /** One file, or several separated by commas (an array). */
  | 'files';

export interface SettingMeta {
  group: SettingGroup;
  /** The --help text (a line; longer ones break with \n). */
  description: string;
  /** The flag without '--' [default: the key in kebab case, e.g. dataDir → data-dir]. */
  flag?: string;
  /** The value's placeholder in --help, e.g. 'N' [default: VALUE]. */
  value?: string;
  /** [default: from the schema: boolean → flag, integer, number, array → numbers or texts, else text]. */
  kind?: ValueKind;
  /** The default as --help shows it, where the schema's (or the defaults of `train`) is not the whole story. */
  default?: string;
  /** Values checked when the flag is read, before the schema sees them. */
  choices?: readonly string[];
  /** Set in a config file only: no flag, and its inner keys are this one setting. */
  fileOnly?: true;
}

export interface Setting extends Required<Pick<SettingMeta, 'group' | 'description' | 'kind'>> {
  /** Dotted path in the config, e.g. 'sparse.dropFraction'. */
  path: string;
  /** Absent for a file-only setting. */
  flag?: string;
  value: string;
  default?: string;
  choices?: readonly string[];
  /** The schema's own default of this key, if it has one. */
  schemaDefault?: unknown;
  /** A switch: the setting is an object of settings (below its path) that its flag turns on. */
  section: boolean;
}

const META = new WeakMap<z.ZodTypeAny, SettingMeta>();

/** Attaches a key's meaning to its schema (returned unchanged). */
export function setting<T extends z.ZodTypeAny>(schema: T, meta: SettingMeta): T {
  META.set(schema, meta);
  return schema;
}

/** One layer of wrapping (default, optional, nullable, refinements) off a schema; null when there is none. */
function unwrapOnce(t: z.ZodTypeAny): z.ZodTypeAny | null {
  if (t instanceof z.ZodDefault) return t._def.innerType;
  if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) return t.unwrap();
  if (t instanceof z.ZodEffects) return t.innerType();
  return null;
}

/** The schema under its wrappers, the first meta found on the way and the default of a ZodDefault. */
function unwrap(t: z.ZodTypeAny): { core: z.ZodTypeAny; meta?: SettingMeta; schemaDefault?: unknown } {
  let meta: SettingMeta | undefined;
  let schemaDefault: unknown;
  for (let at: z.ZodTypeAny | null = t; at; at = unwrapOnce(at)) {
    meta ??= META.get(at);
    if (at instanceof z.ZodDefault && schemaDefault === undefined) schemaDefault = at._def.defaultValue();
    t = at;
  }
  return { core: t, meta, schemaDefault };
}

/** The keys of an object, or of every option of a discriminated union (a key in several options once). */
function sectionKeys(t: z.ZodTypeAny): [string, z.ZodTypeAny][] | null {
  if (t instanceof z.ZodObject) return Object.entries(t.shape as Record<string, z.ZodTypeAny>);
  if (t instanceof z.ZodDiscriminatedUnion)
    return (t.options as z.ZodObject<z.ZodRawShape>[]).flatMap((o) => Object.entries(o.shape));
  return null;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function defaultKind(core: z.ZodTypeAny): ValueKind {
  if (core instanceof z.ZodBoolean) return 'flag';
  if (core instanceof z.ZodNumber) return core.isInt ? 'integer' : 'number';
  if (core instanceof z.ZodArray) return unwrap(core.element).core instanceof z.ZodNumber ? 'numbers' : 'texts';
  return 'text';
}

/** Every setting of a schema in its order, and the paths of keys that carry no meta (each a gap to fill). */
export function settingsOf(schema: z.ZodTypeAny): { settings: Setting[]; undescribed: string[] } {
  const settings = new Map<string, Setting>();
  const undescribed = new Set<string>();
  const walk = (t: z.ZodTypeAny, path: string[]) => {
    const { core, meta, schemaDefault } = unwrap(t);
    const keys = sectionKeys(core);
    const at = path.join('.');
    if (meta && !settings.has(at))
      settings.set(at, {
        path: at,
        group: meta.group,
        description: meta.description,
        kind: meta.kind ?? defaultKind(core),
        flag: meta.fileOnly ? undefined : (meta.flag ?? kebab(path[path.length - 1])),
        value: meta.value ?? 'VALUE',
        default: meta.default,
        choices: meta.choices,
        schemaDefault,
        section: meta.kind === 'switch',
      });
    if (meta?.fileOnly) return;
    if (keys && (!meta || settings.get(at)!.section)) for (const [k, v] of keys) walk(v, [...path, k]);
    else if (!meta) undescribed.add(at);
  };
  walk(schema, []);
  return { settings: [...settings.values()], undescribed: [...undescribed] };
}

/** Whether a dotted key names a value of the schema (a discriminated union: any option's keys; a record: any key). */
export function schemaHasKey(schema: z.ZodTypeAny, key: string): boolean {
  let t = schema;
  for (const part of key.split('.')) {
    const { core } = unwrap(t);
    const next = core instanceof z.ZodRecord ? core._def.valueType : sectionKeys(core)?.find(([k]) => k === part)?.[1];
    if (!next) return false;
    t = next;
  }
  return true;
}

/** The groups a dotted key touches: those of the setting that holds it, or of every setting below it. */
export function groupsOfKey(settings: readonly Setting[], key: string): SettingGroup[] {
  const holder = settings.find((s) => key === s.path || key.startsWith(s.path + '.'));
  if (holder && !holder.section) return [holder.group];
  return [...new Set(settings.filter((s) => s.path === key || s.path.startsWith(key + '.')).map((s) => s.group))];
}
