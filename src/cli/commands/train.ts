// `sparsetickets train`: train a zoo model on a dataset with one command (see docs/GUIDE.md).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { numberOption, parseCommand, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import { flagsToConfig, withSettings, type SettingSelection } from '../config_flags.js';
import { ALL_GROUPS } from '../../run/config_settings.js';
import { DEFAULT_TRAIN, mergeConfig, readConfigFile, validateConfig, type TrainConfig } from '../../run/config.js';
import { RunDir } from '../../train/rundir.js';
import { defaultRunName, runTraining, type RunSummary } from '../../run/training.js';
import type { SupTicketsReport } from '../../tickets/suptickets.js';
import { signalExitCode } from '../../run/signals.js';

/** Every group of training settings: `train` takes them all as flags. */
export const TRAIN_SELECTION: SettingSelection = { groups: ALL_GROUPS };

export const spec: CommandSpec = {
  name: 'train',
  summary:
    'Train a zoo model on a dataset. Options come from --config (YAML or JSON), overridden by flags; with no\n' +
    'arguments, lenet300 trains on MNIST for 3 epochs. Writes runs/<name>/ (config.json, metrics.jsonl,\n' +
    'summary.json, checkpoints/last.safetensors, and model.safetensors: the final network, loadable by PyTorch\n' +
    'as is); --booster suptickets|edst adds tickets/. Ctrl-C, SIGTERM and SIGHUP save a checkpoint that --resume\n' +
    'continues. A run that diverges (a non-finite loss) or fails stops with summary status diverged or failed\n' +
    'and exit code 1, keeping its last good checkpoint.',
  options: withSettings(TRAIN_SELECTION, {
    config: { type: 'string', value: 'FILE', description: 'YAML or JSON config file' },
    overwrite: { type: 'boolean', description: 'replace an existing run of the same name' },
    resume: { type: 'boolean', description: 'continue the run of this name from its last checkpoint' },
    'halt-after': { type: 'string', value: 'N', description: 'testing: stop as if interrupted after N iterations' },
    quiet: { type: 'boolean', description: 'no progress output' },
    json: { type: 'boolean', description: 'print the run summary as JSON on stdout' },
  }),
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

/** Flags as a partial config (a key only where its flag was given). */
export const trainFlagsToConfig = (v: ParsedOptions): Record<string, unknown> =>
  flagsToConfig(v, TRAIN_SELECTION, 'train');

export const trainCommand = {
  summary: 'train a zoo model on a dataset (run directory, checkpoints, resume)',
  async run(argv: string[]): Promise<void> {
    const v = parseCommand(spec, argv);
    if (!v) return;
    const flags = trainFlagsToConfig(v);
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
