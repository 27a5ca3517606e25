// `report`: run directories → paper-style tables. Runs are grouped by every config key but the seed (and the
// keys that only say where and how fast a run ran: name, runsDir, threads); each group shows mean ± sample std
// over its completed runs with n, the best value of each metric column in bold, and a flag where a sweep's
// manifest planned runs that have no result. Tables as Markdown, CSV, JSON and LaTeX; plots and the HTML page
// are plots.ts and html.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RunSummary } from '../run/training.js';
import type { EpochRecord } from '../train/hooks.js';
import { readMetricsFile } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import { readJson } from '../util/json.js';
import { markdownTable } from '../util/markdown.js';
import { canonicalJson, flatten, resolveRunConfig, withoutExecutionKeys } from './sweep_file.js';
import type { ManifestRun } from './sweep.js';
import type { PipelineSummary } from '../pipelines/pipeline_common.js';

export interface LoadedRun {
  dir: string;
  name: string;
  config: Record<string, unknown>;
  summary?: RunSummary;
  curve: EpochRecord[];
  /** A pipeline's row: its place in the pipeline's summary (rows keep that order). */
  row?: number;
}

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); null for a single run. */
  std: number | null;
  n: number;
}

export interface ReportRow {
  /** The group's resolved config without the seed and the execution keys. */
  config: Record<string, unknown>;
  /** The keys that differ between the report's groups, dotted (what the tables show). */
  label: Record<string, unknown>;
  /** Completed runs. */
  n: number;
  /** Runs of the group a sweep manifest planned (when known). */
  planned?: number;
  /** Runs that ended failed or diverged (an interrupted run counts as missing until it is resumed). */
  failed: number;
  seeds: number[];
  runs: string[];
  metrics: Record<string, { mean: number; std: number | null }>;
  /** Wall-clock seconds per run (kept apart from metrics: they differ between machines and re-runs). */
  time: Record<string, { mean: number; std: number | null }>;
  /** Mean test accuracy per epoch over the group's runs (the training curve). */
  curve: { epoch: number; test_accuracy: number; seconds: number }[];
}

export interface Report {
  rows: ReportRow[];
  /** Dotted keys that differ between groups. */
  keys: string[];
  runs: number;
}

