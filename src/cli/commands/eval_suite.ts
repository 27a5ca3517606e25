// `sparsetickets eval --metrics …`: the evaluation suite of SPEC §10 for a checkpoint, a ticket or an ensemble of
// tickets. Every input is checked before any work (metric names, members' shapes and classes, the corruption
// files, OOD sets' image shapes); the report goes to stdout (--json: one document) and, with --save, to eval.json
// beside the run (tmp + rename).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CORRUPTIONS, isCorruption, type Corruption } from '../../data/corruptions.js';
import type { ImageSet } from '../../data/dataset.js';
import { CorruptionFiles } from '../../data/npy.js';
import { loadOodSet, partnerOodSets } from '../../data/ood.js';
import { loadDataset, type Normalization } from '../../data/registry.js';
import { splitValidation } from '../../data/split.js';
import { runSuite, SUITE_METRICS, type SuiteMetric, type SuiteReport } from '../../eval/suite.js';
import { getKernels, type Backend } from '../../kernels/index.js';
import type { Kernels } from '../../kernels/kernels.js';
import type { Module } from '../../nn/module.js';
import { createModelFor } from '../../run/model_fit.js';
import { applyTicket } from '../../tickets/ticket.js';
import { loadModelState } from '../../train/checkpoint.js';
import { writeFileAtomic } from '../../train/rundir.js';
import { numberOption, UsageError, type OptionSpec, type ParsedOptions } from '../args.js';
import { countOption, optionalCount } from '../limits.js';
import { checkpointInput, ticketInput, usage } from './eval_inputs.js';

/** The options `eval --metrics` and `ensemble` share: which corruptions and how many samples each set has. */
export const SUITE_SAMPLE_OPTIONS: Record<string, OptionSpec> = {
  corruptions: { type: 'string', value: 'LIST', description: 'corruption types [default: all 19]' },
  severities: { type: 'string', value: 'LIST', description: 'severities [default: 1,2,3,4,5]' },
  'corruption-samples': {
    type: 'string',
    value: 'N',
    description: 'generate corruptions of the first N test images [default: all]',
  },
  'ood-samples': {
    type: 'string',
    value: 'N',
    description: 'samples of the generated OOD sets [default: test size]',
  },
  'fgsm-samples': { type: 'string', value: 'N', description: 'attack the first N test images [default: all]' },
};

interface Subject {
  what: Record<string, unknown>;
  members: number;
  use: (i: number) => Module;
  masks: (i: number) => Map<string, Uint8Array> | undefined;
  kernels: Kernels;
  test: ImageSet;
  train: ImageSet;
  normalization: Normalization;
  classes: number;
  dataset: string;
  saveTo: string;
}

export function parseMetrics(raw: string, cmd = 'eval'): SuiteMetric[] {
  const names = raw === 'all' ? [...SUITE_METRICS] : raw.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(SUITE_METRICS as readonly string[]).includes(n));
  if (bad.length || names.length === 0)
    throw new UsageError(`${cmd}: unknown metric '${bad[0] ?? ''}'; valid metrics: ${SUITE_METRICS.join(', ')}, all`);
  return names as SuiteMetric[];
}

export function list<T>(
  raw: unknown,
  ok: (s: string) => boolean,
  what: string,
  valid: string,
  cmd = 'eval',
): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = String(raw)
    .split(',')
    .map((s) => s.trim());
  const bad = items.find((s) => !ok(s));
  if (bad !== undefined) throw new UsageError(`${cmd}: unknown ${what} '${bad}'; valid: ${valid}`);
  return items as T[];
}

function checkpointSubject(v: ParsedOptions, split: string, batchThreads: { threads?: number }): Subject {
  const { ck, stored, model, dataset: datasetName, width, architecture } = checkpointInput(v);
  const data = usage(() =>
    loadDataset(datasetName, {
      dataDir: (v['data-dir'] as string | undefined) ?? (stored.dataDir as string | undefined),
    }),
  );
  const k = usage(() => getKernels(v.backend as Backend, batchThreads.threads));
  const net = createModelFor(
    'eval',
    model,
    { name: datasetName, shape: data.shape },
    { width, numClasses: data.classes, kernels: k, ...architecture },
  );
  usage(() => loadModelState(net, ck));
  const masks = new Map<string, Uint8Array>();
  for (const [name, t] of ck.extra)
    if (name.endsWith('.mask')) masks.set(name.slice(0, -'.mask'.length), Uint8Array.from(t.data as ArrayLike<number>));
  const { train, val } = splitValidation(
    data.train,
    Number(stored.valFraction ?? 0.1),
    stored.trainSubset === undefined ? undefined : Number(stored.trainSubset),
  );
  const test = split === 'test' ? data.test : split === 'val' ? val : train;
  const dir = dirname(ck.path);
  const runDir = basename(dir) === 'checkpoints' ? dirname(dir) : dir;
  return {
    what: { checkpoint: ck.path, model, width },
    members: 1,
    use: () => net,
    masks: () => (masks.size ? masks : undefined),
    kernels: k,
    test,
    train,
    normalization: data.normalization,
    classes: data.classes,
    dataset: datasetName,
    saveTo: join(runDir, 'eval.json'),
  };
}

