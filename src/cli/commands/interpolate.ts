// `sparsetickets interpolate A B --steps N`: loss and accuracy along the linear path between two tickets.
import { existsSync } from 'node:fs';
import { ticketEvaluator } from '../../run/ticket_data.js';
import { interpolationCurve } from '../../tickets/curve.js';
import { checkCompatible, loadTicket, maskNonzeros, TicketError, type Ticket } from '../../tickets/ticket.js';
import { numberOption, parseCommandLine, UsageError, type CommandSpec } from '../args.js';
import { countOption, optionalCount } from '../limits.js';
import type { PruneScope } from '../../tickets/prune.js';

const spec: CommandSpec = {
  name: 'interpolate',
  summary:
    'Loss (NLL) and accuracy of θ(α) = α·A + (1−α)·B at --steps evenly spaced α from 0 (B) to 1 (A) — the linear\n' +
    'mode-connectivity check. Each θ can be pruned to a density (--density, over --scope) and has its BatchNorm\n' +
    'statistics recomputed on the training data (--bn bu, the default; --bn interpolate keeps the interpolated ones).',
  positionals: { usage: 'A B', min: 2, max: 2 },
  options: {
    steps: { type: 'string', value: 'N', default: '11', description: 'number of points, 2 … 1001' },
    density: {
      type: 'string',
      value: 'D',
      description: "prune each θ to this density (or 'target': the denser of A's and B's nonzeros)",
    },
    scope: {
      type: 'string',
      value: 'S',
      default: 'masked',
      choices: ['masked', 'all', 'conv-only'],
      description: 'weights pruned with --density',
    },
    bn: {
      type: 'string',
      value: 'K',
      default: 'bu',
      choices: ['bu', 'interpolate'],
      description: 'BatchNorm statistics',
    },
    split: { type: 'string', value: 'S,…', default: 'val,test', description: 'splits evaluated' },
    'data-dir': { type: 'string', value: 'DIR', description: "dataset directory [default: the tickets']" },
    threads: { type: 'string', value: 'T', description: 'threads [default: all cores]' },
    json: { type: 'boolean', description: 'print the curve as JSON on stdout' },
  },
  examples: [
    'sparsetickets interpolate runs/lth/round-03/model.safetensors runs/lth/round-04/model.safetensors --steps 11',
  ],
};

function load(path: string): Ticket {
  if (!existsSync(path)) throw new UsageError(`interpolate: ${path} not found`);
  try {
    return loadTicket(path, { allowDense: true });
  } catch (e) {
    throw new UsageError(`interpolate: ${(e as Error).message}`);
  }
}

export const interpolateCommand = {
  summary: 'loss and accuracy along the linear path between two tickets',
  run(argv: string[]): void {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const v = parsed.values;
    const [fa, fb] = parsed.positionals;
    const [a, b] = [load(fa), load(fb)];
    try {
      checkCompatible(a, b, 'interpolated tickets');
    } catch (e) {
      throw new UsageError(`interpolate: ${(e as Error).message}`);
    }
    const steps = countOption('interpolate', v, 'steps');
    const splits = String(v.split)
      .split(',')
      .map((s) => s.trim());
    for (const s of splits)
      if (!['train', 'val', 'test'].includes(s))
        throw new UsageError(`interpolate: --split '${s}' is not one of train, val, test`);
    const scope = String(v.scope) as PruneScope;
    const prune =
      v.density === undefined
        ? undefined
        : v.density === 'target'
          ? { scope, pruning: 'global' as const, keep: Math.max(maskNonzeros(a), maskNonzeros(b)) }
          : {
              scope,
              pruning: 'global' as const,
              density: numberOption('interpolate', v, 'density', { min: 0, max: 1 }),
            };
    const ev = ticketEvaluator('interpolate', a.provenance, {
      dataDir: v['data-dir'] as string | undefined,
      threads: optionalCount('interpolate', v, 'threads'),
      splits: splits as ('train' | 'val' | 'test')[],
    });
    let curve;
    try {
      curve = interpolationCurve(a, b, { steps, splits, prune, refreshBn: v.bn === 'bu' }, ev);
    } catch (e) {
      if (e instanceof TicketError) throw new UsageError(`interpolate: ${e.message}`);
      throw e;
    }
    if (v.json) {
      process.stdout.write(JSON.stringify({ a: fa, b: fb, steps, prune: prune ?? null, bn: v.bn, curve }) + '\n');
      return;
    }
    const head = splits.map((s) => `${s} acc %  ${s} NLL`.padStart(22)).join('');
    const rows = curve.map(
      (p) =>
        p.alpha.toFixed(3).padStart(6) +
        splits
          .map(
            (s) =>
              `${(100 * p.metrics[s].accuracy).toFixed(2).padStart(12)}${p.metrics[s].nll.toFixed(4).padStart(10)}`,
          )
          .join(''),
    );
    process.stdout.write([`     α${head}`, ...rows].join('\n') + '\n');
  },
};
