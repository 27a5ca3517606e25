// A sweep's ensembles stage (FreeTickets' tables, SPEC §8): after its runs, the ensembles the sweep file asks for
// are evaluated with the suite and written as runs/<sweep>/ensembles/<name>/ (config.json: the first member's
// config; summary.json: one row with the ensemble's metrics, its training FLOPs × one dense run and its
// parameters), which `report` tabulates beside the runs, grouped as any run is (every key but the seed).
// Finished ensembles are not evaluated again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../run/training.js';
import { evaluateEnsemble, type EnsembleReport } from '../pipelines/ensemble_eval.js';
import type { PipelineRow, PipelineSummary } from '../pipelines/pipeline_common.js';
import { readJson } from '../util/json.js';
import { writeFileAtomic, makeDirs } from '../train/rundir.js';
import { canonicalJson, renderName, withoutExecutionKeys, type EnsembleStage, type SweepPlan } from './sweep_file.js';

/** Whether a run is an ensemble by itself: EDST's free tickets, or a pipeline's ensemble.json. */
function isSelfEnsemble(dir: string): boolean {
  if (existsSync(join(dir, 'ensemble.json'))) return true;
  const t = join(dir, 'tickets');
  return existsSync(t) && readdirSync(t).some((f) => /^member-\d+\.safetensors$/.test(f));
}

/** The ensembles a stage makes of a sweep's completed runs: [name, member run names]. */
export function planEnsembles(plan: SweepPlan, dir: string, stage: EnsembleStage): { name: string; runs: string[] }[] {
  const completed = plan.runs.filter(
    (r) => readJson<RunSummary>(join(dir, r.name, 'summary.json'))?.status === 'completed',
  );
  const out: { name: string; runs: string[] }[] = [];
  const groups = new Map<string, typeof completed>();
  for (const r of completed) {
    if (isSelfEnsemble(join(dir, r.name))) {
      out.push({ name: r.name, runs: [r.name] });
      continue;
    }
    if (stage.singles) out.push({ name: `${r.name}-x1`, runs: [r.name] });
    const c = withoutExecutionKeys(r.config);
    delete c.seed;
    const key = canonicalJson(c);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  for (const runs of groups.values()) {
    const bySeed = [...runs].sort((a, b) => Number(a.config.seed ?? 0) - Number(b.config.seed ?? 0));
    for (let i = 0; i + stage.size <= bySeed.length; i += stage.size) {
      const members = bySeed.slice(i, i + stage.size);
      out.push({ name: `${members[0].name}-x${stage.size}`, runs: members.map((m) => m.name) });
    }
  }
  return out;
}

function rowOf(r: EnsembleReport, runs: string[]): PipelineRow {
  const single = r.members === 1;
  const test = single ? r.calibration?.members[0] : r.calibration?.ensemble;
  const fgsm = single ? r.fgsm?.members?.[0] : r.fgsm?.ensemble?.mean;
  return {
    point: { members: r.members },
    metrics: {
      test: test ? { accuracy: test.accuracy, nll: test.nll, ece: test.ece } : { accuracy: NaN, nll: NaN, ece: NaN },
      ...(r.corruptions ? { corruption: r.corruptions.mean } : {}),
      ...(r.ood ? { ood: Object.fromEntries(Object.entries(r.ood).map(([k, o]) => [k, o.msp])) } : {}),
      ...(fgsm ? { fgsm } : {}),
    },
    training_flops: r.training.x_dense_run,
    parameters: r.parameters.total,
    ingredients: runs,
  };
}

/** Evaluates every planned ensemble not yet evaluated; returns how many it evaluated. */
export function runEnsembleStage(
  plan: SweepPlan,
  dir: string,
  o: { threads?: number; log?: (line: string) => void } = {},
): number {
  const stage = plan.ensembles;
  if (!stage) return 0;
  const log = o.log ?? (() => {});
  let evaluated = 0;
  const configOf = (name: string) => plan.runs.find((r) => r.name === name)!.config;
  for (const e of planEnsembles(plan, dir, stage)) {
    const out = join(dir, 'ensembles', e.name);
    const done = readJson<PipelineSummary>(join(out, 'summary.json'));
    if (done?.status === 'completed' && canonicalJson(done.rows[0]?.ingredients) === canonicalJson(e.runs)) continue;
    log(`ensembles: ${e.name} (${e.runs.join(', ')})`);
    const started = performance.now();
    const report = evaluateEnsemble(
      e.runs.map((r) => join(dir, r)),
      {
        metrics: stage.metrics,
        corruptions: { limit: stage.corruptionSamples },
        oodSamples: stage.oodSamples,
        fgsmSamples: stage.fgsmSamples,
        threads: o.threads,
        denseReference: stage.reference ? join(dir, renderName(stage.reference, configOf(e.runs[0]))) : undefined,
        minMembers: 1,
      },
    );
    makeDirs(out);
    writeFileAtomic(join(out, 'config.json'), readFileSync(join(dir, e.runs[0], 'config.json'), 'utf8'));
    const summary: PipelineSummary = {
      status: 'completed',
      kind: 'ensemble',
      wall_seconds: (performance.now() - started) / 1000,
      rounds: [],
      rows: [rowOf(report, e.runs)],
    };
    writeFileAtomic(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    writeFileAtomic(join(out, 'eval.json'), JSON.stringify(report) + '\n');
    evaluated++;
  }
  return evaluated;
}
