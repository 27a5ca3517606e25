// `sparsetickets train`: train a zoo model on a dataset with one command (see docs/GUIDE.md).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  numberOption,
  parseCommand,
  parseDecimal,
  UsageError,
  type CommandSpec,
  type OptionSpec,
  type ParsedOptions,
} from '../args.js';
import { ACTIVATIONS } from '../../nn/layers/activation.js';
import { DEFAULT_TRAIN, mergeConfig, readConfigFile, validateConfig, type TrainConfig } from '../../run/config.js';
import { RunDir } from '../../train/rundir.js';
import { METHODS } from '../../sparse/method.js';
import { defaultRunName, runTraining, type RunSummary } from '../../run/training.js';
import type { SupTicketsReport } from '../../tickets/suptickets.js';
import { signalExitCode } from '../../run/signals.js';

/** The AT tweak's flags (SPEC §9): train and retrain take them, lottery refuses them. */
export const ARCHITECTURE_OPTIONS: Record<string, OptionSpec> = {
  activation: {
    type: 'string',
    value: 'A',
    choices: ACTIVATIONS,
    description: "the activation in every ReLU's place (AT tweak, SPEC §9) [default: relu]",
  },
  'extra-skips': {
    type: 'boolean',
    description: 'two 1×1 conv + BN jump paths per BasicBlock, never pruned (AT tweak; resnet18/34/20/32)',
  },
};

/** GradInit's flags (the TRT tweak, SPEC §9): train and retrain take them, lottery refuses them. */
export const GRADINIT_OPTIONS: Record<string, OptionSpec> = {
  gradinit: {
    type: 'boolean',
    description: 'GradInit: learn per-tensor scales of the initialisation first (TRT tweak, SPEC §9)',
  },
  'gradinit-order': {
    type: 'string',
    value: 'O',
    choices: ['dense-first', 'mask-first'],
    description: 'scales on the dense start, then the mask; or on the masked one [default: dense-first]',
  },
  'gradinit-iterations': {
    type: 'string',
    value: 'N',
    description: 'GradInit iterations (constraint and objective steps) [default: 180]',
  },
};

