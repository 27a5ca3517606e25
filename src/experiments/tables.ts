// The paper tables `reproduce PAPER --table ID --scale full` runs (issue 28). A table needs the runs of one or more
// full presets, configs/<paper>/full/<file>.yaml, each a sweep file holding the paper's settings with a comment
// saying where each comes from; several tables share a preset when their rows come from the same runs (FreeTickets'
// diversity, OOD and robustness tables are evaluation stages over the runs of its Tables 1-2), and a table whose
// rows are some of a preset's runs names them (`rows`), so that running it trains those alone, in the preset's own
// sweep directory, where the other tables find them finished. A preset that needs a dataset or a model this
// installation lacks (ImageNet, Tiny-ImageNet) is listed and counted, and refused with one line when run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DATASET_NAMES } from '../data/registry.js';
import { isModelName } from '../models/index.js';
import { mergeConfig } from '../run/config.js';
import { UsageError } from '../util/errors.js';
import { CONFIGS_DIR, presetFile } from './reproduce.js';
import { ensembleStageCost, hoursOf, runCost } from './estimate.js';
import type { StepTimeTable } from './step_times.js';
import { canonicalJson, flatten, planSweepFile, renderName, type PlannedRun, type SweepPlan } from './sweep_file.js';

type Raw = Record<string, unknown>;

export interface PaperTable {
  paper: string;
  /** As the paper numbers it: '1', 'A2', 'fig5' for a figure. */
  id: string;
  title: string;
  /** Where in the paper (papers/<paper>.txt) the table and its settings are. */
  source: string;
  /** Files of configs/<paper>/full/ whose runs the table needs. */
  presets: string[];
  /** The table's rows are these of the presets' runs (the others belong to other tables). */
  rows?: { describe: string; keep: (config: Raw) => boolean };
  /** What of the table the presets cannot express, and why. */
  gaps?: string[];
}

const f = (c: Raw) => flatten(c);
const isDense = (c: Raw) => (f(c)['sparse.method'] ?? 'dense') === 'dense';
const isSup = (c: Raw) => f(c)['booster.kind'] === 'suptickets';

