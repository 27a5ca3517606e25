// `sparsetickets pool PIPELINE --target j`: Lottery Pools (SPEC §7) over the tickets of a lottery pipeline.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ticketEvaluator } from '../../run/ticket_data.js';
import type { LotterySettings, RoundRecord } from '../../pipelines/lottery.js';
import {
  DEFAULT_COEFFICIENTS,
  lotteryPool,
  POOL_VARIANTS,
  ticketEnsemble,
  type PoolSettings,
  type PoolVariant,
} from '../../tickets/pools.js';
import { loadTicket, saveTicket, TicketError, type Ticket } from '../../tickets/ticket.js';
import { writeFileAtomic } from '../../train/rundir.js';
import { numberOption, parseCommandLine, UsageError, type CommandSpec } from '../args.js';
import { optionalCount } from '../limits.js';
import { checkOutput, OVERWRITE_OPTION } from '../output.js';

const spec: CommandSpec = {
  name: 'pool',
  summary:
    'Lottery Pools (SPEC §7): greedily interpolate the tickets of a lottery pipeline into the target ticket.\n' +
    'Candidates by nearness, denser first (j−1, j+1, j−2, …); for each, every α of the pool: θ = α·c + (1−α)·current\n' +
    "over every model tensor, pruned to the target's nonzeros (--prune during; or after, once at the end), BatchNorm\n" +
    'recomputed on the training split, scored on the validation split; the best α is kept if validation accuracy does\n' +
    'not drop (--strict: only if it rises). Writes the ticket (--out) and the search log (<out>.search.jsonl).',
  positionals: { usage: 'PIPELINE', min: 1, max: 1 },
  options: {
    target: { type: 'string', value: 'j', description: 'index of the target ticket (0: the dense network) (required)' },
    candidates: { type: 'string', value: 'n', description: 'only the first n candidates by nearness [default: all]' },
    coefficients: {
      type: 'string',
      value: 'A,…',
      description: `the α pool, each in (0, 1) [default: ${DEFAULT_COEFFICIENTS.join(',')}]`,
    },
    prune: {
      type: 'string',
      value: 'P',
      default: 'during',
      choices: ['during', 'after'],
      description: 'when θ is pruned',
    },
    strict: { type: 'boolean', description: 'accept only a rise in validation accuracy (the authors’ code)' },
    variant: {
      type: 'string',
      value: 'V',
      default: 'pool',
      choices: POOL_VARIANTS,
      description:
        'pool | average (α 0.5) | swa (α 1/(n+1), unconditional) | ema (0.95·c + 0.05·current, unconditional)',
    },
    out: { type: 'string', value: 'FILE', description: 'the resulting ticket (.safetensors) (required)' },
    overwrite: OVERWRITE_OPTION,
    'data-dir': { type: 'string', value: 'DIR', description: "dataset directory [default: the tickets'] " },
    threads: { type: 'string', value: 'T', description: 'threads [default: all cores]' },
    json: { type: 'boolean', description: 'print the result as JSON on stdout' },
  },
  examples: [
    'sparsetickets pool runs/lth --target 5 --out runs/lth/pool-5.safetensors',
    'sparsetickets pool runs/lth --target 5 --variant swa --out runs/lth/swa-5.safetensors',
  ],
};