function ticketSubject(v: ParsedOptions, split: 'train' | 'val' | 'test', threads?: number): Subject {
  const { files, tickets, ev } = ticketInput(v, split, threads);
  const p = tickets[0].provenance;
  const loader = ev.o.evalSets[split];
  if (!loader) throw new UsageError(`eval: the ${split} split is empty`);
  let current = -1;
  const model = ev.o.model;
  const dir = dirname(files[0]);
  const name = files.map((f) => basename(f).replace(/\.safetensors$/, '')).join('+');
  return {
    what: { tickets: files, model: p.model },
    members: tickets.length,
    use: (i) => {
      if (i !== current) {
        applyTicket(model, tickets[i]);
        current = i;
      }
      return model;
    },
    masks: (i) => (tickets[i].masks.size ? tickets[i].masks : undefined),
    kernels: ev.o.kernels,
    test: loader.set,
    train: ev.o.bnData!.set,
    normalization: loader.o.normalization,
    classes: p.classes ?? 0,
    dataset: String(v.dataset ?? p.dataset),
    saveTo: join(dir, `eval-${name.length > 120 ? name.slice(0, 120) : name}.json`),
  };
}

export function suiteEval(v: ParsedOptions): void {
  const metrics = parseMetrics(String(v.metrics));
  const split = String(v.split) as 'train' | 'val' | 'test';
  const types = list<Corruption>(v.corruptions, isCorruption, 'corruption', CORRUPTIONS.join(', '));
  const sevs = list<string>(v.severities, (s) => /^[1-5]$/.test(s), 'severity', '1, 2, 3, 4, 5')?.map(Number);
  const opt = (name: 'corruption-samples' | 'ood-samples' | 'fgsm-samples' | 'threads') =>
    optionalCount('eval', v, name);
  const corruptionSamples = opt('corruption-samples');
  const oodSamples = opt('ood-samples');
  const fgsmSamples = opt('fgsm-samples');
  const hessianBatches = countOption('eval', v, 'hessian-batches');
  const hessianBatch = numberOption('eval', v, 'hessian-batch', { min: 1, integer: true });
  const seed = numberOption('eval', v, 'seed', { min: 0, integer: true });
  const batch = numberOption('eval', v, 'batch', { min: 1, integer: true });
  const threads = opt('threads');
  if (v.ticket !== undefined && v.checkpoint) throw new UsageError('eval: give --checkpoint or --ticket, not both');
  if (v.ticket === undefined && !v.checkpoint)
    throw new UsageError('eval: --checkpoint FILE or --ticket FILE is required');
  const subj = v.ticket !== undefined ? ticketSubject(v, split, threads) : checkpointSubject(v, split, { threads });
  if (!subj.classes) subj.classes = inferClasses(subj);
  // External sets, checked before any work.
  let files: CorruptionFiles | undefined;
  if (metrics.includes('corruptions')) {
    if (subj.test.shape[0] !== 3)
      throw new UsageError(`eval: corruptions need RGB images; ${subj.dataset} has ${subj.test.shape[0]} channel(s)`);
    if (v['corruptions-dir'] !== undefined) {
      const dir = String(v['corruptions-dir']);
      if (!existsSync(dir)) throw new UsageError(`eval: --corruptions-dir ${dir} not found`);
      files = usage(() => new CorruptionFiles(dir, types ?? CORRUPTIONS, subj.test.shape, subj.classes));
    }
  } else if (v['corruptions-dir'] !== undefined || types || sevs || corruptionSamples)
    throw new UsageError('eval: corruption options need --metrics corruptions');
  const oodSets: { name: string; set: ImageSet }[] = [];
  for (const spec of (v['ood-dir'] as string[] | undefined) ?? []) {
    if (!metrics.includes('ood')) throw new UsageError('eval: --ood-dir needs --metrics ood');
    oodSets.push(usage(() => loadOodSet(spec, subj.test.shape)));
  }
  if (metrics.includes('ood') && !oodSets.some((s) => s.name === 'mnist' || s.name === 'fashion-mnist'))
    oodSets.push(...partnerOodSets(subj.dataset));
  const quiet = Boolean(v.json);
  const t0 = performance.now();
  const report = runSuite({
    members: subj.members,
    use: subj.use,
    masks: subj.masks,
    kernels: subj.kernels,
    test: subj.test,
    train: subj.train,
    normalization: subj.normalization,
    metrics,
    batch,
    seed,
    corruptions: { types, severities: sevs, files, limit: corruptionSamples, threads },
    oodSets,
    oodSamples,
    fgsmSamples,
    hessian: { batches: hessianBatches, batchSize: hessianBatch },
    progress: quiet ? undefined : (line) => process.stderr.write(`  ${line}\n`),
  });
  report.timings.total = (performance.now() - t0) / 1000;
  const doc = { ...subj.what, dataset: subj.dataset, split, metrics, ...report };
  if (v.save) writeFileAtomic(subj.saveTo, JSON.stringify(doc, null, 1) + '\n');
  if (v.json) process.stdout.write(JSON.stringify(doc) + '\n');
  else process.stdout.write(formatReport(report) + (v.save ? `report written to ${subj.saveTo}\n` : ''));
}

