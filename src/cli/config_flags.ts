// The run config's settings as command-line flags: a command names the groups of settings it takes, and gets
// their options (--help text included) and their parsing into a partial config (string → typed value, at the
// setting's path). A flag given to a command that does not take its group is an unknown option.
import { DEFAULT_TRAIN, TRAIN_SETTINGS } from '../run/config.js';
import { SETTING_GROUPS, type Setting, type SettingGroup, type ValueKind } from '../run/config_settings.js';
import { numberOption, parseDecimal, UsageError, type OptionSpec, type ParsedOptions } from './args.js';

export interface SettingSelection {
  groups: readonly SettingGroup[];
  /** A command's own option in a setting's place (its flag, its parsing): the setting's flag is not offered. */
  replaced?: Record<string, Record<string, OptionSpec>>;
  /** The default --help shows for a setting, where the command's differs from `train`'s. */
  help?: Record<string, string>;
  /** Other flags of the command that turn a switch on, named in its message (e.g. gradinit: '--trt'). */
  switchedBy?: Record<string, string>;
}

/** The settings a selection offers as flags, in the schema's order. */
export function selectedSettings(sel: SettingSelection): Setting[] {
  return TRAIN_SETTINGS.filter((s) => s.flag && sel.groups.includes(s.group) && !sel.replaced?.[s.path]);
}

const given = (v: ParsedOptions, flag: string) => v[flag] !== undefined && v[flag] !== false;

/** How a kind of setting reads its value from the parsed flags (undefined: not given). */
interface Reader {
  type: 'string' | 'boolean';
  read: (v: ParsedOptions, flag: string, cmd: string) => unknown;
  /** Also offers --no-<flag>. */
  negation?: true;
}

/** A reader of a string flag's text. */
const textual = (parse: (raw: string, cmd: string, flag: string) => unknown): Reader => ({
  type: 'string',
  read: (v, flag, cmd) => (v[flag] === undefined ? undefined : parse(String(v[flag]), cmd, flag)),
});

const commaList = (raw: string) =>
  raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const number = (raw: string, cmd: string, flag: string, integer = false) =>
  numberOption(cmd, { [flag]: raw }, flag, integer ? { integer: true } : {});

const READERS: Record<ValueKind, Reader> = {
  text: textual((raw) => raw),
  number: textual((raw, cmd, flag) => number(raw, cmd, flag)),
  integer: textual((raw, cmd, flag) => number(raw, cmd, flag, true)),
  'number-or-never': textual((raw, cmd, flag) => (raw === 'never' ? null : number(raw, cmd, flag))),
  numbers: textual((raw, cmd, flag) =>
    raw.split(',').map((x) => {
      const n = parseDecimal(x);
      if (!Number.isFinite(n))
        throw new UsageError(`${cmd}: --${flag} must be numbers separated by commas, got '${raw}'`);
      return n;
    }),
  ),
  texts: textual(commaList),
  files: textual((raw) => {
    const files = commaList(raw);
    return files.length === 1 ? files[0] : files;
  }),
  densities: textual((raw, cmd, flag) =>
    Object.fromEntries(
      commaList(raw).map((pair) => {
        const [glob, d] = pair.split('=');
        const n = parseDecimal(d ?? '');
        if (!glob || d === undefined || !Number.isFinite(n))
          throw new UsageError(`${cmd}: --${flag} wants GLOB=DENSITY pairs, got '${pair}'`);
        return [glob, n];
      }),
    ),
  ),
  flag: { type: 'boolean', read: (v, flag) => given(v, flag) || undefined },
  switch: { type: 'boolean', read: (v, flag) => (given(v, flag) ? {} : undefined) },
  negatable: {
    type: 'boolean',
    negation: true,
    read: (v, flag, cmd) => {
      if (given(v, flag) && given(v, `no-${flag}`))
        throw new UsageError(`${cmd}: --${flag} and --no-${flag} contradict each other`);
      return given(v, flag) ? true : given(v, `no-${flag}`) ? false : undefined;
    },
  },
};

function valueAt(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as never)[k] : undefined), o);
}

/** The default as --help shows it: the setting's own words, the schema's default, or that of `train` alone. */
function defaultText(s: Setting): string | undefined {
  if (s.default !== undefined) return s.default;
  const d = s.schemaDefault ?? valueAt(DEFAULT_TRAIN, s.path);
  if (d === undefined || d === false || (typeof d === 'object' && d !== null && Object.keys(d).length === 0))
    return undefined;
  return String(d);
}

/** The options of a selection, group by group, each marked with its setting's path and headed by its group's title. */
export function settingOptions(sel: SettingSelection): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  const order = Object.keys(SETTING_GROUPS);
  const settings = TRAIN_SETTINGS.filter((x) => sel.groups.includes(x.group)).sort(
    (a, b) => order.indexOf(a.group) - order.indexOf(b.group),
  );
  for (const s of settings) {
    const group = SETTING_GROUPS[s.group];
    const own = sel.replaced?.[s.path];
    if (own) {
      for (const [name, o] of Object.entries(own)) out[name] = { ...o, group };
      continue;
    }
    if (!s.flag) continue;
    const reader = READERS[s.kind];
    out[s.flag] = {
      type: reader.type,
      description: s.description,
      ...(reader.type === 'string' ? { value: s.value } : {}),
      ...(s.choices ? { choices: s.choices } : {}),
      defaultText: sel.help?.[s.path] ?? defaultText(s),
      group,
      setting: s.path,
    };
    if (reader.negation)
      out[`no-${s.flag}`] = { type: 'boolean', description: `turn --${s.flag} off`, group, setting: s.path };
  }
  return out;
}

/** A command's own options followed by those of its settings; a name in both is a mistake of the command. */
export function withSettings(sel: SettingSelection, own: Record<string, OptionSpec>): Record<string, OptionSpec> {
  const settings = settingOptions(sel);
  const clash = Object.keys(own).filter((k) => k in settings);
  if (clash.length) throw new Error(`options ${clash.join(', ')} are a command's own and a setting's flag`);
  return { ...own, ...settings };
}

const andList = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** Refuses flags under a section given without the flag that turns it on. */
export function requireSwitch(cmd: string, v: ParsedOptions, flags: string[], switchText: string, on: boolean): void {
  if (on || !flags.some((f) => given(v, f))) return;
  throw new UsageError(`${cmd}: ${andList(flags.map((f) => `--${f}`))} need ${switchText}`);
}

function setPath(into: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = into;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

/** The flags of a selection as a partial config: a key only where its flag was given. */
export function flagsToConfig(v: ParsedOptions, sel: SettingSelection, cmd: string): Record<string, unknown> {
  const settings = selectedSettings(sel) as (Setting & { flag: string })[];
  for (const sw of settings.filter((s) => s.section)) {
    const inner = settings.filter((s) => s.path.startsWith(sw.path + '.')).map((s) => s.flag);
    const by = sel.switchedBy?.[sw.path];
    requireSwitch(cmd, v, inner, `--${sw.flag}${by ? ` (or ${by})` : ''}`, given(v, sw.flag));
  }
  const out: Record<string, unknown> = {};
  for (const s of settings) {
    const value = READERS[s.kind].read(v, s.flag, cmd);
    if (value !== undefined) setPath(out, s.path, value);
  }
  return out;
}
