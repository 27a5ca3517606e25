// `sparsetickets stats`: significance between two groups of runs (SPEC §10) — a number per run read from its
// summary.json (or any JSON file, e.g. an eval.json) by a dotted path, then per group mean ± std and a bootstrap
// CI of the mean, and the two-sample Kolmogorov–Smirnov statistic with its exact p-value.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ksTwoSample, summarize } from '../../eval/stats.js';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { countOption } from '../limits.js';

const spec: CommandSpec = {
  name: 'stats',
  summary:
    'Compare two groups of runs: mean ± std, bootstrap CI of the mean, and the two-sample Kolmogorov–Smirnov\n' +
    'statistic with its exact p-value. A run is a run directory (its summary.json) or a JSON file; --metric picks\n' +
    'the number by a dotted path.',
  options: {
    a: { type: 'string', value: 'RUN', multiple: true, description: 'a run of group A (repeat; at least 1)' },
    b: { type: 'string', value: 'RUN', multiple: true, description: 'a run of group B (repeat; at least 1)' },
    metric: { type: 'string', value: 'PATH', default: 'final.test.accuracy', description: 'dotted path in the JSON' },
    level: { type: 'string', value: 'L', default: '0.95', description: 'confidence level of the bootstrap CI' },
    resamples: { type: 'string', value: 'N', default: '10000', description: 'bootstrap resamples (100 … 10,000,000)' },
    seed: { type: 'string', value: 'S', default: '0', description: 'bootstrap seed' },
    json: { type: 'boolean', description: 'print one JSON document on stdout' },
  },
  examples: [
    'sparsetickets stats --a runs/rigl-s0 --a runs/rigl-s1 --a runs/rigl-s2 --b runs/sup-s0 --b runs/sup-s1 --b runs/sup-s2',
    'sparsetickets stats --a runs/a/eval.json --b runs/b/eval.json --metric calibration.members.0.ece --json',
  ],
};

function valueOf(run: string, path: string): number {
  if (!existsSync(run)) throw new UsageError(`stats: ${run} not found`);
  const file = statSync(run).isDirectory() ? join(run, 'summary.json') : run;
  if (!existsSync(file)) throw new UsageError(`stats: ${file} not found (a run directory needs summary.json)`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`stats: ${file} is not JSON (${(e as Error).message})`);
  }
  let x: unknown = doc;
  for (const key of path.split('.'))
    x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new UsageError(`stats: ${file} has no number at '${path}'`);
  return x;
}

export const statsCommand = {
  summary: 'significance between two groups of runs (KS test, mean ± std, bootstrap CI)',
  run(argv: string[]): void {
    const v = parseCommand(spec, argv);
    if (!v) return;
    const a = (v.a as string[] | undefined) ?? [];
    const b = (v.b as string[] | undefined) ?? [];
    if (!a.length || !b.length) throw new UsageError('stats: give at least one run in each group (--a RUN --b RUN)');
    const level = numberOption('stats', v, 'level', { min: 0.5, max: 1, maxExclusive: true });
    const resamples = countOption('stats', v, 'resamples');
    const seed = numberOption('stats', v, 'seed', { min: 0, integer: true });
    const metric = String(v.metric);
    const va = a.map((r) => valueOf(r, metric));
    const vb = b.map((r) => valueOf(r, metric));
    const o = { level, resamples, seed };
    const result = {
      metric,
      a: { runs: a, values: va, ...summarize(va, o) },
      b: { runs: b, values: vb, ...summarize(vb, o) },
      ks: ksTwoSample(va, vb),
    };
    if (v.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
      return;
    }
    const g = (name: string, s: typeof result.a) =>
      `${name} (${s.n} runs): ${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}, ${Math.round(100 * level)}% CI [${s.ci[0].toFixed(4)}, ${s.ci[1].toFixed(4)}]`;
    process.stdout.write(
      `${metric}\n${g('A', result.a)}\n${g('B', result.b)}\n` +
        `Kolmogorov–Smirnov: D = ${result.ks.statistic.toFixed(4)}, exact p = ${result.ks.pvalue.toPrecision(4)}\n`,
    );
  },
};