/** Metric names, how they are read from a summary, and which way is better (undefined: not ranked). */
export const METRICS: {
  name: string;
  title: string;
  better?: 'max' | 'min';
  percent?: boolean;
  get(s: RunSummary): number | undefined;
}[] = [
  { name: 'test_accuracy', title: 'test acc %', better: 'max', percent: true, get: (s) => s.final?.test?.accuracy },
  { name: 'test_nll', title: 'test NLL', better: 'min', get: (s) => s.final?.test?.nll },
  { name: 'test_ece', title: 'test ECE', better: 'min', get: (s) => s.final?.test?.ece },
  { name: 'val_accuracy', title: 'val acc %', better: 'max', percent: true, get: (s) => s.final?.val?.accuracy },
  {
    name: 'corruption_accuracy',
    title: 'corruption acc %',
    better: 'max',
    percent: true,
    get: (s) => (s as { corruption?: { accuracy: number } }).corruption?.accuracy,
  },
  {
    name: 'ood_gaussian_auroc',
    title: 'OOD AUROC Gaussian',
    better: 'max',
    get: (s) => (s as { ood?: Record<string, number> }).ood?.['gaussian-noise'],
  },
  {
    name: 'ood_corruption_auroc',
    title: 'OOD AUROC corruptions s5',
    better: 'max',
    get: (s) => (s as { ood?: Record<string, number> }).ood?.['corruptions-s5'],
  },
  {
    name: 'ood_mnist_auroc',
    title: 'OOD AUROC (Fashion-)MNIST',
    better: 'max',
    get: (s) => {
      const o = (s as { ood?: Record<string, number> }).ood;
      return o?.mnist ?? o?.['fashion-mnist'];
    },
  },
  {
    name: 'fgsm_accuracy',
    title: 'FGSM acc %',
    better: 'max',
    percent: true,
    get: (s) => (s as { fgsm?: { accuracy: number } }).fgsm?.accuracy,
  },
  { name: 'parameters', title: 'parameters', get: (s) => (s as { parameters?: number }).parameters },
  {
    name: 'hessian',
    title: 'Hessian λmax',
    get: (s) => (s as { hessian?: number }).hessian,
  },
  {
    name: 'activation_sparsity',
    title: 'act. sparsity',
    get: (s) => (s as { activation_sparsity?: number }).activation_sparsity,
  },
  {
    name: 'seconds_per_candidate',
    title: 's/candidate',
    get: (s) => (s as { seconds_per_candidate?: number }).seconds_per_candidate,
  },
  { name: 'density', title: 'density', get: (s) => s.sparse?.density },
  { name: 'training_flops', title: 'train FLOPs ×dense', get: (s) => s.sparse?.training_flops },
  ...(['ultimate', 'last', 'ensemble'] as const).flatMap((k) => [
    {
      name: `${k}_test_accuracy`,
      title: `${k} acc %`,
      better: 'max' as const,
      percent: true,
      get: (s: RunSummary) =>
        (s.suptickets as Record<string, Record<string, { accuracy: number }>> | undefined)?.[k]?.test?.accuracy,
    },
    {
      name: `${k}_test_nll`,
      title: `${k} NLL`,
      better: 'min' as const,
      get: (s: RunSummary) =>
        (s.suptickets as Record<string, Record<string, { nll: number }>> | undefined)?.[k]?.test?.nll,
    },
    {
      name: `${k}_test_ece`,
      title: `${k} ECE`,
      better: 'min' as const,
      get: (s: RunSummary) =>
        (s.suptickets as Record<string, Record<string, { ece: number }>> | undefined)?.[k]?.test?.ece,
    },
  ]),
];

const SKIP = new Set(['checkpoints', 'tickets', 'report', 'node_modules']);

function isRunDir(d: string): boolean {
  return existsSync(join(d, 'summary.json')) || existsSync(join(d, 'config.json'));
}

/** Run directories under `root` (itself, its children, or theirs), and the manifests of the sweeps met. */
function findRuns(root: string, depth = 0, out: { runs: string[]; manifests: string[] } = { runs: [], manifests: [] }) {
  if (isRunDir(root)) {
    out.runs.push(root);
    return out;
  }
  if (existsSync(join(root, 'sweep.json'))) out.manifests.push(join(root, 'sweep.json'));
  if (depth >= 3) return out;
  for (const e of readdirSync(root).sort()) {
    const p = join(root, e);
    if (SKIP.has(e) || e.startsWith('.')) continue;
    try {
      if (statSync(p).isDirectory()) findRuns(p, depth + 1, out);
    } catch {
      // vanished
    }
  }
  return out;
}

/** A group's config as dotted keys, dense training shown as sparse.method dense at sparsity 0. */
function labelFlat(config: Record<string, unknown>): Record<string, unknown> {
  const f = flatten(config);
  if (f['sparse.method'] === undefined || f['sparse.method'] === 'dense') {
    f['sparse.method'] = 'dense';
    f['sparse.sparsity'] = 0;
  }
  return f;
}

/** The group of a run: its resolved config without seed and execution keys. */
function groupConfig(config: Record<string, unknown>): Record<string, unknown> {
  const c = withoutExecutionKeys(config);
  delete c.seed;
  return c;
}

/** A pipeline's rows as runs of their own: the row's point (target, density, method or tweaks) joins the config,
 * its metrics stand where a training run's final metrics do. */
