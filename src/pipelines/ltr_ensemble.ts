// FreeTickets' LTR Ensemble (SPEC §8; papers/freetickets.txt, the baselines — the authors' script does not run, so
// this follows the paper's description): one run of gradual magnitude pruning (GMP) to the sparsity S, whose
// whole state is saved at the rewind point (5% of training), then M retrains of GMP's final mask from that state
// with other seeds (the data order; rewinding as SPEC §5: fresh optimiser, LR schedule resumed at the rewind
// epoch). The pipeline directory:
//   config.json, gmp/ (the GMP run), rewind.safetensors, member-N/ (the retrains), ensemble.json (the members
//   and the training FLOPs of everything, read by `ensemble` and a sweep's ensembles stage), summary.json
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../run/config.js';
import type { PipelineConfig } from '../run/pipeline_config.js';
import { runProvenance } from '../run/provenance.js';
import { runTraining, type RunSummary } from '../run/training.js';
import { writeFileAtomic } from '../train/rundir.js';
import { UsageError } from '../util/errors.js';
import { readJson } from '../util/json.js';
import type { EnsembleManifest } from './ensemble_eval.js';
import { RewindPoint, staticSparse } from './lottery.js';
import type { PipelineOptions, PipelineSummary } from './pipeline_common.js';
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

const readSummary = (dir: string) => readJson<RunSummary>(join(dir, 'summary.json'));

export async function runLtrEnsemble(c: TrainConfig, o: PipelineOptions = {}): Promise<PipelineSummary> {
  const p = c.pipeline as LtrConfig;
  checkLtrEnsemble(c, p);
  const started = performance.now();
  const name = c.name ?? `${c.model}-${c.dataset}-ltr-ensemble-s${c.seed}`;
  const dir = join(c.runsDir, name);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'config.json')))
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify(c, null, 2) + '\n');
  const { pipeline: _, ...recipe } = c;
  const k = ltrRewindEpoch(c, p);
  const rewindFile = join(dir, 'rewind.safetensors');
  const done = (sub: string) => readSummary(join(dir, sub))?.status === 'completed';
  const interrupted = (): PipelineSummary => {
    const s: PipelineSummary = { status: 'interrupted', kind: 'ltr-ensemble', wall_seconds: 0, rounds: [], rows: [] };
    writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(s, null, 2) + '\n');
    return s;
  };
  // GMP, saving the whole state at the rewind point.
  const gmp =
    (done('gmp') ? readSummary(join(dir, 'gmp')) : undefined) ??
    (await runTraining(
      { ...recipe, name: 'gmp', runsDir: dir },
      {
        mode: existsSync(join(dir, 'gmp', 'checkpoints', 'last.safetensors')) ? 'resume' : 'overwrite',
        quiet: o.quiet,
      },
      (ctx) => [
        new RewindPoint(rewindFile, k * ctx.itersPerEpoch, () => ({
          ...runProvenance(c, ctx.classes, 'gmp', join(dir, 'gmp')),
          density: 1,
        })),
        ...(o.hooks?.() ?? []),
      ],
    ));
  if (gmp.status !== 'completed') return interrupted();
  const masks = loadTicket(join(dir, 'gmp', 'model.safetensors')).masks;
  const state = loadTicket(rewindFile, { allowDense: true }).state;
  const members: string[] = [];
  let denseSteps = (gmp.sparse?.training_flops ?? 1) * gmp.iterations;
  for (let m = 1; m <= p.members; m++) {
    const sub = `member-${m}`;
    let s = readSummary(join(dir, sub));
    if (s?.status !== 'completed') {
      const resume = existsSync(join(dir, sub, 'checkpoints', 'last.safetensors'));
      o.log?.(`${name}: ${sub} ${resume ? 'resumes' : 'starts'} (seed ${memberSeed(c.seed, m)})`);
      s = await runTraining(
        { ...recipe, sparse: staticSparse(recipe), seed: memberSeed(c.seed, m), name: sub, runsDir: dir },
        {
          mode: resume ? 'resume' : 'overwrite',
          quiet: o.quiet,
          start: resume ? undefined : { state, masks, epoch: k },
        },
        () => o.hooks?.() ?? [],
      );
      if (s.status !== 'completed') return interrupted();
    }
    members.push(`${sub}/model.safetensors`);
    denseSteps += (s.sparse?.training_flops ?? 1) * s.iterations;
  }
  const manifest: EnsembleManifest = { members, dense_steps: denseSteps, run_iterations: gmp.iterations };
  writeFileAtomic(join(dir, 'ensemble.json'), JSON.stringify(manifest, null, 2) + '\n');
  const summary: PipelineSummary = {
    status: 'completed',
    kind: 'ltr-ensemble',
    wall_seconds: (performance.now() - started) / 1000,
    rounds: [],
    rows: [],
  };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
