// An ensemble of tickets under the evaluation suite (SPEC §10), with what it cost (FreeTickets, SPEC §8): the
// training FLOPs of its members — summed over independent runs, counted once for members that one run produced
// (EDST's free tickets, a pipeline's) — in units of one dense training step and × one dense run, and its
// parameter count. Members are named by sources:
//   a ticket file (.safetensors)              one member; its cost is its source run's (provenance.source)
//   a directory with ensemble.json            a pipeline's members and its total cost (LTR Ensemble)
//   a run directory with tickets/member-*.safetensors (EDST)   its free tickets; the run's cost once
//   a run directory with model.safetensors    one member; the run's cost
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CorruptionOptions } from '../eval/corruption_bench.js';
import { runSuite, type SuiteMetric, type SuiteReport } from '../eval/suite.js';
import { partnerOodSets } from '../data/ood.js';
import type { RunSummary } from '../run/training.js';
import { ticketEvaluator } from '../run/ticket_data.js';
import { UsageError } from '../util/errors.js';
import { readJson } from '../util/json.js';
import {
  applyTicket,
  checkCompatible,
  keptWeights,
  loadTicket,
  TicketError,
  weightCount,
  type Ticket,
} from '../tickets/ticket.js';

/** What a pipeline that trains an ensemble leaves beside its members (paths relative to its directory). */
export interface EnsembleManifest {
  members: string[];
  /** Training FLOPs of everything the pipeline trained, in dense training steps. */
  dense_steps: number;
  /** Iterations of one dense run of the members' recipe (the "× one dense run" unit). */
  run_iterations: number;
}

export interface EnsembleMembers {
  files: string[];
  /** Cost sources, each counted once: dense-step FLOPs and the iterations of one run of its recipe. */
  costs: Map<string, { dense_steps: number; run_iterations: number }>;
  /** Sources with no completed run summary to take their cost from. */
  unknown: string[];
}

/** A completed run's training FLOPs in dense steps (its per-step ratio × its iterations). */
function runCost(dir: string): { dense_steps: number; run_iterations: number } | undefined {
  const s = readJson<RunSummary>(join(dir, 'summary.json'));
  if (!s || s.status !== 'completed' || !s.iterations) return undefined;
  return { dense_steps: (s.sparse?.training_flops ?? 1) * s.iterations, run_iterations: s.iterations };
}

export function resolveMembers(sources: string[], minMembers = 2): EnsembleMembers {
  const files: string[] = [];
  const costs = new Map<string, { dense_steps: number; run_iterations: number }>();
  const unknown: string[] = [];
  const cost = (src: string, dir: string | undefined, c = dir ? runCost(dir) : undefined) => {
    if (!c) unknown.push(src);
    else if (!costs.has(resolve(dir!))) costs.set(resolve(dir!), c);
  };
  for (const src of sources) {
    if (!existsSync(src)) throw new UsageError(`ensemble: ${src} not found`);
    if (!statSync(src).isDirectory()) {
      if (!src.endsWith('.safetensors')) throw new UsageError(`ensemble: ${src} is not a ticket (.safetensors)`);
      files.push(src);
      cost(src, loadTicket(src, { allowDense: true }).provenance.source);
      continue;
    }
    const manifest = readJson<EnsembleManifest>(join(src, 'ensemble.json'));
    const edst = existsSync(join(src, 'tickets'))
      ? readdirSync(join(src, 'tickets'))
          .filter((f) => /^member-\d+\.safetensors$/.test(f))
          .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
      : [];
    if (manifest) {
      files.push(...manifest.members.map((m) => join(src, m)));
      cost(src, src, { dense_steps: manifest.dense_steps, run_iterations: manifest.run_iterations });
    } else if (edst.length) {
      files.push(...edst.map((f) => join(src, 'tickets', f)));
      cost(src, src);
    } else if (existsSync(join(src, 'model.safetensors'))) {
      files.push(join(src, 'model.safetensors'));
      cost(src, src);
    } else
      throw new UsageError(
        `ensemble: ${src} holds no members (no model.safetensors, tickets/member-*.safetensors or ensemble.json)`,
      );
  }
  if (files.length < minMembers)
    throw new UsageError(`ensemble: an ensemble needs at least ${minMembers} members, got ${files.length}`);
  return { files, costs, unknown };
}