export const TABLES: readonly PaperTable[] = [
  // Sup-tickets (papers/suptickets.txt; its appendix as papers/suptickets-appendix.txt numbers it in brackets).
  {
    paper: 'suptickets',
    id: '1',
    title: 'VGG-16 on CIFAR-10/100: SET / RigL / GraNet ± Sup-tickets at 95/90/80%, dense',
    source: '§4.1, Table 1; settings appendix B Table 7',
    presets: ['vgg16.yaml'],
  },
  {
    paper: 'suptickets',
    id: '2',
    title: 'ResNet-50 on CIFAR-10/100: SNIP / ERK / SET / RigL / GraNet ± Sup-tickets at 95/90/80%, dense',
    source: '§4.1, Table 2; settings appendix B Table 7',
    presets: ['resnet50.yaml'],
  },
  {
    paper: 'suptickets',
    id: '3',
    title: 'ResNet-50 on ImageNet: RigL / GraNet ± Sup-tickets at 80/90%, dense',
    source: '§4.1, Table 3; settings appendix B.2 Table 8',
    presets: ['imagenet.yaml'],
    gaps: ['the static ERK, Small-Dense, SNIP, SET, DSR and SNFS rows are quoted from the RigL and GraNet papers'],
  },
  {
    paper: 'suptickets',
    id: '4',
    title: 'GraNet + Sup-tickets vs dense: VGG-16, ResNet-50, WRN-28-10 on CIFAR-10/100',
    source: '§4.3, Table 4',
    presets: ['vgg16.yaml', 'resnet50.yaml', 'wrn-28-10.yaml'],
    rows: {
      describe: 'the dense and GraNet + Sup-tickets runs',
      keep: (c) => isDense(c) || (isSup(c) && f(c)['sparse.method'] === 'granet'),
    },
  },
  {
    paper: 'suptickets',
    id: '6',
    title: 'WRN-28-10 on CIFAR-10/100: SET / RigL / GraNet ± Sup-tickets at 95/90/80%, dense',
    source: 'appendix A, Table 6 [supplement Table 1]; settings appendix B Table 7',
    presets: ['wrn-28-10.yaml'],
  },
  {
    paper: 'suptickets',
    id: '9',
    title: 'BatchNorm AV vs BU on ImageNet: RigL / GraNet + Sup-tickets at 90/80%',
    source: 'appendix C, Table 9 [supplement Table 7]',
    presets: ['imagenet.yaml', 'imagenet-bn-bu.yaml'],
    rows: { describe: 'the Sup-tickets runs', keep: isSup },
  },
  {
    paper: 'suptickets',
    id: '10',
    title: 'BatchNorm AV vs BU on CIFAR-10/100: every Sup-tickets row of Tables 1, 2 and 6, and dense',
    source: 'appendix C, Table 10 [supplement Table 8]',
    presets: ['vgg16.yaml', 'resnet50.yaml', 'wrn-28-10.yaml', 'bn-bu.yaml'],
    rows: { describe: 'the dense and Sup-tickets runs', keep: (c) => isDense(c) || isSup(c) },
  },
  {
    paper: 'suptickets',
    id: '12',
    title: 'Sup-tickets vs the prediction ensemble of its tickets on ImageNet (RigL / GraNet at 90/80%)',
    source: 'appendix E, Table 12 [supplement Table 11]',
    presets: ['imagenet.yaml'],
    rows: { describe: 'the Sup-tickets runs (each reports its tickets’ ensemble)', keep: isSup },
  },
  // Lottery Pools (papers/lottery-pools.txt).
  {
    paper: 'lottery-pools',
    id: '8',
    title: 'ResNet-18 / VGG-16 on CIFAR-10/100, weights remaining 100% → 16.78%: pools, average, SWA, EMA, LT',
    source: 'appendix H, Table 8; settings Table 2, appendix C Table 3, appendix E Table 6; Figure 3',
    presets: ['cifar.yaml'],
  },
  {
    paper: 'lottery-pools',
    id: '9',
    title: 'ResNet-18 / VGG-16 on CIFAR-10/100, weights remaining 13.42% → 1.80% (the same runs as Table 8)',
    source: 'appendix H, Table 9; settings as Table 8',
    presets: ['cifar.yaml'],
  },
  {
    paper: 'lottery-pools',
    id: '10',
    title: 'ResNet-18 / ResNet-34 on ImageNet, weights remaining 100% → 16.78%',
    source: 'appendix H, Table 10; settings Table 2, appendix E Table 7',
    presets: ['imagenet.yaml'],
  },
  {
    paper: 'lottery-pools',
    id: 'fig7',
    title: 'Lottery Pools vs the output ensemble of each ticket and its two nearest (CIFAR-10/100)',
    source: '"Comparison with output ensemble", Figure 7',
    presets: ['cifar-ensemble.yaml'],
    gaps: ['a pipeline cannot reuse another pipeline’s tickets: this preset trains IMP again'],
  },
  // FreeTickets (papers/freetickets.txt).
  {
    paper: 'freetickets',
    id: '1',
    title: 'WRN-28-10 on CIFAR-10: dense, static / DST / LTR ensembles (M 3, S 0.8), EDST M 3 / M 7; FLOPs',
    source: '§4, Table 1; settings appendix C',
    presets: ['cifar10.yaml'],
    gaps: [
      'MIMO, MC Dropout, TreeNet and BatchEnsemble rows are Havasi et al.’s, as are the dense rows (M = 4): here a dense ensemble of 3',
    ],
  },
  {
    paper: 'freetickets',
    id: '2',
    title: 'WRN-28-10 on CIFAR-100: dense, static / DST / LTR ensembles (M 3, S 0.8), EDST M 3 / M 7; FLOPs',
    source: '§4, Table 2; settings appendix C',
    presets: ['cifar100.yaml'],
    gaps: ['as Table 1: the efficient-ensemble baselines are Havasi et al.’s'],
  },
  {
    paper: 'freetickets',
    id: '3',
    title: 'ResNet-50 on ImageNet: DST Ensemble M 2, EDST M 2 / M 4 (S 0.8)',
    source: '§4, Table 3; settings appendix C',
    presets: ['imagenet.yaml'],
    gaps: ['the ImageNet-C and ImageNet-A columns need those sets'],
  },
  {
    paper: 'freetickets',
    id: '4',
    title: 'disagreement and KL between members, WRN-28-10 on CIFAR-10 (the ensembles stage over Table 1’s runs)',
    source: '§5.1, Table 4',
    presets: ['cifar10.yaml'],
  },
  {
    paper: 'freetickets',
    id: '5',
    title: 'diversity with parameter exploration, CIFAR-10/100 (the ensembles stage over Tables 1-2’s runs)',
    source: '§5.3, Table 5',
    presets: ['cifar10.yaml', 'cifar100.yaml'],
    gaps: [
      'the rows without parameter exploration: the paper does not define the runs (EDST without its q-exploration needs q = 0, which booster.q refuses; DST without exploration is static training)',
    ],
  },
  {
    paper: 'freetickets',
    id: '6',
    title: 'OOD ROC-AUC, WRN-28-10 trained on CIFAR-10 (the ensembles stage over Table 1’s runs)',
    source: 'appendix F, Table 6',
    presets: ['cifar10.yaml'],
    gaps: [
      'the SVHN and CIFAR-100 columns: a sweep’s ensembles stage takes no OOD sets (sparsetickets eval --ood-dir does); it reports Gaussian noise, uniform noise and corruptions',
    ],
  },
  {
    paper: 'freetickets',
    id: '7',
    title: 'OOD ROC-AUC, WRN-28-10 trained on CIFAR-100 (the ensembles stage over Table 2’s runs)',
    source: 'appendix F, Table 7',
    presets: ['cifar100.yaml'],
    gaps: ['the SVHN and CIFAR-10 columns, as Table 6'],
  },
  {
    paper: 'freetickets',
    id: '8',
    title: 'FGSM robust accuracy (min/mean/max over source members), CIFAR-10/100 (over Tables 1-2’s runs)',
    source: 'appendix G, Table 8',
    presets: ['cifar10.yaml', 'cifar100.yaml'],
  },
  // Spending the lottery better (papers/spending-the-lottery.txt).
  {
    paper: 'spending',
    id: 'A2',
    title: 'ResNet-18 on CIFAR-100, 0-97% sparsity: LTH, + Skip, + Swish, + Scaling (GradInit), + LS',
    source: 'appendix A1.3, Table A2; settings §4.1',
    presets: ['resnet18-cifar100.yaml', 'resnet18-cifar100-dense-tweaks.yaml'],
  },
  {
    paper: 'spending',
    id: 'A3',
    title: 'ResNet-18 on CIFAR-100, 20-97% sparsity: LTH, + AT, + TRT, + AT + TRT, LTH Rewind',
    source: 'appendix A1.5, Table A3; settings §4.1',
    presets: ['resnet18-cifar100.yaml'],
  },
  {
    paper: 'spending',
    id: 'A4',
    title: 'ResNet-32 on CIFAR-10/100 at 90/95/98%: dense, LTH + AT + TRT, random pruning',
    source: 'appendix A1.6, Table A4; settings §4.1',
    presets: ['resnet32.yaml'],
    gaps: [
      'the GraSP and SynFlow rows (neither method is in this project)',
      'how the masks were found: OMP to the exact sparsities (IMP at 20% a round gives 89.3/95.6/98.2%)',
    ],
  },
  {
    paper: 'spending',
    id: 'fig5',
    title:
      'AT + TRT vs LTH across architectures: VGG-16, ResNet-18/34/50, MobileNet (CIFAR-10), ResNet-18 (Tiny-ImageNet)',
    source: '§4.4, Figure 5; settings §4.1',
    presets: ['fig5.yaml', 'fig5-tiny-imagenet.yaml'],
    gaps: ['the datasets of the ResNet-50 and MobileNet panels are unreadable in the text: CIFAR-10 assumed'],
  },
  {
    paper: 'spending',
    id: 'fig7',
    title: 'AT, TRT and AT + TRT combined with rewinding to epoch 33 (ResNet-18, CIFAR-100)',
    source: '§4.5, Figure 7',
    presets: ['resnet18-cifar100.yaml'],
  },
];