export const poolCommand = {
  summary: 'Lottery Pools: interpolate the tickets of a lottery pipeline into a stronger one',
  run(argv: string[]): void {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const v = parsed.values;
    const [dir] = parsed.positionals;
    const settingsFile = join(dir, 'lottery.json');
    const roundsFile = join(dir, 'rounds.json');
    if (!existsSync(settingsFile) || !existsSync(roundsFile))
      throw new UsageError(`pool: ${dir} is not a lottery pipeline (no lottery.json / rounds.json)`);
    if (v.target === undefined) throw new UsageError('pool: --target j is required');
    if (!v.out || !String(v.out).endsWith('.safetensors'))
      throw new UsageError('pool: --out FILE.safetensors is required');
    const lottery = (JSON.parse(readFileSync(settingsFile, 'utf8')) as { settings: LotterySettings }).settings;
    const rounds = (JSON.parse(readFileSync(roundsFile, 'utf8')) as RoundRecord[]).filter(
      (r) => r.status === 'completed',
    );
    // Before any work: the ticket and its search log, neither an input (the pipeline's files) nor, without
    // --overwrite, an existing file.
    const out = String(v.out);
    const inputs = [settingsFile, roundsFile, ...rounds.map((r) => join(dir, r.ticket))];
    const overwrite = v.overwrite === true;
    checkOutput('pool', out, { overwrite, inputs });
    checkOutput('pool', `${out}.search.jsonl`, { overwrite, inputs, flag: 'search log' });
    const coefficients =
      v.coefficients === undefined
        ? DEFAULT_COEFFICIENTS
        : String(v.coefficients)
            .split(',')
            .filter((x) => x.trim() !== '')
            .map((x) => {
              const a = Number(x);
              if (!/^\s*[0-9.eE+-]+\s*$/.test(x) || !Number.isFinite(a))
                throw new UsageError(`pool: --coefficients wants decimal numbers, got '${x}'`);
              return a;
            });
    const s: PoolSettings = {
      target: numberOption('pool', v, 'target', { integer: true }),
      candidates: optionalCount('pool', v, 'candidates'),
      coefficients,
      prune: String(v.prune) as 'during' | 'after',
      strict: Boolean(v.strict),
      variant: String(v.variant) as PoolVariant,
      scope: lottery.scope,
    };
    const load = (i: number): Ticket => loadTicket(join(dir, rounds[i].ticket), { allowDense: true });
    let first: Ticket;
    try {
      if (!(Number.isInteger(s.target) && s.target >= 0 && s.target < rounds.length))
        throw new TicketError(
          `pool: target ${s.target} is out of range: the pipeline has tickets 0 … ${rounds.length - 1}`,
        );
      first = load(s.target);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const ev = ticketEvaluator('pool', first.provenance, {
      dataDir: v['data-dir'] as string | undefined,
      threads: optionalCount('pool', v, 'threads'),
      splits: ['val', 'test'],
    });
    let result;
    try {
      result = lotteryPool(rounds.length, load, s, ev, (line) => process.stderr.write(line + '\n'));
    } catch (e) {
      if (e instanceof TicketError) throw new UsageError(e.message);
      throw e;
    }
    const metrics = ev.evaluate(result.ticket);
    const target = load(s.target);
    ev.refreshBn(target);
    const targetMetrics = ev.evaluate(target);
    const ensemble = ticketEnsemble(result.ingredients.map(load), ev);
    result.ticket.provenance = {
      ...target.provenance,
      density: result.ticket.provenance.density,
      kind: s.variant === 'pool' ? 'lottery-pool' : s.variant,
      ingredients: result.ingredients.map((i) => rounds[i].ticket),
      operation: `${s.variant} over ${dir} (target ${s.target}, prune ${s.prune}${s.strict ? ', strict' : ''})`,
      metrics,
    };
    saveTicket(out, result.ticket);
    writeFileAtomic(`${out}.search.jsonl`, result.log.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const doc = {
      out,
      target: s.target,
      variant: s.variant,
      ingredients: result.ingredients,
      start_val: result.start_val,
      target_metrics: targetMetrics,
      metrics,
      ensemble,
      seconds_per_candidate: result.seconds_per_candidate,
      log: result.log,
    };
    if (v.json) process.stdout.write(JSON.stringify(doc) + '\n');
    const pct = (x: number) => (100 * x).toFixed(2) + '%';
    process.stderr.write(
      `${s.variant} of ticket ${s.target}: test ${pct(metrics.test.accuracy)} (target ${pct(targetMetrics.test.accuracy)}, ` +
        `ensemble of its ${result.ingredients.length} ingredients ${pct(ensemble.test.accuracy)}); ` +
        `${result.seconds_per_candidate.toFixed(1)} s per candidate; ${out}\n`,
    );
  },
};