export interface EnsembleOptions {
  metrics: readonly SuiteMetric[];
  corruptions?: CorruptionOptions;
  oodSamples?: number;
  fgsmSamples?: number;
  threads?: number;
  dataDir?: string;
  seed?: number;
  /** The unit of "× one dense run": a dense run's directory (its iterations); default: members' own recipe. */
  denseReference?: string;
  /** Fewest members accepted (default 2; 1 evaluates a single model the same way). */
  minMembers?: number;
  progress?: (line: string) => void;
}

export interface EnsembleReport extends SuiteReport {
  member_files: string[];
  training: {
    /** Σ over cost sources of training FLOPs, in dense training steps. */
    dense_steps: number;
    /** dense_steps / the iterations of one dense run (the reference, or the members' recipe). */
    x_dense_run: number;
    reference_iterations: number;
    /** Sources whose cost is unknown (no completed summary): the total leaves them out. */
    unknown: string[];
  };
  parameters: {
    /** Parameters of one dense network (running statistics excluded). */
    dense: number;
    /** Nonzero (unmasked) parameters per member and over the ensemble. */
    members: number[];
    total: number;
  };
}

const BUFFER = /\.(running_mean|running_var|num_batches_tracked)$/;

/** Parameters a ticket keeps: every parameter tensor, masked ones counted by their masks. */
export function keptParameters(t: Ticket): { kept: number; dense: number } {
  const names = [...t.state.keys()].filter((name) => !BUFFER.test(name));
  return { kept: keptWeights(t, names), dense: weightCount(t, names) };
}

export function evaluateEnsemble(sources: string[], o: EnsembleOptions): EnsembleReport {
  const { files, costs, unknown } = resolveMembers(sources, o.minMembers);
  let tickets: Ticket[];
  try {
    tickets = files.map((f) => loadTicket(f, { allowDense: true }));
    for (let i = 1; i < tickets.length; i++) checkCompatible(tickets[0], tickets[i], `${files[0]} and ${files[i]}`);
    for (let i = 1; i < tickets.length; i++)
      if ((tickets[i].provenance.classes ?? 0) !== (tickets[0].provenance.classes ?? 0))
        throw new TicketError(`${files[0]} and ${files[i]} have different class counts`);
  } catch (e) {
    if (e instanceof TicketError) throw new UsageError(`ensemble: ${e.message}`);
    throw e;
  }
  const p = tickets[0].provenance;
  const ev = ticketEvaluator('ensemble', p, { dataDir: o.dataDir, threads: o.threads, splits: ['test'] });
  const test = ev.o.evalSets.test.set;
  if (o.metrics.includes('corruptions') && test.shape[0] !== 3)
    throw new UsageError(`ensemble: corruptions need RGB images; ${p.dataset} has ${test.shape[0]} channel(s)`);
  let current = -1;
  const suite = runSuite({
    members: tickets.length,
    use: (i) => {
      if (i !== current) applyTicket(ev.o.model, tickets[i]);
      current = i;
      return ev.o.model;
    },
    masks: (i) => (tickets[i].masks.size ? tickets[i].masks : undefined),
    kernels: ev.o.kernels,
    test,
    train: ev.o.bnData!.set,
    normalization: ev.o.normalization!,
    metrics: o.metrics,
    seed: o.seed,
    corruptions: { ...o.corruptions, threads: o.threads },
    oodSets: o.metrics.includes('ood') ? partnerOodSets(p.dataset ?? '') : [],
    oodSamples: o.oodSamples,
    fgsmSamples: o.fgsmSamples,
    progress: o.progress,
  });
  const known = [...costs.values()];
  const reference = o.denseReference ? runCost(o.denseReference)?.run_iterations : known[0]?.run_iterations;
  if (o.denseReference && reference === undefined)
    throw new UsageError(`ensemble: --dense-reference ${o.denseReference} is not a completed run`);
  const denseSteps = known.reduce((a, c) => a + c.dense_steps, 0);
  const kept = tickets.map(keptParameters);
  return {
    ...suite,
    member_files: files,
    training: {
      dense_steps: denseSteps,
      x_dense_run: reference ? denseSteps / reference : NaN,
      reference_iterations: reference ?? 0,
      unknown,
    },
    parameters: { dense: kept[0].dense, members: kept.map((k) => k.kept), total: kept.reduce((a, k) => a + k.kept, 0) },
  };
}
