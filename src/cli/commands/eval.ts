// `sparsetickets eval`: accuracy, NLL and ECE of a checkpoint on a dataset split.
import { BatchLoader } from '../../data/loader.js';
import { DataError } from '../../data/dataset.js';
import { DATASET_NAMES, isDatasetName, loadDataset } from '../../data/registry.js';
import { splitValidation } from '../../data/split.js';
import { MetricAccumulator } from '../../eval/metrics.js';
import { BACKENDS, getKernels, type Backend } from '../../kernels/index.js';
import { MODEL_NAMES, isModelName } from '../../models/index.js';
import { CrossEntropyLoss } from '../../nn/loss.js';
import { loadModelState, readCheckpoint } from '../../train/checkpoint.js';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { createModelFor } from '../../run/model_fit.js';

const spec: CommandSpec = {
  name: 'eval',
  summary:
    'Evaluate a checkpoint (accuracy, NLL, ECE with 15 bins). The model, width and dataset come from the\n' +
    "checkpoint's stored config; flags override them (needed for checkpoints written elsewhere).",
  options: {
    checkpoint: { type: 'string', value: 'FILE', description: 'a .safetensors checkpoint (required)' },
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
  },
  examples: ['sparsetickets eval --checkpoint runs/lenet300-mnist-s0/checkpoints/last.safetensors'],
};

export const evalCommand = {
  summary: 'evaluate a checkpoint on a dataset split',
  run(argv: string[]): void {
    const v = parseCommand(spec, argv);
    if (!v) return;
    if (!v.checkpoint) throw new UsageError('eval: --checkpoint FILE is required');
    let ck;
    try {
      ck = readCheckpoint(String(v.checkpoint));
    } catch (e) {
      throw new UsageError(`eval: ${(e as Error).message}`);
    }
    const stored = ck.metadata.config ? (JSON.parse(ck.metadata.config) as Record<string, unknown>) : {};
    const model = String(v.model ?? stored.model ?? '');
    if (!isModelName(model))
      throw new UsageError(
        model
          ? `eval: unknown model '${model}'; valid models: ${MODEL_NAMES.join(', ')}`
          : 'eval: the checkpoint has no config; pass --model',
      );
    const datasetName = String(v.dataset ?? stored.dataset ?? '');
    if (!isDatasetName(datasetName))
      throw new UsageError(`eval: unknown dataset '${datasetName}'; valid datasets: ${DATASET_NAMES.join(', ')}`);
    const width = v.width !== undefined ? numberOption('eval', v, 'width', { min: 1e-3 }) : Number(stored.width ?? 1);
    const batch = numberOption('eval', v, 'batch', { min: 1, integer: true });
    const threads = v.threads === undefined ? undefined : numberOption('eval', v, 'threads', { min: 1, integer: true });
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
    const net = createModelFor('eval', model, dataset, { width, numClasses: data.classes, kernels: k });
    try {
      loadModelState(net, ck);
    } catch (e) {
      throw new UsageError(`eval: ${(e as Error).message}`);
    }
    net.eval();
    const { train, val } = splitValidation(data.train, Number(stored.valFraction ?? 0.1));
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
