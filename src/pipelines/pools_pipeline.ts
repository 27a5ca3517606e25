// The Lottery Pools pipeline (SPEC §5 and §7; papers/lottery-pools.txt, Table 1/8 and Figures 3 and 7) as one
// run of a sweep: the lottery rounds, then for every target ticket the pool variants (Lottery Pools, Average, SWA,
// EMA), the output ensemble of the tickets the pool searched (mean of softmaxes), and the corruption metrics of
// the target and its Lottery Pools ticket. Everything lands in the pipeline directory:
//   config.json                      the resolved config (what the sweep's run id is made of)
//   lottery.json, round-NN/, rounds.*  the lottery pipeline (lottery.ts)
//   pools/<variant>-<j>.safetensors  each pooled ticket; pools/<variant>-<j>.json its metrics and search log
//   pools/ensemble-<j>.json, pools/corruptions-<name>-<j>.json
//   summary.json                     status and one row per (target, variant): what `report` tabulates
// Every step's result is a file written atomically, so an interrupted pipeline resumes where it stopped and
// finished steps are never redone.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  corruptedSets,
  corruptionMetrics,
  type CorruptedSet,
  type CorruptionReport,
} from '../eval/corruption_bench.js';
import type { Metrics } from '../eval/metrics.js';
import type { PipelineConfig, PoolVariant } from '../run/pipeline_config.js';
import type { TrainConfig } from '../run/config.js';
import { ticketEvaluator } from '../run/ticket_data.js';
import type { TicketEvaluator } from '../tickets/evaluate.js';
import { writeFileAtomic } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import { accuracyCell, markdownTable } from '../util/markdown.js';
import {
  cached,
  lotteryStage,
  pick,
  type PipelineOptions,
  type PipelineRow,
  type PipelineSummary,
} from './pipeline_common.js';
import { checkLottery, type RoundRecord } from './lottery.js';
import {
  candidateOrder,
  checkPoolSettings,
  lotteryPool,
  type PoolSettings,
  type SearchRecord,
} from '../tickets/pools.js';
import { loadTicket, saveTicket, type Ticket } from '../tickets/ticket.js';

type LotteryPoolsConfig = Extract<PipelineConfig, { kind: 'lottery-pools' }>;

/** What a row of the pipeline's table is: a target ticket under one method. */
export type PoolsRowMethod = 'lt' | PoolVariant | 'ensemble';

/** Pool variants also give the search's cost per candidate and the tickets merged (seconds_per_candidate,
 * ingredients). */
export interface PoolsRow extends PipelineRow {
  point: { target: number; density: number; method: PoolsRowMethod };
}

interface PooledResult {
  target: number;
  variant: PoolVariant;
  ingredients: number[];
  start_val: number;
  metrics: Record<string, Metrics>;
  seconds_per_candidate: number;
  log: SearchRecord[];
}

/** Checks before any work: the settings' ranges that depend on each other. */
export function checkPoolsPipeline(c: TrainConfig, p: LotteryPoolsConfig): void {
  const rounds = p.lottery.kind === 'omp' ? 2 : p.lottery.rounds;
  for (const j of p.pools.targets ?? [])
    if (j >= rounds)
      throw new UsageError(`pipeline: target ${j} is out of range: the lottery has rounds 0 … ${rounds - 1}`);
  checkPoolSettings({ ...poolSettings(p, 0, 'pool') }, rounds);
  checkLottery({ ...c, pipeline: undefined }, p.lottery);
  if (p.corruptions && c.dataset !== 'cifar10' && c.dataset !== 'cifar100')
    throw new UsageError(`pipeline: corruption metrics need CIFAR images; drop pipeline.corruptions for ${c.dataset}`);
}

function poolSettings(p: LotteryPoolsConfig, target: number, variant: PoolVariant): PoolSettings {
  return {
    target,
    candidates: p.pools.candidates,
    coefficients: p.pools.coefficients,
    prune: p.pools.prune,
    strict: p.pools.strict,
    variant,
    scope: p.lottery.scope,
  };
}