export const spec: CommandSpec = {
  name: 'train',
  summary:
    'Train a zoo model on a dataset. Options come from --config (YAML or JSON), overridden by flags; with no\n' +
    'arguments, lenet300 trains on MNIST for 3 epochs. Writes runs/<name>/ (config.json, metrics.jsonl,\n' +
    'summary.json, checkpoints/last.safetensors, and model.safetensors: the final network, loadable by PyTorch\n' +
    'as is); --booster suptickets|edst adds tickets/. Ctrl-C, SIGTERM and SIGHUP save a checkpoint that --resume\n' +
    'continues. A run that diverges (a non-finite loss) or fails stops with summary status diverged or failed\n' +
    'and exit code 1, keeping its last good checkpoint.',
  options: {
    config: { type: 'string', value: 'FILE', description: 'YAML or JSON config file' },
    model: { type: 'string', value: 'NAME', description: 'zoo model [default: lenet300]' },
    width: { type: 'string', value: 'W', description: 'width multiplier [default: 1]' },
    dataset: {
      type: 'string',
      value: 'NAME',
      description: 'mnist | fashion-mnist | cifar10 | cifar100 | synthetic [default: mnist]',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'directory of the dataset files (CIFAR binary batches, IDX files)',
    },
    'val-fraction': {
      type: 'string',
      value: 'F',
      description: 'held-out validation: last fraction of train [default: 0.1]',
    },
    'eval-every': {
      type: 'string',
      value: 'N',
      description: 'evaluate on val/test every N epochs and after the last [default: 1]',
    },
    'train-subset': {
      type: 'string',
      value: 'N',
      description: 'train on only the first N examples of the training part (validation and test stay whole)',
    },
    augment: { type: 'boolean', description: 'random crop + flip (default on for CIFAR)' },
    'no-augment': { type: 'boolean', description: 'turn augmentation off' },
    epochs: { type: 'string', value: 'N', description: 'epochs [default: 3]' },
    batch: { type: 'string', value: 'N', description: 'batch size [default: 128]' },
    optimizer: { type: 'string', value: 'KIND', description: 'sgd | adamw [default: sgd]' },
    lr: { type: 'string', value: 'LR', description: 'learning rate [default: 0.1]' },
    momentum: { type: 'string', value: 'M', description: 'SGD momentum [default: 0.9]' },
    nesterov: { type: 'boolean', description: 'Nesterov momentum' },
    'weight-decay': { type: 'string', value: 'WD', description: 'weight decay [default: 5e-4]' },
    schedule: {
      type: 'string',
      value: 'KIND',
      description: 'constant | multistep | cosine | cyclic (the Sup-tickets triangle) [default: multistep]',
    },
    milestones: {
      type: 'string',
      value: 'F,F',
      description: 'multistep milestones as fractions of training [default: 0.5,0.75]',
    },
    gamma: { type: 'string', value: 'G', description: 'multistep factor [default: 0.1]' },
    'warmup-epochs': { type: 'string', value: 'E', description: 'linear warm-up epochs [default: 0]' },
    'cycle-epochs': {
      type: 'string',
      value: 'C',
      description: 'cyclic schedule or Sup-tickets: epochs per cycle [default: 8]',
    },
    'lr-low': { type: 'string', value: 'LR', description: 'cyclic: rate at the cycle ends [default: 0.001]' },
    'lr-high': { type: 'string', value: 'LR', description: 'cyclic: rate mid-cycle [default: 0.005]' },
    booster: {
      type: 'string',
      value: 'B',
      description:
        'suptickets: the last --cycle-rate of the epochs is cyclic; a cheap ticket per cycle, superposed into\n' +
        '                               runs/<name>/tickets/ultimate.safetensors (SPEC §6); edst: FreeTickets\n' +
        '                               exploration + --members refinement phases, a free ticket each (SPEC §8)\n' +
        '                               [default: none]',
    },
    'explore-epochs': { type: 'string', value: 'E', description: 'edst: t_ex, epochs of the exploration phase' },
    members: { type: 'string', value: 'M', description: 'edst: free tickets (refinement phases)' },
    'refine-epochs': {
      type: 'string',
      value: 'E',
      description: 'edst: t_re, epochs per refinement phase [default: the rest split evenly]',
    },
    q: { type: 'string', value: 'Q', description: 'edst: rate of the exploration between phases [default: 0.8]' },
    'member-ticket': {
      type: 'string',
      value: 'T',
      description: "edst: a phase's ticket: final | best-val [default: final]",
    },
    'cycle-rate': {
      type: 'string',
      value: 'R',
      description: 'suptickets: cyclic epochs = floor(epochs·R/C)·C [default: 0.1]',
    },
    superpose: { type: 'string', value: 'K', description: 'suptickets: cia | caa | cima [default: cia]' },
    'cima-beta': {
      type: 'string',
      value: 'β',
      description: "suptickets: CIMA's weight of the previous [default: 0.8]",
    },
    bn: {
      type: 'string',
      value: 'K',
      description: 'suptickets BatchNorm: av (average) | bu (recompute on training data) [default: av]',
    },
    'explore-rate': {
      type: 'string',
      value: 'P',
      description: 'suptickets: cycle-start exploration, k = ceil(P·nnz) per layer [default: 0.5]',
    },
    'explore-criteria': {
      type: 'string',
      value: 'K',
      description:
        "suptickets: base (the method's drop/growth) | code (magnitude/gradient, the authors' code) [default: base]",
    },
    'cyclic-updates': {
      type: 'boolean',
      description: "suptickets: keep the method's regular updates on in the cyclic phase (default off)",
    },
    'include-endpoint': {
      type: 'boolean',
      description: "suptickets: also superpose the normal phase's end point (the authors' code)",
    },
    ...ARCHITECTURE_OPTIONS,
    ...GRADINIT_OPTIONS,
    'label-smoothing': { type: 'string', value: 'A', description: 'label smoothing α [default: 0]' },
    teacher: {
      type: 'string',
      value: 'FILE,…',
      description:
        'distil from a teacher checkpoint or ticket, or several (their prediction ensemble); α·T²·KL + (1−α)·CE',
    },
    'kd-alpha': { type: 'string', value: 'A', description: 'distillation weight α [default: 0.5]' },
    'kd-temperature': { type: 'string', value: 'T', description: 'distillation temperature [default: 4]' },
    method: { type: 'string', value: 'M', description: `sparse training: ${METHODS.join(' | ')} [default: dense]` },
    sparsity: {
      type: 'string',
      value: 'S',
      description: 'final sparsity of the prunable layers, in [0, 1) [default: 0.9]',
    },
    distribution: {
      type: 'string',
      value: 'D',
      description: 'layer-wise densities: erk | er | uniform [default: erk]',
    },
    'erk-power': { type: 'string', value: 'P', description: 'ERK power scale p of (Σ dims / Π dims)^p [default: 1]' },
    'dense-first': { type: 'boolean', description: 'keep the first prunable layer dense' },
    'dense-last': { type: 'boolean', description: 'keep the last prunable layer dense' },
    'dense-layers': {
      type: 'string',
      value: 'GLOBS',
      description: 'comma-separated weight-name globs kept dense, e.g. "classifier.*"',
    },
    'layer-density': {
      type: 'string',
      value: 'GLOB=D,…',
      description: 'explicit densities, e.g. "fc1.weight=0.05,fc3.*=1"',
    },
    mode: {
      type: 'string',
      value: 'MODE',
      description:
        'how masked layers run: masked (dense × mask, as PyTorch) | sparse (compressed, sparse kernels) | auto (per layer, the faster as measured) | dense (no masks) [default: masked]',
    },
    'update-interval': { type: 'string', value: 'ΔT', description: 'iterations between mask updates [default: 100]' },
    'drop-fraction': { type: 'string', value: 'P', description: 'initial drop fraction p0 [default: 0.3; GraNet 0.5]' },
    'drop-schedule': {
      type: 'string',
      value: 'K',
      description: 'cosine | cosine-floor | constant [default: cosine; GraNet cosine-floor]',
    },
    'update-end': {
      type: 'string',
      value: 'F|never',
      description: 'stop mask updates after this fraction of training [default: 0.75; GraNet never]',
    },
    'initial-density': {
      type: 'string',
      value: 'D',
      description: 'GraNet/GMP starting density [default: GraNet 0.5, GMP 1]',
    },
    'final-density': { type: 'string', value: 'D', description: 'GraNet/GMP final density (= 1 − sparsity)' },
    'prune-start-epoch': {
      type: 'string',
      value: 'E',
      description: 'GraNet/GMP: first epoch of gradual pruning [default: 0]',
    },
    'prune-end-epoch': {
      type: 'string',
      value: 'E',
      description: 'GraNet/GMP: last epoch of gradual pruning [default: 110/160 of the run]',
    },
    pruning: {
      type: 'string',
      value: 'P',
      description:
        'SNIP selection, GraNet/GMP gradual pruning: layerwise | global [default: SNIP layerwise, GraNet/GMP global]',
    },
    seed: {
      type: 'string',
      value: 'N',
      description: 'seed of init, masks, shuffling, augmentation and growth [default: 0]',
    },
    threads: { type: 'string', value: 'T', description: 'threads [default: SPARSETICKETS_THREADS or all cores]' },
    backend: { type: 'string', value: 'B', description: 'auto | native | js [default: auto]' },
    'checkpoint-every': {
      type: 'string',
      value: 'N',
      description: 'also keep checkpoints/epoch-NNNN.safetensors every N epochs [default: 0, only last]',
    },
    name: {
      type: 'string',
      value: 'NAME',
      description: 'run name [default: <model>-<dataset>-s<seed>, or its first free -2, -3, …]',
    },
    'runs-dir': { type: 'string', value: 'DIR', description: 'parent of run directories [default: runs]' },
    overwrite: { type: 'boolean', description: 'replace an existing run of the same name' },
    resume: { type: 'boolean', description: 'continue the run of this name from its last checkpoint' },
    'halt-after': { type: 'string', value: 'N', description: 'testing: stop as if interrupted after N iterations' },
    quiet: { type: 'boolean', description: 'no progress output' },
    json: { type: 'boolean', description: 'print the run summary as JSON on stdout' },
  },
  examples: [
    'sparsetickets train',
    'sparsetickets train --model lenet300 --dataset mnist --epochs 20 --lr 0.1 --name lenet300-dense',
    'sparsetickets train --model resnet20 --dataset cifar10 --data-dir ../shared/datasets/cifar10-jpeg --epochs 15',
    'sparsetickets train --config run.yaml --seed 2',
    'sparsetickets train --name lenet300-dense --resume',
    'sparsetickets train --model lenet300 --epochs 20 --method rigl --sparsity 0.98 --update-interval 100 --drop-fraction 0.3',
    'sparsetickets train --model lenet300 --epochs 30 --method rigl --sparsity 0.9 --booster suptickets --cycle-epochs 1 --superpose caa',
    'sparsetickets train --model lenet300 --epochs 45 --method rigl --sparsity 0.8 --drop-schedule constant --drop-fraction 0.5 --update-end never --booster edst --explore-epochs 15 --members 3',
  ],
};

