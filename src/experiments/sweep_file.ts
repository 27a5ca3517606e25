// Sweep files: a grid over any train-config keys plus seeds, expanded into runs with deterministic ids and
// readable names. The format (docs/GUIDE.md, "Sweeps, workers, reports, reproduce"):
//
//   name: lenet300-sparse               # the sweep: runs/<name>/
//   runName: "{model}-{sparse.method|dense}-{sparse.sparsity}-s{seed}"   # optional name template: {key},
//                                        # {key|text if unset}, {key?text if set}
//   base: { model: lenet300, dataset: mnist, epochs: 20, optimizer: { lr: 0.1 } }   # a train config
//   parameters: { seed: { values: [0, 1, 2] } }       # W&B style ({values: [...]} or {value: x}) ...
//   grid: { sparse.sparsity: [0.9, 0.98] }            # ... or the compact form: dotted key → values
//   cells: [ { sparse: { method: set } }, { sparse: { method: rigl } } ]   # alternatives (partial configs)
//   blocks: [ { base, parameters, grid, cells }, … ]   # several sub-grids; the top-level grid multiplies each
//   ensembles: { size: 3, singles: true, metrics: [calibration, ensemble, ood, fgsm], reference: "{model}-dense-s0" }
//                                        # after the runs: ensembles of runs that differ only in the seed (ensembles.ts)
//
// A run's config is base ⊕ block.base ⊕ one grid point ⊕ one cell (later wins); runs that come out identical
// are one run. Its id is a hash of its resolved config (every default filled in; name, runsDir and threads left
// out: they do not change the numbers) and the package version.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  DEFAULT_TRAIN,
  mergeConfig,
  readConfigFile,
  TRAIN_SETTINGS,
  trainConfigSchema,
  validateConfig,
} from '../run/config.js';
import { groupsOfKey, schemaHasKey, type SettingGroup } from '../run/config_settings.js';
import type { TrainConfig } from '../run/config.js';
import { UsageError } from '../util/errors.js';
import { SUITE_METRICS } from '../eval/suite.js';
import { checkPipeline } from '../pipelines/pipeline.js';

const NAME = /^[A-Za-z0-9._-]+$/;

/** The package's version: part of every run id (a new version may compute other numbers). */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

const values = z.array(z.unknown());
const parameter = z.union([
  z.object({ values }).strict(),
  z
    .object({ value: z.unknown() })
    .strict()
    .transform((p) => ({ values: [p.value] })),
]);
const object = z.record(z.unknown());
const block = z
  .object({
    base: object.default({}),
    parameters: z.record(parameter).default({}),
    grid: z.record(values).default({}),
    cells: z.array(object).min(1, 'an empty list of cells').optional(),
  })
  .strict();
/** After the runs: ensembles of them evaluated with the suite (FreeTickets' tables). Runs that differ only in the
 * seed form ensembles of `size`, by seed order; a run that is an ensemble itself (EDST's free tickets, an LTR
 * Ensemble pipeline) is one; `singles` also evaluates every other run alone. */
const ensemblesSchema = z
  .object({
    size: z.number().int().min(2, 'an ensemble needs at least 2 members'),
    singles: z.boolean().default(false),
    metrics: z.array(z.enum(SUITE_METRICS)).min(1).default(['calibration', 'ensemble']),
    corruptionSamples: z.number().int().positive().optional(),
    oodSamples: z.number().int().positive().optional(),
    fgsmSamples: z.number().int().positive().optional(),
    /** The run of this sweep whose length is the unit of "× one dense run", as a name template over the
     * ensemble's first member's config (e.g. "{model}-dense-s0") [default: each ensemble's own recipe]. */
    reference: z.string().optional(),
  })
  .strict();
export type EnsembleStage = z.infer<typeof ensemblesSchema>;

const sweepSchema = block
  .extend({
    name: z.string().regex(NAME, 'letters, digits, dot, dash and underscore only'),
    description: z.string().optional(),
    runName: z.string().optional(),
    ensembles: ensemblesSchema.optional(),
    blocks: z.array(block).min(1, 'an empty list of blocks').optional(),
  })
  .strict();

export type SweepFile = z.infer<typeof sweepSchema>;

export interface PlannedRun {
  /** 'r' + 15 hex digits of sha256(canonical resolved config without name/runsDir/threads, package version). */
  id: string;
  /** The run's directory name under runs/<sweep>/. */
  name: string;
  /** The config the run is trained with (runsDir and threads are set by whoever executes it). */
  config: Record<string, unknown>;
  /** The grid point and cell that made it, as dotted keys (what the report's tables show). */
  point: Record<string, unknown>;
}