function pipelineRows(dir: string, config: Record<string, unknown>, s: PipelineSummary): LoadedRun[] {
  return s.rows.map((r, i) => ({
    dir,
    row: i,
    name: `${basename(dir)}/${Object.values(r.point).join('-')}`,
    config: { ...config, row: r.point },
    summary: {
      status: s.status,
      wall_seconds: s.wall_seconds,
      final: { test: r.metrics.test, ...(r.metrics.val ? { val: r.metrics.val } : {}) },
      corruption: r.metrics.corruption,
      ood: r.metrics.ood,
      fgsm: r.metrics.fgsm,
      parameters: r.parameters,
      ...(r.training_flops === undefined ? {} : { sparse: { training_flops: r.training_flops } }),
      hessian: r.metrics.hessian,
      activation_sparsity: r.metrics.activation_sparsity,
      seconds_per_candidate: r.seconds_per_candidate,
    } as unknown as RunSummary,
    curve: [],
  }));
}

export function stat(xs: number[]): Stat {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, std, n };
}

/** Reads the runs under the given directories and groups them; a directory with no runs is a UsageError. */
export function buildReport(dirs: string[]): Report {
  const problems: string[] = [];
  const found: { runs: string[]; manifests: string[] } = { runs: [], manifests: [] };
  for (const d of dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      problems.push(`${d}: not a directory`);
      continue;
    }
    const f = findRuns(d);
    if (f.runs.length === 0 && f.manifests.length === 0)
      problems.push(`${d}: no runs (no directory with a summary.json or config.json)`);
    found.runs.push(...f.runs);
    found.manifests.push(...f.manifests);
  }
  if (problems.length) throw new UsageError(`report: ${problems.join('; ')}`);
  const loaded: LoadedRun[] = [];
  for (const dir of [...new Set(found.runs)]) {
    const raw = readJson<Record<string, unknown>>(join(dir, 'config.json'));
    if (!raw) continue;
    let config: Record<string, unknown>;
    try {
      config = resolveRunConfig(raw, dir) as unknown as Record<string, unknown>;
    } catch {
      continue; // not a run of this version's config schema
    }
    let curve: EpochRecord[] = [];
    try {
      curve = readMetricsFile(join(dir, 'metrics.jsonl')).records as EpochRecord[];
    } catch {
      // damaged: no curve
    }
    const summary = readJson<RunSummary & Partial<PipelineSummary>>(join(dir, 'summary.json'));
    if (summary?.rows) loaded.push(...pipelineRows(dir, config, summary as PipelineSummary));
    else loaded.push({ dir, name: basename(dir), config, summary, curve });
  }
  if (loaded.length === 0) throw new UsageError(`report: ${dirs.join(', ')}: no runs with a readable config.json`);
  const groups = new Map<string, { config: Record<string, unknown>; runs: LoadedRun[]; planned: Set<string> }>();
  const groupOf = (config: Record<string, unknown>) => {
    const g = groupConfig(config);
    const key = canonicalJson(g);
    if (!groups.has(key)) groups.set(key, { config: g, runs: [], planned: new Set() });
    return groups.get(key)!;
  };
  // Groups in the order of the sweeps' manifests (the order the sweep file lists them), then by run name.
  const manifests = found.manifests.map((m) => ({ file: m, runs: readJson<{ runs: ManifestRun[] }>(m)?.runs ?? [] }));
  const order = new Map<string, number>();
  for (const m of manifests) for (const r of m.runs) if (!order.has(r.name)) order.set(r.name, order.size);
  const rank = (r: LoadedRun) => order.get(basename(r.dir)) ?? Number.MAX_SAFE_INTEGER;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  loaded.sort((a, b) => rank(a) - rank(b) || byName(a.dir, b.dir) || (a.row ?? 0) - (b.row ?? 0));
  // A planned pipeline's rows are known only once it has run: its plan counts for every row group it made.
  const plannedPipelines = new Map<string, Set<string>>();
  const planned = (each: (config: Record<string, unknown>, key: string) => void) => {
    for (const { file: m, runs } of manifests) {
      for (const r of runs) {
        let config: Record<string, unknown>;
        try {
          config = resolveRunConfig(r.config, m) as unknown as Record<string, unknown>;
        } catch {
          continue; // a manifest of another version
        }
        each(config, `${m}:${r.id}`);
      }
    }
  };
  planned((config) => {
    if (!config.pipeline) groupOf(config);
  });
  for (const r of loaded) groupOf(r.config).runs.push(r);
  planned((config, key) => {
    if (!config.pipeline) return void groupOf(config).planned.add(key);
    const k = canonicalJson(groupConfig(config));
    if (!plannedPipelines.has(k)) plannedPipelines.set(k, new Set());
    plannedPipelines.get(k)!.add(key);
  });
  for (const g of groups.values()) {
    if (g.config.row === undefined) continue;
    const { row: _, ...pipeline } = g.config;
    for (const key of plannedPipelines.get(canonicalJson(pipeline)) ?? []) g.planned.add(key);
  }
  // The keys that tell the groups apart: those with more than one value among the groups that set them (dense
  // runs count as method dense, sparsity 0).
  const flats = [...groups.values()].map((g) => labelFlat(g.config));
  const keys = [...new Set(flats.flatMap((f) => Object.keys(f)))].filter(
    (k) => new Set(flats.filter((f) => f[k] !== undefined).map((f) => canonicalJson(f[k]))).size > 1,
  );
  const shown = keys.length ? keys : ['model', 'dataset'];
  const rows: ReportRow[] = [...groups.values()].map((g) => {
    const done = g.runs.filter((r) => r.summary?.status === 'completed');
    const metrics: ReportRow['metrics'] = {};
    for (const m of METRICS) {
      const xs = done.map((r) => m.get(r.summary!)).filter((x): x is number => typeof x === 'number');
      if (xs.length === done.length && xs.length > 0) {
        const s = stat(xs);
        metrics[m.name] = { mean: s.mean, std: s.std };
      }
    }
    const time: ReportRow['time'] = {};
    if (done.length) {
      const w = stat(done.map((r) => r.summary!.wall_seconds));
      const t = stat(done.map((r) => r.summary!.seconds?.train ?? r.summary!.wall_seconds));
      time.wall_seconds = { mean: w.mean, std: w.std };
      time.train_seconds = { mean: t.mean, std: t.std };
    }
    const epochs = new Map<number, { acc: number[]; secs: number[] }>();
    for (const r of done) {
      let secs = 0;
      for (const e of r.curve) {
        secs += (e.seconds?.train ?? 0) + (e.seconds?.data ?? 0) + (e.seconds?.eval ?? 0);
        const acc = e.eval?.test?.accuracy;
        if (typeof acc !== 'number') continue;
        if (!epochs.has(e.epoch)) epochs.set(e.epoch, { acc: [], secs: [] });
        epochs.get(e.epoch)!.acc.push(acc);
        epochs.get(e.epoch)!.secs.push(secs);
      }
    }
    const flat = labelFlat(g.config);
    return {
      config: g.config,
      label: Object.fromEntries(shown.map((k) => [k, flat[k] ?? null])),
      n: done.length,
      ...(g.planned.size ? { planned: g.planned.size } : {}),
      failed: g.runs.filter((r) => r.summary?.status === 'failed' || r.summary?.status === 'diverged').length,
      seeds: done.map((r) => Number(r.config.seed)).sort((a, b) => a - b),
      runs: done.map((r) => r.name),
      metrics,
      time,
      curve: [...epochs.entries()]
        .sort((a, b) => a[0] - b[0])
        .filter(([, v]) => v.acc.length === done.length)
        .map(([epoch, v]) => ({ epoch, test_accuracy: stat(v.acc).mean, seconds: stat(v.secs).mean })),
    };
  });
  return { rows, keys: shown, runs: loaded.length };
}