const num = (v: ParsedOptions, name: string, integer = false) =>
  v[name] === undefined ? undefined : numberOption('train', v, name, integer ? { integer: true } : {});

/** Flags as a partial config (undefined where the flag was not given). */
export function flagsToConfig(v: ParsedOptions): Record<string, unknown> {
  const milestones =
    v.milestones === undefined
      ? undefined
      : String(v.milestones)
          .split(',')
          .map((s) => {
            const n = parseDecimal(s);
            if (!Number.isFinite(n))
              throw new UsageError(`train: --milestones must be numbers separated by commas, got '${v.milestones}'`);
            return n;
          });
  if (v.augment && v['no-augment']) throw new UsageError('train: --augment and --no-augment contradict each other');
  const list = (name: string) =>
    v[name] === undefined
      ? undefined
      : String(v[name])
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
  const layerDensities =
    v['layer-density'] === undefined
      ? undefined
      : Object.fromEntries(
          list('layer-density')!.map((pair) => {
            const [glob, d] = pair.split('=');
            const n = parseDecimal(d ?? '');
            if (!glob || d === undefined || !Number.isFinite(n))
              throw new UsageError(`train: --layer-density wants GLOB=DENSITY pairs, got '${pair}'`);
            return [glob, n];
          }),
        );
  const sparse = {
    method: v.method,
    sparsity: num(v, 'sparsity'),
    distribution: v.distribution,
    erkPower: num(v, 'erk-power'),
    denseFirst: v['dense-first'] || undefined,
    denseLast: v['dense-last'] || undefined,
    denseLayers: list('dense-layers'),
    layerDensities,
    updateInterval: num(v, 'update-interval'),
    dropFraction: num(v, 'drop-fraction'),
    dropSchedule: v['drop-schedule'],
    updateEnd: v['update-end'] === 'never' ? null : num(v, 'update-end'),
    initialDensity: num(v, 'initial-density'),
    finalDensity: num(v, 'final-density'),
    pruneStartEpoch: num(v, 'prune-start-epoch'),
    pruneEndEpoch: num(v, 'prune-end-epoch'),
    pruning: v.pruning,
  };
  const booster = {
    kind: v.booster,
    exploreEpochs: num(v, 'explore-epochs', true),
    members: num(v, 'members', true),
    refineEpochs: num(v, 'refine-epochs', true),
    q: num(v, 'q'),
    ticket: v['member-ticket'],
    cycleRate: num(v, 'cycle-rate'),
    superpose: v.superpose,
    cimaBeta: num(v, 'cima-beta'),
    bn: v.bn,
    exploreRate: num(v, 'explore-rate'),
    exploreCriteria: v['explore-criteria'],
    cyclicUpdates: v['cyclic-updates'] || undefined,
    includeEndpoint: v['include-endpoint'] || undefined,
  };
  const teachers = list('teacher');
  if ((v['gradinit-order'] !== undefined || v['gradinit-iterations'] !== undefined) && !v.gradinit)
    throw new UsageError('train: --gradinit-order and --gradinit-iterations need --gradinit');
  return {
    activation: v.activation,
    extraSkips: v['extra-skips'] || undefined,
    gradinit: v.gradinit ? { order: v['gradinit-order'], iterations: num(v, 'gradinit-iterations', true) } : undefined,
    sparse: Object.values(sparse).some((x) => x !== undefined) ? sparse : undefined,
    // Only the booster keys given: each kind's schema rejects the other kind's.
    booster: Object.values(booster).some((x) => x !== undefined)
      ? Object.fromEntries(Object.entries(booster).filter(([, x]) => x !== undefined))
      : undefined,
    model: v.model,
    mode: v.mode,
    width: num(v, 'width'),
    dataset: v.dataset,
    dataDir: v['data-dir'],
    valFraction: num(v, 'val-fraction'),
    trainSubset: num(v, 'train-subset', true),
    evalEvery: num(v, 'eval-every', true),
    augment: v.augment ? true : v['no-augment'] ? false : undefined,
    epochs: num(v, 'epochs', true),
    batch: num(v, 'batch', true),
    seed: num(v, 'seed', true),
    checkpointEvery: num(v, 'checkpoint-every', true),
    threads: num(v, 'threads', true),
    backend: v.backend,
    name: v.name,
    runsDir: v['runs-dir'],
    optimizer: {
      kind: v.optimizer,
      lr: num(v, 'lr'),
      momentum: num(v, 'momentum'),
      nesterov: v.nesterov || undefined,
      weightDecay: num(v, 'weight-decay'),
    },
    schedule: {
      kind: v.schedule,
      milestones,
      gamma: num(v, 'gamma'),
      warmupEpochs: num(v, 'warmup-epochs'),
      cycleEpochs: num(v, 'cycle-epochs'),
      lowLr: num(v, 'lr-low'),
      highLr: num(v, 'lr-high'),
    },
    loss: {
      labelSmoothing: num(v, 'label-smoothing'),
      distill:
        v.teacher === undefined
          ? undefined
          : {
              teacher: teachers!.length === 1 ? teachers![0] : teachers,
              alpha: num(v, 'kd-alpha'),
              temperature: num(v, 'kd-temperature'),
            },
    },
  };
}

