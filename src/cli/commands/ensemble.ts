// `sparsetickets ensemble SOURCE…`: the evaluation suite on an ensemble of tickets (FreeTickets' all-round
// evaluation, SPEC §8 and §10) with its training FLOPs and parameter count.
import { CORRUPTIONS, isCorruption, type Corruption } from '../../data/corruptions.js';
import { join } from 'node:path';
import { evaluateEnsemble, resolveMembers } from '../../pipelines/ensemble_eval.js';
import { writeFileAtomic } from '../../train/rundir.js';
import { numberOption, parseCommandLine, type CommandSpec } from '../args.js';
import { optionalCount } from '../limits.js';
import { checkOutput, OVERWRITE_OPTION } from '../output.js';
import { formatReport, list, parseMetrics, SUITE_SAMPLE_OPTIONS } from './eval_suite.js';

const spec: CommandSpec = {
  name: 'ensemble',
  summary:
    'Evaluate an ensemble (mean of the members’ softmaxes) with the evaluation suite, and say what it cost to\n' +
    'train. A SOURCE is a ticket file, a run directory (its model.safetensors), an EDST run (its free tickets\n' +
    'tickets/member-*.safetensors) or a pipeline directory with ensemble.json (LTR Ensemble). Training FLOPs are\n' +
    "summed over the members' runs (a run that produced several members counts once), in dense training steps\n" +
    'and × one dense run (--dense-reference, or a dense run of the first source’s recipe); parameters are the\n' +
    "members' unmasked weights.",
  positionals: { usage: 'SOURCE…', min: 1 },
  options: {
    metrics: {
      type: 'string',
      value: 'LIST',
      default: 'calibration,ensemble,ood,fgsm',
      description: 'suite metrics (calibration, ensemble, corruptions, ood, fgsm, hessian, sparsity, or all)',
    },
    'dense-reference': {
      type: 'string',
      value: 'RUN',
      description: 'a dense run whose length is the unit of "× one dense run"',
    },
    ...SUITE_SAMPLE_OPTIONS,
    'data-dir': { type: 'string', value: 'DIR', description: "dataset directory [default: the members']" },
    seed: { type: 'string', value: 'S', default: '0', description: 'seed of the generated sets' },
    threads: { type: 'string', value: 'T', description: 'threads [default: all cores]' },
    out: { type: 'string', value: 'FILE', description: 'also write the JSON report to FILE (tmp + rename)' },
    overwrite: OVERWRITE_OPTION,
    json: { type: 'boolean', description: 'print the report as JSON on stdout' },
  },
  examples: [
    'sparsetickets ensemble runs/dst-s0 runs/dst-s1 runs/dst-s2 --dense-reference runs/dense-s0',
    'sparsetickets ensemble runs/edst-s0 --metrics calibration,ensemble,ood,fgsm,corruptions --corruption-samples 1000',
  ],
};

export const ensembleCommand = {
  summary: 'the evaluation suite on an ensemble of tickets, with its training FLOPs and parameters',
  run(argv: string[]): void {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const v = parsed.values;
    const opt = (name: 'corruption-samples' | 'ood-samples' | 'fgsm-samples' | 'threads') =>
      optionalCount('ensemble', v, name);
    if (v.out !== undefined) {
      // Before any work: never a member, a run's summary or the reference; an existing file only with --overwrite.
      const sources = parsed.positionals;
      const dirs = [...sources, ...(v['dense-reference'] !== undefined ? [String(v['dense-reference'])] : [])];
      const inputs = [
        ...dirs,
        ...dirs.flatMap((d) => ['summary.json', 'ensemble.json', 'model.safetensors'].map((f) => join(d, f))),
        ...resolveMembers(sources, 0).files,
      ];
      checkOutput('ensemble', String(v.out), { overwrite: v.overwrite === true, inputs });
    }
    const metrics = parseMetrics(String(v.metrics), 'ensemble');
    const types = list<Corruption>(v.corruptions, isCorruption, 'corruption', CORRUPTIONS.join(', '), 'ensemble');
    const sevs = list<string>(v.severities, (s) => /^[1-5]$/.test(s), 'severity', '1, 2, 3, 4, 5', 'ensemble');
    const report = evaluateEnsemble(parsed.positionals, {
      metrics,
      corruptions: { types, severities: sevs?.map(Number), limit: opt('corruption-samples') },
      oodSamples: opt('ood-samples'),
      fgsmSamples: opt('fgsm-samples'),
      threads: opt('threads'),
      dataDir: v['data-dir'] as string | undefined,
      seed: numberOption('ensemble', v, 'seed', { min: 0, integer: true }),
      denseReference: v['dense-reference'] as string | undefined,
      progress: v.json ? undefined : (line) => process.stderr.write(`  ${line}\n`),
    });
    const text = JSON.stringify(report);
    if (v.out) writeFileAtomic(String(v.out), text + '\n');
    if (v.json) return void process.stdout.write(text + '\n');
    const t = report.training;
    process.stdout.write(
      `Ensemble of ${report.members}: ${report.member_files.join(', ')}\n` +
        formatReport(report) +
        `Training FLOPs: ${t.dense_steps.toFixed(0)} dense steps = ${t.x_dense_run.toFixed(3)} × one dense run ` +
        `(${t.reference_iterations} iterations)${t.unknown.length ? `; unknown for ${t.unknown.join(', ')}` : ''}\n` +
        `Parameters: ${report.parameters.total} kept over the ensemble (${report.parameters.members.join(' + ')}); ` +
        `one dense network ${report.parameters.dense}\n`,
    );
  },
};