/** The metric columns the report's rows have (in METRICS order). */
export function metricColumns(rep: Report): typeof METRICS {
  return METRICS.filter((m) => rep.rows.some((r) => r.metrics[m.name]));
}

function bestOf(rep: Report, m: (typeof METRICS)[number]): number | undefined {
  if (!m.better) return undefined;
  const xs = rep.rows.map((r) => r.metrics[m.name]?.mean).filter((x): x is number => x !== undefined);
  if (xs.length < 2) return undefined;
  return m.better === 'max' ? Math.max(...xs) : Math.min(...xs);
}

function fmt(m: (typeof METRICS)[number], v: number): string {
  return m.percent
    ? (100 * v).toFixed(2)
    : m.name === 'parameters'
      ? v.toFixed(0)
      : m.name.includes('flops') || m.name === 'density'
        ? v.toFixed(3)
        : v.toFixed(4);
}

/** A row's flag: completed runs short of the planned number, or failures. */
export function flagOf(r: ReportRow): string {
  const parts: string[] = [];
  if (r.planned !== undefined && r.n < r.planned)
    parts.push(r.n === 0 ? `missing (0 of ${r.planned})` : `${r.planned - r.n} of ${r.planned} missing`);
  if (r.failed) parts.push(`${r.failed} failed`);
  return parts.join(', ');
}