/** The papers whose full scale is a set of tables. */
export const TABLE_PAPERS: readonly string[] = [...new Set(TABLES.map((t) => t.paper))];

export function paperTables(paper: string): PaperTable[] {
  return TABLES.filter((t) => t.paper === paper);
}

/** A table by its id ('1', 'A2', 'fig5'; case-insensitive, 'table 1' / 'Table1' too). */
export function findTable(paper: string, id: string): PaperTable {
  const tables = paperTables(paper);
  if (tables.length === 0)
    throw new UsageError(`reproduce: ${paper} has no paper tables (--table is for ${TABLE_PAPERS.join(', ')})`);
  const want = id
    .trim()
    .toLowerCase()
    .replace(/^table[\s-]*/, '');
  const t = tables.find((x) => x.id.toLowerCase() === want);
  if (!t)
    throw new UsageError(`reproduce: ${paper} has no table '${id}'; its tables: ${tables.map((x) => x.id).join(', ')}`);
  return t;
}

/** configs/<paper>/full.yaml: the tables `--scale full` runs, in order, and the presets of full/ they use. */
export interface FullIndex {
  tables: PaperTable[];
  presets: string[];
}

/** The paper's full-scale index, each entry checked: a table this file does not define, or a preset that is not in
 * full/, is a usage error naming it. */
