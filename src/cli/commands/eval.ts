// `sparsetickets eval`: accuracy, NLL and ECE of a checkpoint on a dataset split.
import { BatchLoader } from '../../data/loader.js';
import { DataError } from '../../data/dataset.js';
import { DATASET_NAMES, loadDataset } from '../../data/registry.js';
import { splitValidation } from '../../data/split.js';
import { MetricAccumulator } from '../../eval/metrics.js';
import { BACKENDS, getKernels, type Backend } from '../../kernels/index.js';
import { CrossEntropyLoss } from '../../nn/loss.js';
import { loadModelState } from '../../train/checkpoint.js';
import type { Metrics } from '../../eval/metrics.js';
import { meanPredictions, metricsOf } from '../../eval/predict.js';
import { numberOption, parseCommand, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import { optionalCount } from '../limits.js';
import { createModelFor } from '../../run/model_fit.js';
import { SUITE_METRICS } from '../../eval/suite.js';
import { checkpointInput, ticketInput } from './eval_inputs.js';
import { SUITE_SAMPLE_OPTIONS, suiteEval } from './eval_suite.js';

const spec: CommandSpec = {
  name: 'eval',
  summary:
    'Evaluate a checkpoint, a ticket, or an ensemble of tickets (accuracy, NLL, ECE with 15 bins). The model,\n' +
    "width and dataset come from the checkpoint's stored config or the ticket's provenance; flags override them.",
  options: {
    checkpoint: { type: 'string', value: 'FILE', description: 'a .safetensors checkpoint' },
    ticket: {
      type: 'string',
      value: 'FILE',
      multiple: true,
      description: 'a ticket (or model.safetensors); several: each one and their prediction ensemble',
    },
    model: { type: 'string', value: 'NAME', description: 'zoo model [default: from the checkpoint]' },
    width: { type: 'string', value: 'W', description: 'width multiplier [default: from the checkpoint, else 1]' },
    dataset: {
      type: 'string',
      value: 'NAME',
      description: `${DATASET_NAMES.join(' | ')} [default: from the checkpoint]`,
    },
    'data-dir': { type: 'string', value: 'DIR', description: 'dataset directory [default: from the checkpoint]' },
    split: {
      type: 'string',
      value: 'S',
      default: 'test',
      choices: ['test', 'val', 'train'],
      description: 'which split',
    },
    batch: { type: 'string', value: 'N', default: '500', description: 'evaluation batch size' },
    threads: { type: 'string', value: 'T', description: 'threads [default: all cores]' },
    backend: { type: 'string', value: 'B', default: 'auto', choices: BACKENDS, description: 'kernels' },
    json: { type: 'boolean', description: 'print the metrics as JSON on stdout' },
    metrics: {
      type: 'string',
      value: 'LIST',
      description: `the evaluation suite: comma-separated ${SUITE_METRICS.join(', ')}, or all (SPEC §10)`,
    },
    'corruptions-dir': {
      type: 'string',
      value: 'DIR',
      description: 'real CIFAR-10-C / CIFAR-100-C .npy files (<type>.npy, labels.npy) [default: generate them]',
    },
    ...SUITE_SAMPLE_OPTIONS,
    'ood-dir': {
      type: 'string',
      value: 'NAME=PATH',
      multiple: true,
      description: 'an extra OOD set: svhn=test_32x32.mat, cifar100=DIR, cifar10=DIR, mnist=DIR, fashion-mnist=DIR',
    },
    'hessian-batches': { type: 'string', value: 'N', default: '10', description: 'training batches for the Hessian' },
    'hessian-batch': { type: 'string', value: 'N', default: '128', description: 'their size' },
    seed: { type: 'string', value: 'S', default: '0', description: 'seed of generated corruptions, noise, batches' },
    save: {
      type: 'boolean',
      description: "write the report to eval.json in the run directory (the ticket's directory for tickets)",
    },
  },
  examples: [
    'sparsetickets eval --checkpoint runs/lenet300-mnist-s0/checkpoints/last.safetensors',
    'sparsetickets eval --ticket runs/r/tickets/ultimate.safetensors',
    'sparsetickets eval --ticket runs/r/tickets/cheap-1.safetensors --ticket runs/r/tickets/cheap-2.safetensors',
    'sparsetickets eval --checkpoint runs/r20/checkpoints/last.safetensors --metrics all --corruption-samples 1000 --save',
    'sparsetickets eval --checkpoint runs/r20/model.safetensors --metrics corruptions --corruptions-dir ~/CIFAR-10-C --json',
    'sparsetickets eval --ticket a.safetensors --ticket b.safetensors --metrics calibration,ensemble,ood,fgsm \\\n' +
      '      --ood-dir svhn=~/svhn/test_32x32.mat --ood-dir cifar100=~/cifar-100-binary',
  ],
};

export const evalCommand = {
  summary: 'evaluate a checkpoint on a dataset split',
  run(argv: string[]): void {
    const v = parseCommand(spec, argv);
    if (!v) return;
    if (v.metrics !== undefined) {
      suiteEval(v);
      return;
    }
    for (const o of [
      'corruptions-dir',
      'corruptions',
      'severities',
      'corruption-samples',
      'ood-dir',
      'ood-samples',
      'fgsm-samples',
      'save',
    ])
      if (v[o] !== undefined && v[o] !== false) throw new UsageError(`eval: --${o} needs --metrics`);
    if (v.ticket !== undefined) {
      if (v.checkpoint) throw new UsageError('eval: give --checkpoint or --ticket, not both');
      evalTickets(v);
      return;
    }
    if (!v.checkpoint) throw new UsageError('eval: --checkpoint FILE or --ticket FILE is required');
    const { ck, stored, model, dataset: datasetName, width, architecture } = checkpointInput(v);
    const batch = numberOption('eval', v, 'batch', { min: 1, integer: true });
    const threads = optionalCount('eval', v, 'threads');
    let data;
    try {
      data = loadDataset(datasetName, {
        dataDir: (v['data-dir'] as string | undefined) ?? (stored.dataDir as string | undefined),
      });
    } catch (e) {
      if (e instanceof DataError) throw new UsageError(`eval: ${e.message}`);
      throw e;
    }
    let k;
    try {
      k = getKernels(v.backend as Backend, threads);
    } catch (e) {
      throw new UsageError(`eval: ${(e as Error).message}`);
    }
    const dataset = { name: datasetName, shape: data.shape };
    const net = createModelFor('eval', model, dataset, {
      width,
      numClasses: data.classes,
      kernels: k,
      ...architecture,
    });
    try {
      loadModelState(net, ck);
    } catch (e) {
      throw new UsageError(`eval: ${(e as Error).message}`);
    }
    net.eval();
    const { train, val } = splitValidation(
      data.train,
      Number(stored.valFraction ?? 0.1),
      stored.trainSubset === undefined ? undefined : Number(stored.trainSubset),
    );
    const set = v.split === 'test' ? data.test : v.split === 'val' ? val : train;
    const loader = new BatchLoader(set, {
      batch,
      shuffle: false,
      augment: false,
      normalization: data.normalization,
      seed: 0,
    });
    const acc = new MetricAccumulator();
    const ce = new CrossEntropyLoss(0, k);
    for (const b of loader.epoch(0)) {
      const { probs } = ce.compute(net.forward({ data: b.x, shape: b.shape }), b.y);
      acc.add(probs.data, b.y, b.n, probs.shape[1]);
    }
    const m = acc.result();
    const result = { checkpoint: ck.path, model, dataset: datasetName, split: v.split, samples: set.n, ...m };
    if (v.json) process.stdout.write(JSON.stringify(result) + '\n');
    else
      process.stdout.write(
        `${model} on ${datasetName} ${String(v.split)} (${set.n} samples): accuracy ${(100 * m.accuracy).toFixed(2)}%, ` +
          `NLL ${m.nll.toFixed(4)}, ECE ${m.ece.toFixed(4)}\n`,
      );
  },
};

/** eval --ticket A [--ticket B …]: each ticket's metrics on the split, and the prediction ensemble's (mean of
 * softmaxes) when there are several. Data and model come from the first ticket's provenance unless overridden. */
function evalTickets(v: ParsedOptions): void {
  const split = String(v.split) as 'train' | 'val' | 'test';
  const threads = optionalCount('eval', v, 'threads');
  const { files, tickets, ev } = ticketInput(v, split, threads);
  const p = tickets[0].provenance;
  const members = tickets.map((t) => ev.predict(t, split));
  const metrics = members.map(metricsOf);
  const ensemble = tickets.length > 1 ? metricsOf(meanPredictions(members)) : undefined;
  const result = {
    tickets: files,
    model: p.model,
    dataset: v.dataset ?? p.dataset,
    split,
    samples: members[0].labels.length,
    members: metrics.map((m, i) => ({ ticket: files[i], ...m })),
    ...(ensemble ? { ensemble } : metrics[0]),
  };
  if (v.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const line = (m: Metrics) =>
    `accuracy ${(100 * m.accuracy).toFixed(2)}%, NLL ${m.nll.toFixed(4)}, ECE ${m.ece.toFixed(4)}`;
  const lines = metrics.map((m, i) => `${files[i]}: ${line(m)}`);
  if (ensemble) lines.push(`ensemble of ${tickets.length} (mean of softmaxes): ${line(ensemble)}`);
  process.stdout.write(`${p.model} on ${result.dataset} ${split} (${result.samples} samples)\n${lines.join('\n')}\n`);
}