const labelText = (v: unknown) =>
  v === null || v === undefined ? '—' : typeof v === 'object' ? canonicalJson(v) : String(v);

/** The table as a grid of cells: header, then one line per row; `bold` wraps the best values. */
function cells(rep: Report, bold: (s: string) => string, pm: string): string[][] {
  const cols = metricColumns(rep);
  const head = [...rep.keys, 'n', ...cols.map((m) => m.title), 'notes'];
  const body = rep.rows.map((r) => {
    const metricCells = cols.map((m) => {
      const v = r.metrics[m.name];
      if (!v) return '—';
      const text = `${fmt(m, v.mean)}${v.std === null ? '' : ` ${pm} ${fmt(m, v.std)}`}`;
      return v.mean === bestOf(rep, m) ? bold(text) : text;
    });
    return [...rep.keys.map((k) => labelText(r.label[k])), String(r.n), ...metricCells, flagOf(r)];
  });
  return [head, ...body];
}

export function toMarkdown(rep: Report): string {
  const [head, ...body] = cells(rep, (s) => `**${s}**`, '±');
  return markdownTable(head, body);
}

export function toCsv(rep: Report): string {
  const cols = metricColumns(rep);
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = [...rep.keys, 'n', 'planned', 'failed', ...cols.flatMap((m) => [`${m.name}_mean`, `${m.name}_std`])];
  const body = rep.rows.map((r) => [
    ...rep.keys.map((k) => labelText(r.label[k])),
    String(r.n),
    r.planned === undefined ? '' : String(r.planned),
    String(r.failed),
    ...cols.flatMap((m) => [String(r.metrics[m.name]?.mean ?? ''), String(r.metrics[m.name]?.std ?? '')]),
  ]);
  return [head, ...body].map((xs) => xs.map(q).join(',')).join('\n') + '\n';
}

export function toLatex(rep: Report): string {
  const esc = (s: string) => s.replace(/([&%$#_{}])/g, '\\$1').replace(/~/g, '\\textasciitilde{}');
  const grid = cells(rep, (s) => `\\textbf{${s}}`, '$\\pm$').map((row, i) =>
    row.map((c) =>
      i === 0
        ? esc(c)
        : esc(c)
            .replace(/\\textbf\\\{(.*)\\\}/, '\\textbf{$1}')
            .replace(/\\\$\\pm\\\$/g, '$\\pm$'),
    ),
  );
  const [head, ...body] = grid;
  return (
    [
      `\\begin{tabular}{${'l'.repeat(rep.keys.length)}${'r'.repeat(head.length - rep.keys.length - 1)}l}`,
      '\\toprule',
      head.join(' & ') + ' \\\\',
      '\\midrule',
      ...body.map((r) => r.join(' & ') + ' \\\\'),
      '\\bottomrule',
      '\\end{tabular}',
    ].join('\n') + '\n'
  );
}

/** What `report --json` prints: the rows (config, n, metrics as {mean, std}, …). */
export function toJson(rep: Report): string {
  return JSON.stringify({ rows: rep.rows, keys: rep.keys, runs: rep.runs }, null, 2) + '\n';
}