export function fullIndex(paper: string): FullIndex {
  const file = presetFile(paper, 'full');
  const raw = parseYaml(readFileSync(file, 'utf8')) as { tables?: unknown; presets?: unknown };
  const strings = (v: unknown, key: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new UsageError(`reproduce: ${file}: '${key}' must be a list of names`);
    return v as string[];
  };
  const presets = strings(raw?.presets, 'presets');
  for (const preset of presets)
    if (!existsSync(fullPresetPath(paper, preset)))
      throw new UsageError(`reproduce: ${file} names the preset ${preset}, which full/ does not hold`);
  return { tables: strings(raw?.tables, 'tables').map((id) => findTable(paper, id)), presets };
}

export function fullPresetPath(paper: string, file: string): string {
  return join(CONFIGS_DIR, paper, 'full', file);
}

/** One run of a preset, planned (id) when this installation can run the preset. */
export interface PresetRun {
  name: string;
  config: Raw;
  id?: string;
}

export interface LoadedPreset {
  paper: string;
  file: string;
  path: string;
  sweep: string;
  description?: string;
  runs: PresetRun[];
  /** Absent when this installation can run it; else why not, in one line. */
  unavailable?: string;
  /** The sweep's plan (available presets only). */
  plan?: SweepPlan;
  ensembles?: Raw;
}

/** Sets a dotted key in a copy of `into`. */
function setPath(into: Raw, key: string, value: unknown): Raw {
  const parts = key.split('.');
  const over: Raw = {};
  let at = over;
  for (const p of parts.slice(0, -1)) at = (at[p] = {}) as Raw;
  at[parts[parts.length - 1]] = value;
  return mergeConfig(into, over);
}

function gridOf(level: Raw): [string, unknown[]][] {
  const g = new Map<string, unknown[]>();
  for (const [k, p] of Object.entries((level.parameters as Record<string, Raw> | undefined) ?? {}))
    g.set(k, Array.isArray(p.values) ? p.values : [p.value]);
  for (const [k, v] of Object.entries((level.grid as Record<string, unknown[]> | undefined) ?? {})) g.set(k, v);
  return [...g.entries()];
}

function* product(grid: [string, unknown[]][]): Generator<Raw> {
  if (grid.length === 0) {
    yield {};
    return;
  }
  const [[key, vals], ...rest] = grid;
  for (const v of vals) for (const tail of product(rest)) yield { [key]: v, ...tail };
}

/** A sweep file's run configs as it merges them (base ⊕ block base ⊕ grid point ⊕ cell), without validating them
 * against this installation's schema: how a preset that needs a missing dataset or model is counted. Identical
 * configs count once, as a sweep runs them once. */
export function expandSweepRaw(raw: Raw): Raw[] {
  const blocks = (raw.blocks as Raw[] | undefined) ?? [{}];
  const top = gridOf(raw);
  const seen = new Set<string>();
  const out: Raw[] = [];
  for (const b of blocks) {
    const merged = new Map([...top, ...gridOf(b)]);
    for (const point of product([...merged.entries()])) {
      for (const cell of (b.cells as Raw[] | undefined) ?? (raw.cells as Raw[] | undefined) ?? [{}]) {
        let config = mergeConfig((raw.base as Raw | undefined) ?? {}, (b.base as Raw | undefined) ?? {});
        for (const [k, v] of Object.entries(point)) config = setPath(config, k, v);
        config = mergeConfig(config, cell);
        const key = canonicalJson(config);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(config);
      }
    }
  }
  return out;
}

/** What a preset needs that this installation lacks: datasets without a loader, models not in the zoo. */
export function missingFor(configs: Raw[]): { datasets: string[]; models: string[] } {
  const datasets = new Set<string>();
  const models = new Set<string>();
  for (const c of configs) {
    if (typeof c.dataset === 'string' && !(DATASET_NAMES as readonly string[]).includes(c.dataset))
      datasets.add(c.dataset);
    if (typeof c.model === 'string' && !isModelName(c.model)) models.add(c.model);
  }
  return { datasets: [...datasets], models: [...models] };
}

