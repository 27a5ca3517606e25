// `sparsetickets inspect`: a model's prunable layers with shapes, parameter counts, densities at a
// sparsity and distribution, and forward FLOPs (dense and sparse).
import { MODEL_NAMES, createModel, isModelName, modelInputShape } from '../../models/index.js';
import { summarizeModel, type ModelSummary } from '../../nn/summary.js';
import { DISTRIBUTIONS, zerosAt, type Distribution } from '../../sparse/distribution.js';
import { trainingStepFlops } from '../../sparse/flops.js';
import { plannedDensities, prunableParams } from '../../sparse/layers.js';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';

const spec: CommandSpec = {
  name: 'inspect',
  summary:
    "Summarise a zoo model: every Conv2d/Linear weight's shape, parameters, density and nonzeros at --sparsity\n" +
    'with --distribution, forward FLOPs per sample (multiplies + adds; sparse = dense × density), and the FLOPs\n' +
    'of a training step of each method at these densities, as a fraction of a dense step (SPEC §4; while masks\n' +
    'are updated: RigL/GraNet compute the dense gradient every ΔT steps, SNFS every step).',
  options: {
    model: { type: 'string', value: 'NAME', default: 'lenet300', description: 'zoo model' },
    width: { type: 'string', value: 'W', default: '1', description: 'width multiplier' },
    classes: { type: 'string', value: 'N', default: '10', description: 'output classes' },
    sparsity: {
      type: 'string',
      value: 'S',
      default: '0',
      description: 'overall sparsity of the prunable layers, in [0, 1)',
    },
    distribution: {
      type: 'string',
      value: 'D',
      default: 'erk',
      choices: DISTRIBUTIONS,
      description: 'layer-wise densities',
    },
    'dense-first': { type: 'boolean', description: 'keep the first prunable layer dense' },
    'dense-last': { type: 'boolean', description: 'keep the last prunable layer dense' },
    'erk-power': { type: 'string', value: 'P', default: '1', description: 'ERK power scale p' },
    'update-interval': {
      type: 'string',
      value: 'ΔT',
      default: '100',
      description: 'mask-update interval, for the training FLOPs of RigL and GraNet',
    },
    json: { type: 'boolean', description: 'print one JSON object on stdout' },
  },
  examples: [
    'sparsetickets inspect --model resnet18',
    'sparsetickets inspect --model vgg16 --sparsity 0.9 --distribution erk --json',
  ],
};

export function inspectModel(o: {
  model: string;
  width: number;
  classes: number;
  sparsity: number;
  distribution: Distribution;
  denseFirst: boolean;
  denseLast: boolean;
  erkPower: number;
}): ModelSummary {
  const model = createModel(o.model, { width: o.width, numClasses: o.classes });
  const densities = plannedDensities(
    prunableParams(model.namedParameters()),
    {
      distribution: o.distribution,
      denseFirst: o.denseFirst,
      denseLast: o.denseLast,
      denseLayers: [],
      layerDensities: {},
      erkPower: o.erkPower,
    },
    o.sparsity,
  );
  const summary = summarizeModel(model, modelInputShape(o.model), densities);
  // nnz from the exact zero count a mask holds, as the masks are built.
  for (const l of summary.layers) l.nnz = l.params - zerosAt(l.params, l.density);
  summary.nnz = summary.layers.reduce((s, l) => s + l.nnz, 0);
  summary.density = summary.nnz / summary.params;
  return summary;
}

export const inspectCommand = {
  summary: 'summarise a model: layers, shapes, parameters, densities, FLOPs',
  run(argv: string[]): void {
    const v = parseCommand(spec, argv);
    if (!v) return;
    const model = String(v.model);
    if (!isModelName(model))
      throw new UsageError(`inspect: unknown model '${model}'; valid models: ${MODEL_NAMES.join(', ')}`);
    const o = {
      model,
      width: numberOption('inspect', v, 'width', { min: 1e-3 }),
      classes: numberOption('inspect', v, 'classes', { min: 1, integer: true }),
      sparsity: numberOption('inspect', v, 'sparsity', { min: 0, max: 1, maxExclusive: true }),
      distribution: v.distribution as Distribution,
      denseFirst: Boolean(v['dense-first']),
      denseLast: Boolean(v['dense-last']),
      erkPower: numberOption('inspect', v, 'erk-power', { min: 1e-9 }),
    };
    const dt = numberOption('inspect', v, 'update-interval', { min: 1, integer: true });
    let s: ModelSummary;
    try {
      s = inspectModel(o);
    } catch (e) {
      throw new UsageError(`inspect: ${(e as Error).message}`);
    }
    const { forward_dense: fD, forward_sparse: fS } = s.flops;
    const training = Object.fromEntries(
      (['dense', 'static', 'snip', 'set', 'rigl', 'snfs'] as const).map((m) => [
        m,
        trainingStepFlops(m, fS, fD, dt, true) / (3 * fD),
      ]),
    );
    if (v.json) {
      process.stdout.write(JSON.stringify({ ...s, training_flops: { update_interval: dt, ...training } }) + '\n');
      return;
    }
    const fmt = (n: number) =>
      n >= 1e9
        ? `${(n / 1e9).toFixed(2)}G`
        : n >= 1e6
          ? `${(n / 1e6).toFixed(2)}M`
          : n >= 1e3
            ? `${(n / 1e3).toFixed(1)}K`
            : String(n);
    const rows = [['layer', 'shape', 'params', 'density', 'nnz', 'FLOPs dense', 'FLOPs sparse']];
    for (const l of s.layers)
      rows.push([
        l.name,
        `[${l.shape.join(', ')}]`,
        fmt(l.params),
        l.density.toFixed(4),
        fmt(l.nnz),
        fmt(l.flops_dense),
        fmt(l.flops_sparse),
      ]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const out = rows.map((r) =>
      r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
    );
    out.push(
      '',
      `${o.model} (width ${o.width}): ${fmt(s.total_params)} parameters, ${fmt(s.params)} in prunable weights; ` +
        `density ${s.density.toFixed(4)} (${o.distribution}, sparsity ${o.sparsity}), ${fmt(s.nnz)} nonzeros`,
      `forward FLOPs per sample: dense ${fmt(s.flops.forward_dense)}, sparse ${fmt(s.flops.forward_sparse)} ` +
        `(${(s.flops.forward_dense / s.flops.forward_sparse).toFixed(2)}× fewer; BN/activations/pooling ${fmt(s.other_flops)})`,
      `training FLOPs per step ÷ dense (ΔT ${dt}): ` +
        Object.entries(training)
          .map(([m, r]) => `${m} ${r.toFixed(3)}`)
          .join(', ') +
        '; granet/gmp follow their pruning schedule (a run reports them in summary.json)',
    );
    process.stdout.write(out.join('\n') + '\n');
  },
};