/** Runs (or resumes) the pipeline a config with `pipeline.kind: lottery-pools` describes. */
export async function runPoolsPipeline(c: TrainConfig, o: PipelineOptions = {}): Promise<PipelineSummary<PoolsRow>> {
  const p = c.pipeline as LotteryPoolsConfig;
  checkPoolsPipeline(c, p);
  const log = o.log ?? (() => {});
  const { dir, name, lottery, finish } = await lotteryStage<PoolsRow>(c, p.lottery, o);
  if (lottery.status !== 'completed') return finish([], 'interrupted');
  const rounds = lottery.rounds;
  const load = (i: number): Ticket => loadTicket(join(dir, rounds[i].ticket), { allowDense: true });
  const ev = ticketEvaluator('pipeline', load(0).provenance, { threads: c.threads, splits: ['val', 'test'] });
  const poolsDir = join(dir, 'pools');
  mkdirSync(poolsDir, { recursive: true });
  let corrupted: CorruptedSet[] | null = null;
  const corruption = (file: string, t: () => Ticket): Metrics | undefined => {
    if (!p.corruptions) return undefined;
    return cached<CorruptionReport>(file, () => {
      corrupted ??= [
        ...corruptedSets(
          ev.o.evalSets.test.set,
          { limit: p.corruptions!.images, severities: p.corruptions!.severities, threads: c.threads },
          c.seed,
        ),
      ];
      const ticket = t();
      return corruptionMetrics(corrupted, (set) => ev.predictSet(ticket, set), 'generated');
    }).mean;
  };

  const rows: PoolsRow[] = [];
  const targets = p.pools.targets ?? rounds.map((r) => r.round);
  for (const j of targets) {
    const tag = String(j).padStart(2, '0');
    const density = rounds[j].density;
    const point = (method: PoolsRowMethod) => ({ target: j, density, method });
    // LT: the round's ticket as trained (its own BatchNorm statistics).
    const lt = cached(join(poolsDir, `lt-${tag}.json`), () => ev.evaluate(load(j)));
    rows.push({
      point: point('lt'),
      metrics: { ...pick(lt), corruption: corruption(join(poolsDir, `corruptions-lt-${tag}.json`), () => load(j)) },
    });
    for (const variant of p.pools.variants) {
      const file = join(poolsDir, `${variant}-${tag}`);
      const r = cached<PooledResult>(`${file}.json`, () => {
        log(`${name}: ${variant} of ticket ${j}`);
        return pool({ dir, p, rounds, load, ev, log }, j, variant, `${file}.safetensors`);
      });
      const corr =
        variant === 'pool'
          ? corruption(join(poolsDir, `corruptions-pool-${tag}.json`), () =>
              loadTicket(`${file}.safetensors`, { allowDense: true }),
            )
          : undefined;
      rows.push({
        point: point(variant),
        metrics: { ...pick(r.metrics), corruption: corr },
        seconds_per_candidate: r.seconds_per_candidate,
        ingredients: r.ingredients,
      });
    }
    // The output ensemble of the tickets the pool searched: the target and its candidates (paper, Figure 7).
    const members = [j, ...candidateOrder(j, rounds.length, p.pools.candidates)];
    const ens = cached(join(poolsDir, `ensemble-${tag}.json`), () =>
      ev.ensemble(members.length, (i) => load(members[i])),
    );
    rows.push({ point: point('ensemble'), metrics: pick(ens), ingredients: members });
    writeFileAtomic(join(dir, 'pools.md'), poolsTable(rows));
  }
  return finish(rows, 'completed');
}

interface PoolSearch {
  dir: string;
  p: LotteryPoolsConfig;
  rounds: RoundRecord[];
  load: (i: number) => Ticket;
  ev: TicketEvaluator;
  log: (line: string) => void;
}

/** A pool variant's search for target j: its ticket saved with its provenance (to `file`), and its result. */
function pool(s: PoolSearch, j: number, variant: PoolVariant, file: string): PooledResult {
  const { dir, p, rounds, load, ev } = s;
  const result = lotteryPool(rounds.length, load, poolSettings(p, j, variant), ev, s.log);
  const metrics = ev.evaluate(result.ticket);
  result.ticket.provenance = {
    ...load(j).provenance,
    density: result.ticket.provenance.density,
    kind: variant === 'pool' ? 'lottery-pool' : variant,
    ingredients: result.ingredients.map((i) => rounds[i].ticket),
    operation: `${variant} over ${dir} (target ${j}, prune ${p.pools.prune}${p.pools.strict ? ', strict' : ''})`,
    metrics,
  };
  saveTicket(file, result.ticket);
  return {
    target: j,
    variant,
    ingredients: result.ingredients,
    start_val: result.start_val,
    metrics,
    seconds_per_candidate: result.seconds_per_candidate,
    log: result.log,
  };
}

function poolsTable(rows: PoolsRow[]): string {
  return markdownTable(
    ['target', 'density', 'method', 'test acc %', 'val acc %', 'corruption acc %', 's/candidate'],
    rows.map((r) => [
      String(r.point.target),
      r.point.density.toFixed(4),
      r.point.method,
      accuracyCell(r.metrics.test),
      accuracyCell(r.metrics.val),
      accuracyCell(r.metrics.corruption),
      r.seconds_per_candidate?.toFixed(1) ?? '',
    ]),
  );
}
