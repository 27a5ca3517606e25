// `sparsetickets bench`: median training-step time of a zoo model (see src/train/benchmark.ts).
import { cpus } from 'node:os';
import { BACKENDS, getKernels, type Backend } from '../../kernels/index.js';
import { MODEL_NAMES, isModelName, modelInputShape } from '../../models/index.js';
import { checkMemory } from '../../run/memory_estimate.js';
import { benchmarkTrainingStep, defaultSteps, type BenchMode } from '../benchmark.js';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { Progress } from '../../util/progress.js';
import { EXECUTION_MODES } from '../../sparse/execution.js';

const MODES = EXECUTION_MODES;

const spec: CommandSpec = {
  name: 'bench',
  summary:
    'Time training steps (forward, cross-entropy, backward, SGD momentum 0.9) of a zoo model on random data\n' +
    "and print the median step time. With --sparsity the step is RigL's on exact-count random ERK masks: masked\n" +
    'gradients, weights and momentum every step, and a prune-and-grow update every 100 steps, timed (with the\n' +
    'step after it) and amortised into the step time. --mode masked multiplies dense weights by masks (as\n' +
    'PyTorch); sparse runs them compressed on the sparse kernels; auto times both per layer and keeps the faster\n' +
    '(its choices go to stderr).\n' +
    'Memory: state_mb counts the bytes of parameters, gradients, optimiser buffers and masks (compressed layers\n' +
    'hold only their nonzeros); step_peak_rss_mb is the resident peak while the timed steps ran (Linux).',
  options: {
    model: { type: 'string', value: 'NAME', default: 'lenet300', description: 'zoo model' },
    batch: { type: 'string', value: 'N', default: '128', description: 'batch size' },
    threads: {
      type: 'string',
      value: 'T',
      description: 'threads of the native pool [default: SPARSETICKETS_THREADS or all cores]',
    },
    sparsity: {
      type: 'string',
      value: 'S',
      default: '0',
      description: 'fraction of each prunable weight masked, in [0, 1)',
    },
    mode: {
      type: 'string',
      value: 'MODE',
      choices: MODES,
      description: 'execution of masked layers [default: dense, or masked when --sparsity > 0]',
    },
    steps: {
      type: 'string',
      value: 'N',
      description: 'timed steps (median reported) [default: 50 for the small models, 5 otherwise]',
    },
    warmup: { type: 'string', value: 'N', default: '3', description: 'untimed steps first' },
    width: { type: 'string', value: 'W', default: '1', description: 'width multiplier of the model' },
    seed: { type: 'string', value: 'N', default: '0', description: 'seed of weights, data and masks' },
    backend: {
      type: 'string',
      value: 'B',
      default: 'auto',
      choices: BACKENDS,
      description: 'kernels: native addon, TypeScript reference, or native when built',
    },
    profile: { type: 'boolean', description: 'also show where the time goes, by kind of layer (forward/backward)' },
    json: { type: 'boolean', description: 'print one JSON object on stdout' },
  },
  examples: [
    'sparsetickets bench --model vgg16 --batch 128 --threads 2 --json',
    'sparsetickets bench --model mlp-cifar --sparsity 0.9 --mode masked',
    'sparsetickets bench --model vgg16 --sparsity 0.95 --mode auto --threads 2 --json',
  ],
};

export const benchCommand = {
  summary: 'time training steps of a zoo model (dense, masked, sparse or auto)',
  run(argv: string[]): void {
    const v = parseCommand(spec, argv);
    if (!v) return;
    const model = String(v.model);
    if (!isModelName(model))
      throw new UsageError(`bench: unknown model '${model}'; valid models: ${MODEL_NAMES.join(', ')}`);
    const batch = numberOption('bench', v, 'batch', { min: 1, integer: true });
    const threads =
      v.threads === undefined
        ? Number(process.env.SPARSETICKETS_THREADS) || cpus().length
        : numberOption('bench', v, 'threads', { min: 1, max: 1024, integer: true });
    const sparsity = numberOption('bench', v, 'sparsity', { min: 0, max: 1, maxExclusive: true });
    const mode = (v.mode as (typeof MODES)[number] | undefined) ?? (sparsity > 0 ? 'masked' : 'dense');
    if (mode === 'dense' && sparsity > 0)
      throw new UsageError(
        `bench: --mode dense has no masks, but --sparsity is ${sparsity}; use masked, sparse or auto`,
      );
    const steps =
      v.steps === undefined ? defaultSteps(model) : numberOption('bench', v, 'steps', { min: 1, integer: true });
    const warmup = numberOption('bench', v, 'warmup', { min: 0, integer: true });
    const width = numberOption('bench', v, 'width', { min: 1e-3 });
    const seed = numberOption('bench', v, 'seed', { min: 0, integer: true });
    try {
      getKernels(v.backend as Backend, threads);
    } catch (e) {
      throw new UsageError(`bench: ${(e as Error).message}`);
    }
    checkMemory('bench', {
      model,
      width,
      numClasses: 10,
      inputShape: modelInputShape(model),
      batch,
      optimizerSlots: 1,
      masks: sparsity > 0 && mode !== 'sparse',
    });
    const progress = new Progress(`bench ${model}`);
    const result = benchmarkTrainingStep(
      {
        model,
        batch,
        threads,
        sparsity,
        mode: mode as BenchMode,
        steps,
        warmup,
        width,
        backend: v.backend as Backend,
        seed,
        profile: Boolean(v.profile),
        log: (line) => process.stderr.write(line + '\n'),
      },
      (done, total) => progress.update(done, total),
    );
    if (v.json) {
      process.stdout.write(JSON.stringify(result) + '\n');
      return;
    }
    if (result.profile) {
      process.stderr.write('layer kind                 forward ms  backward ms   (mean per timed step)\n');
      for (const [kind, t] of Object.entries(result.profile))
        process.stderr.write(
          `${kind.padEnd(26)} ${t.forward_ms.toFixed(2).padStart(10)} ${t.backward_ms.toFixed(2).padStart(12)}\n`,
        );
    }
    process.stderr.write(
      `${result.model} batch ${result.batch}, ${result.threads} threads, ${result.mode}` +
        (result.sparsity > 0 ? ` sparsity ${result.sparsity}` : '') +
        `: ${result.ms_per_step.toFixed(2)} ms/step (median of ${result.steps}), ${result.samples_per_s} samples/s, ` +
        `training state ${result.state_mb.toFixed(1)} MiB ` +
        `[${result.backend}/${result.isa}, ${result.cpu}]\n`,
    );
  },
};
