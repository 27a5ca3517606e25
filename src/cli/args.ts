// Command-line parsing shared by every command: declared options, --help text generated from them,
// and one-line usage errors (exit code 2) that list what is valid.
import { parseArgs } from 'node:util';

import { UsageError } from '../util/errors.js';

export { UsageError };

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
  choices?: readonly string[];
  /** Shown in --help as the value placeholder, e.g. "N" in "--batch N". */
  value?: string;
  /** May be given several times (a string option); its value is then an array. */
  multiple?: boolean;
  /** A one-letter alias (e.g. 'o' for -o). */
  short?: string;
  /** The default as --help shows it, where the option itself has none (its absence leaves a config's value). */
  defaultText?: string;
  /** The heading --help lists the option under [default: Options]. */
  group?: string;
  /** The run-config setting (dotted path) the option sets, for options generated from the schema. */
  setting?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Worked examples printed under --help. */
  examples?: string[];
  /** Positional arguments, as shown in the usage line (e.g. 'TICKET...'); absent: none accepted. */
  positionals?: { usage: string; min: number; max?: number };
}

export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

const FLAG_WIDTH = 28;

export function helpText(spec: CommandSpec): string {
  const usage = `Usage: sparsetickets ${spec.name}${spec.positionals ? ' ' + spec.positionals.usage : ''} [options]`;
  const lines = [usage, '', spec.summary];
  const all = Object.entries({
    ...spec.options,
    help: { type: 'boolean', description: 'show this help' } as OptionSpec,
  });
  // The command's own options first, then each group of settings under its heading.
  const headings = ['Options', ...new Set(all.flatMap(([, o]) => (o.group ? [o.group] : [])))];
  for (const heading of headings) {
    lines.push('', `${heading}:`);
    for (const [name, o] of all.filter(([, o]) => (o.group ?? 'Options') === heading)) {
      const flag = `${o.short ? `-${o.short}, ` : ''}${o.type === 'string' ? `--${name} ${o.value ?? 'VALUE'}` : `--${name}`}`;
      let desc = o.description;
      if (o.choices) desc += ` (${o.choices.join(' | ')})`;
      const shown = o.default !== undefined && o.default !== false ? String(o.default) : o.defaultText;
      if (shown !== undefined) desc += ` [default: ${shown}]`;
      lines.push(`  ${flag.padEnd(FLAG_WIDTH)} ${desc.replace(/\n/g, '\n' + ' '.repeat(FLAG_WIDTH + 3))}`);
    }
  }
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

/** Parses argv for a command; returns null when --help was printed. Throws UsageError on bad input. */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedOptions | null {
  return parseCommandLine(spec, argv)?.values ?? null;
}

/** parseCommand with the positional arguments the spec declares, their count checked. */
export function parseCommandLine(
  spec: CommandSpec,
  argv: string[],
): { values: ParsedOptions; positionals: string[] } | null {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean' },
  };
  for (const [name, o] of Object.entries(spec.options))
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  // node's parseArgs reads '--lr -0.1' as two options; a string option followed by a negative number
  // takes it as its value, as users expect.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (options[name]?.type === 'string' && /^-\d|^-\.\d/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let values: ParsedOptions;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: !!spec.positionals }) as {
      values: ParsedOptions;
      positionals: string[];
    });
  } catch (e) {
    const valid = Object.keys(spec.options)
      .map((n) => `--${n}`)
      .join(', ');
    throw new UsageError(`${spec.name}: ${(e as Error).message.split('\n')[0]}; valid options: ${valid}, --help`);
  }
  if (values.help) {
    process.stdout.write(helpText(spec));
    return null;
  }
  const p = spec.positionals;
  if (p && (positionals.length < p.min || (p.max !== undefined && positionals.length > p.max)))
    throw new UsageError(
      `${spec.name}: expects ${p.usage} (${p.max === p.min ? p.min : `${p.min}${p.max === undefined ? ' or more' : `–${p.max}`}`}), got ${positionals.length}: ${positionals.join(' ') || 'none'}`,
    );
  for (const [name, o] of Object.entries(spec.options)) {
    const v = values[name];
    if (v === undefined && o.default !== undefined) values[name] = o.default;
    if (o.choices && typeof values[name] === 'string' && !o.choices.includes(values[name] as string)) {
      throw new UsageError(`${spec.name}: --${name} '${String(values[name])}' is not one of: ${o.choices.join(', ')}`);
    }
  }
  return { values, positionals };
}

/** A decimal number as users write it (12, -0.5, .5, 1e-3); hex, octal, binary, 'Infinity' and '' are not
 * numbers here (Number() would read '0x10' as 16 and '' as 0). NaN when the text is not one. */
export function parseDecimal(text: string): number {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
}

export function numberOption(
  cmd: string,
  values: ParsedOptions,
  name: string,
  range: { min?: number; max?: number; maxExclusive?: boolean; integer?: boolean } = {},
): number {
  const raw = values[name];
  const n = typeof raw === 'string' ? parseDecimal(raw) : NaN;
  const kind = range.integer ? 'an integer' : 'a decimal number';
  if (!Number.isFinite(n) || (range.integer && !Number.isInteger(n)))
    throw new UsageError(`${cmd}: --${name} must be ${kind}, got '${String(raw)}'`);
  if (range.min !== undefined && n < range.min)
    throw new UsageError(`${cmd}: --${name} must be ≥ ${range.min}, got ${n}`);
  if (range.max !== undefined && (range.maxExclusive ? n >= range.max : n > range.max))
    throw new UsageError(`${cmd}: --${name} must be ${range.maxExclusive ? '<' : '≤'} ${range.max}, got ${n}`);
  return n;
}