function inferClasses(s: Subject): number {
  const m = s.use(0);
  const shape = [1, ...s.test.shape];
  const out = m.forward({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });
  return out.shape[1];
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const line = (m: { accuracy: number; nll: number; ece: number }) =>
  `acc ${pct(m.accuracy)}  NLL ${m.nll.toFixed(4)}  ECE ${m.ece.toFixed(4)}`;

export function formatReport(r: SuiteReport): string {
  const out: string[] = [];
  if (r.calibration) {
    out.push(`Calibration (${r.samples} samples)`);
    r.calibration.members.forEach((m, i) => out.push(`  member ${i}: ${line(m)}`));
    if (r.calibration.ensemble) out.push(`  ensemble: ${line(r.calibration.ensemble)}`);
  }
  if (r.ensemble)
    out.push(
      `Ensemble diversity: mean disagreement ${r.ensemble.meanDisagreement.toFixed(4)}, mean KL ${r.ensemble.meanKl.toFixed(4)}`,
    );
  if (r.corruptions) {
    const c = r.corruptions;
    out.push(`Corruptions (${c.source}, ${c.samples} images per type and severity): accuracy by severity`);
    const sevs = Object.keys(Object.values(c.table)[0] ?? {});
    out.push(`  ${'type'.padEnd(18)} ${sevs.map((s) => `s${s}`.padStart(8)).join('')}`);
    for (const [t, row] of Object.entries(c.table))
      out.push(`  ${t.padEnd(18)} ${sevs.map((s) => pct(row[s].accuracy).padStart(8)).join('')}`);
    out.push(`  mean: ${line(c.mean)}   pooled ECE ${c.pooled.ece.toFixed(4)}`);
    out.push(`  generated in ${c.generateSeconds.toFixed(1)} s, predicted in ${c.predictSeconds.toFixed(1)} s`);
  }
  if (r.ood) {
    out.push('OOD detection ROC-AUC (MSP / negative entropy)');
    for (const [name, o] of Object.entries(r.ood))
      out.push(`  ${name.padEnd(18)} ${o.msp.toFixed(4)} / ${o.entropy.toFixed(4)}  (${o.samples})`);
  }
  if (r.fgsm) {
    out.push(`FGSM ε = 8/255 (${r.fgsm.samples} samples)`);
    r.fgsm.members?.forEach((m, i) => out.push(`  member ${i}: ${line(m)}`));
    const e = r.fgsm.ensemble;
    if (e)
      out.push(
        `  ensemble (crafted per member): min ${pct(e.min.accuracy)} mean ${pct(e.mean.accuracy)} max ${pct(e.max.accuracy)}`,
      );
  }
  if (r.hessian)
    r.hessian.members.forEach((m, i) =>
      out.push(
        `Hessian top eigenvalue, member ${i}: ${m.mean.toFixed(3)} (mean of ${m.eigenvalues.length} batches of ${r.hessian!.batchSize})`,
      ),
    );
  if (r.sparsity)
    r.sparsity.members.forEach((m, i) => {
      const t = m.table;
      out.push(
        `Sparsity, member ${i}: ${pct(t.sparsity)} of ${t.size} prunable weights; effective ${pct(t.effectiveSparsity)} (${t.kept - t.effective} kept weights on no input-output path)`,
      );
      for (const l of t.layers)
        out.push(`  ${l.layer.padEnd(28)} density ${l.density.toFixed(4)}  effective ${l.effectiveDensity.toFixed(4)}`);
      const mean = m.activation.reduce((s, a) => s + a.sparsity, 0) / Math.max(1, m.activation.length);
      out.push(`  activation sparsity (|a| ≤ 0.01), mean over ${m.activation.length} layers: ${pct(mean)}`);
    });
  out.push(
    `Timings (s): ${Object.entries(r.timings)
      .map(([k, t]) => `${k} ${t.toFixed(2)}`)
      .join(', ')}`,
  );
  return out.join('\n') + '\n';
}