export const trainCommand = {
  summary: 'train a zoo model on a dataset (run directory, checkpoints, resume)',
  async run(argv: string[]): Promise<void> {
    const v = parseCommand(spec, argv);
    if (!v) return;
    const flags = flagsToConfig(v);
    let config: TrainConfig;
    if (v.resume) {
      const allowed = new Set(['resume', 'name', 'runs-dir', 'threads', 'backend', 'json', 'quiet', 'halt-after']);
      const extra = Object.keys(v).filter((k) => v[k] !== undefined && v[k] !== false && !allowed.has(k));
      if (extra.length)
        throw new UsageError(
          `train --resume continues the stored config; drop ${extra.map((k) => '--' + k).join(', ')}`,
        );
      // The run at <--runs-dir>/<--name> continues (without --name, that of `train` with no arguments), under
      // that name and place whatever its stored config says: a copied run directory never writes the original.
      const runsDir = String(v['runs-dir'] ?? 'runs');
      const name =
        v.name === undefined
          ? defaultRunName(validateConfig(DEFAULT_TRAIN as Record<string, unknown>, 'defaults'))
          : String(v.name);
      try {
        RunDir.checkResumable(runsDir, name);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const stored = readConfigFile(join(runsDir, name, 'config.json'));
      config = validateConfig(
        mergeConfig(stored, { threads: flags.threads, backend: flags.backend, name, runsDir }),
        'stored config',
      );
    } else {
      const file = v.config ? readConfigFile(String(v.config)) : {};
      config = validateConfig(
        mergeConfig(mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, file), flags),
        v.config ? String(v.config) : 'flags',
      );
    }
    // No name given (flag or config file): the default one, or its first free variant -2, -3, … so that a
    // repeated `train` never fails; an explicit name that exists is still refused unless --overwrite.
    let notice: string | undefined;
    if (!v.resume && !v.overwrite && config.name === undefined) {
      const base = defaultRunName(config);
      let name = base;
      for (let i = 2; existsSync(join(config.runsDir, name)); i++) name = `${base}-${i}`;
      if (name !== base) {
        notice = `train: ${join(config.runsDir, base)} exists; this run is ${join(config.runsDir, name)} (--name picks one)`;
        config = { ...config, name };
      }
    }
    const mode = v.resume ? 'resume' : v.overwrite ? 'overwrite' : 'fresh';
    const haltAfter =
      v['halt-after'] === undefined ? undefined : numberOption('train', v, 'halt-after', { min: 1, integer: true });
    const summary = await runTraining(config, { mode, haltAfter, quiet: Boolean(v.quiet), notice });
    if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
    const test = summary.final.test;
    process.stderr.write(
      summary.status === 'interrupted'
        ? `interrupted after ${summary.iterations} iterations; continue with: sparsetickets train --name ${config.name ?? defaultRunName(config)}${config.runsDir === 'runs' ? '' : ` --runs-dir ${config.runsDir}`} --resume\n`
        : `${config.model} on ${config.dataset}, ${summary.epochs} epochs: test accuracy ${test ? (100 * test.accuracy).toFixed(2) + '%' : 'n/a'} ` +
            ultimateNote(summary) +
            `(${summary.wall_seconds.toFixed(1)} s; run directory ${summary.run})\n`,
    );
    if (summary.status === 'interrupted') process.exitCode = signalExitCode(summary.signal ?? 'SIGINT');
  },
};

/** Sup-tickets: the ultimate ticket's test accuracy beside the last network's. */
function ultimateNote(summary: RunSummary): string {
  const sup = summary.suptickets as SupTicketsReport | undefined;
  const t = sup?.ultimate.test;
  return t ? `(last network), ultimate ticket ${(100 * t.accuracy).toFixed(2)}% ` : '';
}