export interface SweepPlan {
  sweep: string;
  description?: string;
  runs: PlannedRun[];
  ensembles?: EnsembleStage;
}

/** Sorted-key JSON: one text per value whatever the order its keys were written in. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** Keys of a run config that say where and how fast it runs, not what it computes. */
export const EXECUTION_KEYS = ['name', 'runsDir', 'threads'] as const;

export function withoutExecutionKeys(c: Record<string, unknown>): Record<string, unknown> {
  const out = { ...c };
  for (const k of EXECUTION_KEYS) delete out[k];
  return out;
}

/** The run id of a resolved (validated) config. */
export function runId(resolved: TrainConfig | Record<string, unknown>): string {
  const text = canonicalJson(withoutExecutionKeys(resolved as Record<string, unknown>)) + '\n' + PACKAGE_VERSION;
  return 'r' + createHash('sha256').update(text).digest('hex').slice(0, 15);
}

/** Resolves a raw run config (the sweep's, or a run directory's config.json) the way `train` does. */
export function resolveRunConfig(raw: Record<string, unknown>, where: string): TrainConfig {
  return validateConfig(mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, raw), where);
}

/** { 'a.b': 1 } → { a: { b: 1 } } merged into a copy of `into`. */
function setPath(into: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  const over: Record<string, unknown> = {};
  let at = over;
  for (const p of parts.slice(0, -1)) at = (at[p] = {}) as Record<string, unknown>;
  at[parts[parts.length - 1]] = value;
  return mergeConfig(into, over);
}

export function flatten(v: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x && typeof x === 'object' && !Array.isArray(x))
      Object.assign(out, flatten(x as Record<string, unknown>, `${prefix}${k}.`));
    else out[prefix + k] = x;
  }
  return out;
}

/** The groups of settings a sweep varies; not 'output' (the sweep names and places its runs). */
export const SWEEP_GROUPS: readonly SettingGroup[] = [
  'data',
  'model',
  'optimiser',
  'schedule',
  'sparse',
  'booster',
  'tweaks',
  'run',
  'execution',
  'pipeline',
];

/** Why a dotted key cannot be a grid axis of a sweep; undefined when it can. */
function gridKeyProblem(key: string): string | undefined {
  if (!schemaHasKey(trainConfigSchema, key)) return "not a setting of a run config (see 'sparsetickets train --help')";
  const outside = groupsOfKey(TRAIN_SETTINGS, key).filter((g) => !SWEEP_GROUPS.includes(g));
  if (outside.length) return `a setting of group ${outside.join(', ')}, which the sweep sets for each run itself`;
  return undefined;
}

/** `-o key=v1,v2` overrides: each value read as YAML (numbers, booleans, null, strings). */
export function parseOverride(text: string): [string, unknown[]] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`sweep: -o wants KEY=VALUE[,VALUE…], got '${text}'`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  if (raw.trim() === '') throw new UsageError(`sweep: -o ${key}: no values`);
  return [key, raw.split(',').map((s) => parseYaml(s.trim()) as unknown)];
}

function* product(grid: [string, unknown[]][]): Generator<Record<string, unknown>> {
  if (grid.length === 0) {
    yield {};
    return;
  }
  const [[key, vals], ...rest] = grid;
  for (const v of vals) for (const tail of product(rest)) yield { [key]: v, ...tail };
}

export function renderName(template: string, config: Record<string, unknown>): string {
  const flat = flatten(config);
  // {key}: the value; {key|text}: text where the key is not set; {key?text}: text where it is.
  const text = template.replace(/\{([^{}|?]+)(?:([|?])([^{}]*))?\}/g, (_m, key: string, op?: string, arg?: string) => {
    const v = flat[key.trim()];
    const set = v !== undefined && v !== null;
    if (op === '?') return set ? (arg ?? '') : '';
    return set ? String(v) : (arg ?? '');
  });
  return text
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
}

const valueText = (v: unknown) => (typeof v === 'object' && v !== null ? canonicalJson(v) : String(v));

/** Reads, validates and expands a sweep file; every problem of the file is listed with its path (UsageError). */
export function planSweepFile(path: string, overrides: string[] = []): SweepPlan {
  const raw = readConfigFile(path);
  return planSweep(raw, overrides, path);
}