/** Reads a full preset: planned as a sweep (with `overrides`, as `sweep -o`) when this installation has what it
 * needs, else expanded as written and marked unavailable. */
export function loadPreset(paper: string, file: string, overrides: string[] = []): LoadedPreset {
  const path = fullPresetPath(paper, file);
  let raw: Raw;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'), { merge: true }) as Raw;
  } catch (e) {
    throw new UsageError(
      `reproduce: the preset ${path} is missing or unreadable (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const configs = expandSweepRaw(raw);
  const missing = missingFor(configs);
  const base = { paper, file, path, sweep: String(raw.name), description: raw.description as string | undefined };
  if (missing.datasets.length || missing.models.length) {
    const what = [
      ...missing.datasets.map((d) => `the dataset '${d}'`),
      ...missing.models.map((m) => `the model '${m}'`),
    ].join(' and ');
    return {
      ...base,
      runs: configs.map((c, i) => ({
        name: (raw.runName ? renderName(String(raw.runName), c) : '') || `${base.sweep}-${i}`,
        config: c,
      })),
      unavailable: `needs ${what}, which this installation lacks (its datasets: ${DATASET_NAMES.join(', ')}); configs/${paper}/full/${file} holds the paper's settings for when it has them`,
      ensembles: raw.ensembles as Raw | undefined,
    };
  }
  const plan = planSweepFile(path, overrides);
  return {
    ...base,
    runs: plan.runs.map((r: PlannedRun) => ({ name: r.name, config: r.config, id: r.id })),
    plan,
    ensembles: plan.ensembles as Raw | undefined,
  };
}

/** The part of a preset a table needs. */
export interface TablePart {
  preset: LoadedPreset;
  /** The runs of the preset that make the table's rows. */
  runs: PresetRun[];
  /** The sweep plan restricted to them (available presets). */
  plan?: SweepPlan;
}

export function tableParts(
  t: PaperTable,
  overrides: string[] = [],
  cache = new Map<string, LoadedPreset>(),
): TablePart[] {
  return t.presets.map((file) => {
    const key = `${t.paper}/${file}`;
    let preset = cache.get(key);
    if (!preset) cache.set(key, (preset = loadPreset(t.paper, file, overrides)));
    const keep = t.rows?.keep ?? (() => true);
    const runs = preset.runs.filter((r) => keep(r.config));
    const plan = preset.plan
      ? { ...preset.plan, runs: preset.plan.runs.filter((r) => runs.some((x) => x.id === r.id)) }
      : undefined;
    return { preset, runs, plan };
  });
}

/** Estimated hours of a set of runs at a table of step times; null where a model has no time (listed). */
export interface HoursEstimate {
  hours: number | null;
  /** Models of the runs the table has no time for. */
  untimed: string[];
  /** Models whose time is an estimate rather than a measurement, with how it was made. */
  estimated: string[];
}

export function estimateHours(runs: { config: Raw; ensembles?: Raw }[], times: StepTimeTable): HoursEstimate {
  let hours = 0;
  const estimated = new Set<string>();
  const untimed = new Set<string>();
  for (const r of runs) {
    const model = String(r.config.model);
    const t = times.models[model];
    if (!t) {
      untimed.add(model);
      continue;
    }
    const cost = runCost(r.config);
    if (r.ensembles) cost.forwardSamples += ensembleStageCost(r.config, r.ensembles);
    hours += hoursOf(cost, t.ms, t.batch);
    if (t.note) estimated.add(`${model} (${t.note})`);
  }
  return { hours: untimed.size ? null : hours, untimed: [...untimed], estimated: [...estimated] };
}

