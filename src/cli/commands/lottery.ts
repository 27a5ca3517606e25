// `sparsetickets lottery`: lottery tickets by iterative magnitude pruning with rewinding (IMP), one-shot
// pruning (OMP) or learning-rate rewinding (LTR), SPEC §5 — one pipeline directory with a run per round.
import { join } from 'node:path';
import { DEFAULT_TRAIN, mergeConfig, readConfigFile, validateConfig, type TrainConfig } from '../../run/config.js';
import { LOTTERY_KINDS, runLottery, type LotteryKind, type LotterySettings } from '../../pipelines/lottery.js';
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { countOption } from '../limits.js';
import { flagsToConfig, selectedSettings, withSettings, type SettingSelection } from '../config_flags.js';

/** The training settings a round takes: not the sparse method or a booster (the pipeline makes the masks), nor the
 * retraining tweaks (SPEC §9: never for mask finding). */
export const ROUND_SELECTION: SettingSelection = {
  groups: ['data', 'model', 'optimiser', 'schedule', 'run', 'execution', 'output'],
  help: { name: '<model>-<dataset>-<kind>-s<seed>' },
};

/** The tweaks' flags: refused with a pointer to `retrain`. */
const TWEAK_FLAGS = new Set(selectedSettings({ groups: ['tweaks'] }).map((s) => s.flag));

export const spec: CommandSpec = {
  name: 'lottery',
  summary:
    'Lottery tickets (SPEC §5). Round 0 trains the dense network; every later round prunes the previous\n' +
    "round's ticket by global magnitude (IMP/LTR: --rate of the remaining weights, to density (1−r)^j; OMP: once, to\n" +
    '--density), then IMP/OMP rewind the whole model state to --rewind-epoch k (0: initialisation) and retrain\n' +
    'epochs k…E with a fresh optimiser; LTR keeps the trained weights and rewinds only the LR schedule. Writes\n' +
    'runs/<name>/ (lottery.json, rewind.safetensors, round-NN/ run directories whose model.safetensors is the\n' +
    "round's ticket, rounds.md/json). Interrupt anywhere; --resume finishes it with the same result.",
  options: withSettings(ROUND_SELECTION, {
    config: { type: 'string', value: 'FILE', description: 'YAML or JSON config file of the rounds' },
    kind: {
      type: 'string',
      value: 'K',
      default: 'imp',
      choices: LOTTERY_KINDS,
      description: 'IMP (rewinding), OMP (one shot) or LTR (learning-rate rewinding)',
    },
    rounds: {
      type: 'string',
      value: 'R',
      default: '5',
      description: 'IMP/LTR: tickets at density (1−r)^j, j = 0…R−1 (round 0 dense)',
    },
    rate: {
      type: 'string',
      value: 'r',
      default: '0.2',
      description: 'fraction of the remaining weights pruned a round',
    },
    density: { type: 'string', value: 'D', description: 'OMP: the target density of its one prune' },
    'rewind-epoch': {
      type: 'string',
      value: 'k',
      default: '0',
      description: 'epoch rewound to (0: initialisation; Lottery Pools 9, ToST 33 of 182)',
    },
    scope: {
      type: 'string',
      value: 'S',
      default: 'all',
      choices: ['all', 'conv-only'],
      description: 'pruned weights: every Conv/Linear weight, or the convolutions only (Linear dense)',
    },
    ticket: {
      type: 'string',
      value: 'T',
      default: 'final',
      choices: ['final', 'best-val'],
      description: "a round's ticket: its final-epoch or its best-validation weights",
    },
    resume: { type: 'boolean', description: 'continue the pipeline of this name (its stored settings)' },
    'halt-after': {
      type: 'string',
      value: 'N',
      description: 'testing: interrupt after N iterations of this invocation',
    },
    quiet: { type: 'boolean', description: 'no progress output' },
    json: { type: 'boolean', description: 'print the pipeline summary as JSON on stdout' },
  }),
  examples: [
    'sparsetickets lottery --model lenet300 --epochs 10 --rounds 8 --rate 0.2 --name lth',
    'sparsetickets lottery --model resnet20 --dataset cifar10 --data-dir ../shared/datasets/cifar10-jpeg --epochs 30 --rounds 11 --rewind-epoch 2 --scope conv-only --name imp',
    'sparsetickets lottery --kind omp --density 0.1 --model lenet300 --epochs 10 --name omp',
    'sparsetickets lottery --name lth --resume',
  ],
};

export const lotteryCommand = {
  summary: 'lottery tickets: IMP with rewinding, OMP, LTR (a pipeline of rounds)',
  async run(argv: string[]): Promise<void> {
    const tweak = argv.map((a) => /^--([a-z-]+)/.exec(a)?.[1]).find((f) => f && TWEAK_FLAGS.has(f));
    if (tweak)
      throw new UsageError(
        `lottery: --${tweak} is a retraining tweak (SPEC §9: tweaks apply when a found mask is retrained, never to ` +
          `mask finding); find the tickets plainly, then: sparsetickets retrain <pipeline>/round-NN --${tweak} …`,
      );
    const v = parseCommand(spec, argv);
    if (!v) return;
    const runsDir = String(v['runs-dir'] ?? 'runs');
    let config: TrainConfig;
    let settings: LotterySettings;
    let name: string;
    if (v.resume) {
      if (v.name === undefined) throw new UsageError('lottery --resume: --name NAME of the pipeline is required');
      name = String(v.name);
      const stored = readConfigFile(join(runsDir, name, 'lottery.json')) as {
        settings: LotterySettings;
        config: unknown;
      };
      settings = stored.settings;
      config = validateConfig(stored.config as Record<string, unknown>, 'stored pipeline config');
    } else {
      const file = v.config ? readConfigFile(String(v.config)) : {};
      config = validateConfig(
        mergeConfig(
          mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, file),
          flagsToConfig(v, ROUND_SELECTION, 'lottery'),
        ),
        v.config ? String(v.config) : 'flags',
      );
      name = String(v.name ?? `${config.model}-${config.dataset}-${String(v.kind)}-s${config.seed}`);
      settings = {
        kind: String(v.kind) as LotteryKind,
        rounds: countOption('lottery', v, 'rounds'),
        rate: numberOption('lottery', v, 'rate'),
        density: v.density === undefined ? undefined : numberOption('lottery', v, 'density'),
        rewindEpoch: numberOption('lottery', v, 'rewind-epoch', { integer: true }),
        scope: String(v.scope) as 'all' | 'conv-only',
        ticket: String(v.ticket) as 'final' | 'best-val',
      };
    }
    const haltAfter =
      v['halt-after'] === undefined ? undefined : numberOption('lottery', v, 'halt-after', { min: 1, integer: true });
    const summary = await runLottery(config, settings, {
      name,
      runsDir,
      resume: Boolean(v.resume),
      quiet: Boolean(v.quiet),
      haltAfter,
      log: (line) => process.stderr.write(line + '\n'),
    });
    if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
    for (const r of summary.rounds)
      process.stderr.write(
        `round ${r.round}: density ${r.density.toFixed(4)}, test accuracy ${r.test ? (100 * r.test.accuracy).toFixed(2) + '%' : 'n/a'} (${r.status})\n`,
      );
    if (summary.status === 'interrupted') {
      process.stderr.write(
        `interrupted; continue with: sparsetickets lottery --name ${name}${runsDir === 'runs' ? '' : ` --runs-dir ${runsDir}`} --resume\n`,
      );
      process.exitCode = 130;
    }
  },
};