export function planSweep(raw: Record<string, unknown>, overrides: string[] = [], where = 'sweep'): SweepPlan {
  const parsed = sweepSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `invalid sweep file (${where}): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`,
    );
  const s = parsed.data;
  const problems: string[] = [];
  const over = overrides.map(parseOverride);
  const blocks = (s.blocks ?? [{ base: {}, parameters: {}, grid: {}, cells: undefined }]).map((b, i) => ({
    ...b,
    where: s.blocks ? `blocks.${i}.` : '',
  }));
  // The grid of a level: its parameters and its compact grid (a key in both is a problem), in file order.
  const gridOf = (
    b: { parameters: Record<string, { values: unknown[] }>; grid: Record<string, unknown[]> },
    at: string,
  ) => {
    const g = new Map<string, unknown[]>();
    for (const [k, p] of Object.entries(b.parameters)) g.set(k, p.values);
    for (const [k, v] of Object.entries(b.grid)) {
      if (g.has(k)) problems.push(`${at}grid.${k}: also under ${at}parameters; give it once`);
      g.set(k, v);
    }
    for (const [k, v] of g) {
      const problem = gridKeyProblem(k);
      if (problem) problems.push(`${at}grid.${k}: ${problem}`);
      if (v.length === 0) problems.push(`${at}grid.${k}: an empty list of values`);
    }
    return g;
  };
  const top = gridOf(s, '');
  for (const [k, v] of over) {
    const problem = gridKeyProblem(k);
    if (problem) problems.push(`-o ${k}: ${problem}`);
    top.set(k, v);
  }
  const runs: PlannedRun[] = [];
  const byName = new Map<string, PlannedRun>();
  const byId = new Set<string>();
  const perRun: string[] = [];
  const expanded: { config: Record<string, unknown>; point: Record<string, unknown>; where: string }[] = [];
  for (const b of blocks) {
    const g = gridOf(b, b.where);
    for (const k of over.map(([key]) => key)) g.delete(k); // an override replaces the key everywhere
    const merged = new Map([...top, ...g]);
    for (const point of product([...merged.entries()])) {
      for (const [ci, cell] of (b.cells ?? s.cells ?? [{}]).entries()) {
        let config = mergeConfig(s.base, b.base);
        for (const [k, v] of Object.entries(point)) config = setPath(config, k, v);
        config = mergeConfig(config, cell);
        for (const [k, vals] of over) if (vals.length === 1) config = setPath(config, k, vals[0]);
        const cellAt = b.cells ? `${b.where}cells.${ci}` : s.cells ? `cells.${ci}` : b.where.replace(/\.$/, '');
        expanded.push({ config, point: { ...point, ...flatten(cell) }, where: cellAt || '(base)' });
      }
    }
  }
  if (problems.length) throw new UsageError(`invalid sweep file (${where}): ${problems.join('; ')}`);
  // Keys whose values differ between runs name them (unless runName is given).
  const flats = expanded.map((e) => flatten(e.config));
  const varying = [...new Set(flats.flatMap((f) => Object.keys(f)))].filter(
    (k) =>
      k !== 'seed' &&
      !(EXECUTION_KEYS as readonly string[]).includes(k) &&
      new Set(flats.map((f) => valueText(f[k]))).size > 1,
  );
  for (const [i, e] of expanded.entries()) {
    let resolved: TrainConfig;
    try {
      resolved = resolveRunConfig({ ...e.config, name: 'x' }, 'x');
      checkPipeline(resolved);
    } catch (err) {
      const at = `run ${canonicalJson(e.point)}${e.where === '(base)' ? '' : ` of ${e.where}`}`;
      perRun.push(`${at}: ${(err as Error).message.replace(/^invalid config \(x\): /, '')}`);
      continue;
    }
    const id = runId(resolved);
    if (byId.has(id)) continue; // the same run twice: run once
    byId.add(id);
    const seed = resolved.seed;
    const name =
      renderName(s.runName ?? '', e.config) ||
      renderName([s.name, ...varying.map((k) => `{${k}}`), `s${seed}`].join('-'), e.config) ||
      `${s.name}-${i}`;
    const run: PlannedRun = { id, name, config: { ...e.config, name }, point: e.point };
    const other = byName.get(name);
    if (other) {
      perRun.push(
        `run name '${name}' is given to two different configs (ids ${other.id} and ${id}); set runName so that it tells them apart`,
      );
      continue;
    }
    byName.set(name, run);
    runs.push(run);
  }
  if (perRun.length) throw new UsageError(`invalid sweep file (${where}): ${[...new Set(perRun)].join('; ')}`);
  if (runs.length === 0) throw new UsageError(`invalid sweep file (${where}): the sweep has no runs`);
  const reference = s.ensembles?.reference;
  const unreferenced = reference ? runs.find((r) => !byName.has(renderName(reference, r.config))) : undefined;
  if (unreferenced)
    throw new UsageError(
      `invalid sweep file (${where}): ensembles.reference '${reference}' names no run for ${unreferenced.name} ('${renderName(reference!, unreferenced.config)}')`,
    );
  return { sweep: s.name, description: s.description, runs, ...(s.ensembles ? { ensembles: s.ensembles } : {}) };
}
