// FreeTickets' LTR Ensemble (SPEC §8; papers/freetickets.txt, the baselines — the authors' script does not run, so
// this follows the paper's description): one run of gradual magnitude pruning (GMP) to the sparsity S, whose
// whole state is saved at the rewind point (5% of training), then M retrains of GMP's final mask from that state
// with other seeds (the data order; rewinding as SPEC §5: fresh optimiser, LR schedule resumed at the rewind
// epoch). The pipeline directory:
//   config.json, gmp/ (the GMP run), rewind.safetensors, member-N/ (the retrains), ensemble.json (the members
//   and the training FLOPs of everything, read by `ensemble` and a sweep's ensembles stage), summary.json
import { join } from 'node:path';
import type { TrainConfig } from '../run/config.js';
import type { PipelineConfig } from '../run/pipeline_config.js';
import { runProvenance } from '../run/provenance.js';
import { runOnce } from '../run/run_once.js';
import type { RunSummary } from '../run/summary.js';
import { writeFileAtomic } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import type { EnsembleManifest } from './ensemble_eval.js';
import { RewindPoint, staticSparse } from './lottery.js';
import {
  openPipelineDir,
  writePipelineSummary,
  type PipelineOptions,
  type PipelineSummary,
} from './pipeline_common.js';
import { loadTicket } from '../tickets/ticket.js';

type LtrConfig = Extract<PipelineConfig, { kind: 'ltr-ensemble' }>;

/** The rewind epoch: as configured, or 5% of training rounded (SPEC §8). */
export const ltrRewindEpoch = (c: TrainConfig, p: LtrConfig) => p.rewindEpoch ?? Math.round(0.05 * c.epochs);

/** Member m's seed: distinct from every pipeline seed below 1000 and from each other. */
export const memberSeed = (seed: number, m: number) => seed + 1000 * m;

export function checkLtrEnsemble(c: TrainConfig, p: LtrConfig): void {
  if (c.sparse?.method !== 'gmp')
    throw new UsageError(
      `pipeline ltr-ensemble: the recipe must prune with sparse.method gmp, not ${c.sparse?.method ?? 'dense'}`,
    );
  if (c.booster) throw new UsageError('pipeline ltr-ensemble: a booster does not apply');
  const k = ltrRewindEpoch(c, p);
  if (k >= c.epochs)
    throw new UsageError(
      `pipeline ltr-ensemble: rewind epoch ${k} must be before the end of training (0 … ${c.epochs - 1})`,
    );
}

export async function runLtrEnsemble(c: TrainConfig, o: PipelineOptions = {}): Promise<PipelineSummary> {
  const p = c.pipeline as LtrConfig;
  checkLtrEnsemble(c, p);
  const started = performance.now();
  const { dir, name } = openPipelineDir(c);
  const end = (status: PipelineSummary['status']) =>
    writePipelineSummary(dir, { status, kind: 'ltr-ensemble', started, rounds: [], rows: [] });
  const { pipeline: _, ...recipe } = c;
  const k = ltrRewindEpoch(c, p);
  const rewindFile = join(dir, 'rewind.safetensors');
  // GMP, saving the whole state at the rewind point.
  const gmp = await runOnce({ ...recipe, name: 'gmp', runsDir: dir }, undefined, {
    quiet: o.quiet,
    hooks: (ctx) => [
      new RewindPoint(rewindFile, k * ctx.itersPerEpoch, () => ({
        ...runProvenance(c, ctx.classes, 'gmp', join(dir, 'gmp')),
        density: 1,
      })),
      ...(o.hooks?.() ?? []),
    ],
  });
  if (gmp.status !== 'completed') return end('interrupted');
  // The members: GMP's final mask retrained from the rewind point, each with its own seed.
  const start = {
    state: loadTicket(rewindFile, { allowDense: true }).state,
    masks: loadTicket(join(dir, 'gmp', 'model.safetensors')).masks,
    epoch: k,
  };
  const members: string[] = [];
  let denseSteps = denseStepsOf(gmp);
  for (let m = 1; m <= p.members; m++) {
    const sub = `member-${m}`;
    const seed = memberSeed(c.seed, m);
    const s = await runOnce({ ...recipe, sparse: staticSparse(recipe), seed, name: sub, runsDir: dir }, start, {
      quiet: o.quiet,
      hooks: () => o.hooks?.() ?? [],
      onBegin: (action) => o.log?.(`${name}: ${sub} ${action} (seed ${seed})`),
    });
    if (s.status !== 'completed') return end('interrupted');
    members.push(`${sub}/model.safetensors`);
    denseSteps += denseStepsOf(s);
  }
  const manifest: EnsembleManifest = { members, dense_steps: denseSteps, run_iterations: gmp.iterations };
  writeFileAtomic(join(dir, 'ensemble.json'), JSON.stringify(manifest, null, 2) + '\n');
  return end('completed');
}

/** A run's training FLOPs in dense training steps. */
const denseStepsOf = (s: RunSummary) => (s.sparse?.training_flops ?? 1) * s.iterations;