/** The runs of a table's parts with their sweep's ensembles stage, each once (tables share presets). */
export function partRuns(parts: TablePart[]): { config: Raw; ensembles?: Raw; key: string }[] {
  const seen = new Set<string>();
  const out: { config: Raw; ensembles?: Raw; key: string }[] = [];
  for (const p of parts)
    for (const r of p.runs) {
      const key = `${p.preset.paper}/${p.preset.file}/${r.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ config: r.config, ensembles: p.preset.ensembles, key });
    }
  return out;
}

/** A table's line of a listing: its runs and their estimated hours. */
export interface TableLine {
  table: PaperTable;
  parts: TablePart[];
  runs: number;
  cpuHours: number | null;
  gpuHours: number | null;
  untimed: string[];
  /** 'cpu: model (how)' for times that are estimates. */
  estimated: string[];
}

export function tableLine(t: PaperTable, parts: TablePart[], cpu: StepTimeTable, gpu: StepTimeTable): TableLine {
  const runs = partRuns(parts);
  const c = estimateHours(runs, cpu);
  const g = estimateHours(runs, gpu);
  return {
    table: t,
    parts,
    runs: runs.length,
    cpuHours: c.hours,
    gpuHours: g.hours,
    untimed: [...new Set([...c.untimed, ...g.untimed])],
    estimated: [...c.estimated.map((e) => `CPU ${e}`), ...g.estimated.map((e) => `GPU ${e}`)],
  };
}

const fmtHours = (h: number | null): string =>
  h === null ? '—' : h >= 100 ? h.toFixed(0) : h >= 10 ? h.toFixed(1) : h.toFixed(2);

/** The listing of some tables (and of all of them together, `all`): runs, hours, presets, and the notes. */
export function formatTableLines(
  paper: string,
  lines: TableLine[],
  cpu: StepTimeTable,
  gpu: StepTimeTable,
  all?: TableLine,
): string {
  const presetsOf = (l: TableLine) =>
    l.parts
      .map(
        (p) =>
          p.preset.file +
          (p.preset.unavailable
            ? ' (refused)'
            : p.runs.length < p.preset.runs.length
              ? ` (${p.runs.length} of ${p.preset.runs.length})`
              : ''),
      )
      .join(', ');
  const rows = [
    ['table', 'runs', 'CPU h', 'GPU h', `presets (configs/${paper}/full/)`, 'title'],
    ...lines.map((l) => [
      l.table.id,
      String(l.runs),
      fmtHours(l.cpuHours),
      fmtHours(l.gpuHours),
      presetsOf(l),
      l.table.title,
    ]),
    ...(all ? [['all', String(all.runs), fmtHours(all.cpuHours), fmtHours(all.gpuHours), 'every run once', '']] : []),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  let out = rows
    .map((r) =>
      r
        .map((x, i) => (i < r.length - 1 ? x.padEnd(widths[i]) : x))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  out += `\nCPU hours: ${cpu.source}.\nGPU hours: ${gpu.source}.\n`;
  out +=
    'Hours: every training step and prediction of the runs (estimate.ts; a prediction is a third of a step, sparse\n' +
    'runs at the dense step time); a run that several tables share counts once in "all".\n';
  const untimed = [...new Set([...lines, ...(all ? [all] : [])].flatMap((l) => l.untimed))];
  if (untimed.length) out += `—: no step time for ${untimed.join(', ')} (not in the zoo, or not measured).\n`;
  const estimated = [...new Set([...lines, ...(all ? [all] : [])].flatMap((l) => l.estimated))];
  if (estimated.length) out += `Estimated, not measured, step times: ${estimated.join('; ')}.\n`;
  for (const l of lines) {
    if (l.table.rows) out += `table ${l.table.id}: its rows are ${l.table.rows.describe}\n`;
    for (const p of l.parts)
      if (p.preset.unavailable) out += `table ${l.table.id}: ${p.preset.file} is refused: ${p.preset.unavailable}\n`;
    for (const g of l.table.gaps ?? []) out += `table ${l.table.id}: not expressed: ${g}\n`;
  }
  return out;
}

/** The listing as JSON. */
export function tableLinesJson(
  paper: string,
  lines: TableLine[],
  cpu: StepTimeTable,
  gpu: StepTimeTable,
  all?: TableLine,
) {
  return {
    paper,
    tables: lines.map((l) => ({
      id: l.table.id,
      title: l.table.title,
      source: l.table.source,
      presets: l.parts.map((p) => ({
        file: `configs/${paper}/full/${p.preset.file}`,
        sweep: p.preset.sweep,
        runs: p.runs.length,
        ...(p.preset.unavailable ? { refused: p.preset.unavailable } : {}),
      })),
      runs: l.runs,
      cpu_hours: l.cpuHours,
      gpu_hours: l.gpuHours,
      ...(l.table.rows ? { rows: l.table.rows.describe } : {}),
      ...(l.table.gaps ? { not_expressed: l.table.gaps } : {}),
    })),
    ...(all ? { all: { runs: all.runs, cpu_hours: all.cpuHours, gpu_hours: all.gpuHours } } : {}),
    cpu_source: cpu.source,
    gpu_source: gpu.source,
  };
}
