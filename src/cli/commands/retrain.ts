// `sparsetickets retrain TICKET`: a lottery round's mask retrained with the tweaks of "spending the lottery
// better" (SPEC §9) — over pipelines/retrain.ts.
import { signalExitCode } from '../../run/signals.js';
import { tweaksFromConfig, tweakSetSchema, type TweakSet } from '../../run/tweak_config.js';
import { retrainTicket } from '../../pipelines/retrain.js';
import { numberOption, parseCommandLine, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import {
  flagsToConfig,
  requireSwitch,
  selectedSettings,
  withSettings,
  type SettingSelection,
} from '../config_flags.js';

/** The settings `retrain` takes: the tweaks (a tweak set's), the teacher being the pipeline's dense network (--kd). */
export const RETRAIN_SELECTION: SettingSelection = {
  groups: ['tweaks'],
  replaced: {
    'loss.distill.teacher': {
      kd: { type: 'boolean', description: "distil from the pipeline's dense network (round 0) instead of smoothing" },
    },
  },
  help: { 'loss.labelSmoothing': 'none; --trt 0.1' },
  switchedBy: { gradinit: '--trt' },
};

export const spec: CommandSpec = {
  name: 'retrain',
  positionals: { usage: 'TICKET', min: 1, max: 1 },
  summary:
    "Retrain the mask of a lottery ticket with the tweaks of 'spending the lottery better' (SPEC §9). TICKET is a\n" +
    'round of an IMP or OMP pipeline (runs/<pipeline>/round-NN or its model.safetensors); its mask is retrained as\n' +
    "the pipeline retrains its rounds: from the pipeline's rewind point (rewind.safetensors, epoch k; --rewind-epoch 0:\n" +
    "the initialisation) with a fresh optimiser and the LR schedule resumed at k, with the pipeline's recipe. The\n" +
    'tweaks: AT = --activation swish|mish and --extra-skips (two 1×1 conv + BN jump paths per BasicBlock, new to the\n' +
    'ticket: they start at their init and stay dense); TRT = --gradinit (per-tensor scales learned before the first\n' +
    "step) and --label-smoothing, or --kd (distillation from the pipeline's dense round-0 network) in its place.\n" +
    'No tweak retrains the round as it was (vanilla LTH). Writes an ordinary run directory (default\n' +
    '<pipeline>/retrain-NN-<tweaks>/) whose model.safetensors names the source ticket and the tweaks.',
  options: withSettings(RETRAIN_SELECTION, {
    at: { type: 'boolean', description: 'the AT tweaks of the paper: --activation swish --extra-skips' },
    trt: { type: 'boolean', description: 'the TRT tweaks of the paper: --gradinit --label-smoothing 0.1' },
    'rewind-epoch': {
      type: 'string',
      value: 'k',
      description: "the pipeline's rewind epoch (its rewind point) or 0 (the initialisation) [default: the pipeline's]",
    },
    model: { type: 'string', value: 'NAME', description: 'check: the ticket must be of this model' },
    width: { type: 'string', value: 'W', description: 'check: the ticket must be of this width' },
    name: { type: 'string', value: 'NAME', description: 'run name [default: retrain-NN-<tweaks>]' },
    'runs-dir': { type: 'string', value: 'DIR', description: 'parent of the run [default: the pipeline directory]' },
    threads: { type: 'string', value: 'T', description: 'threads [default: SPARSETICKETS_THREADS or all cores]' },
    backend: { type: 'string', value: 'B', description: 'auto | native | js [default: auto]' },
    overwrite: { type: 'boolean', description: 'replace an existing run of the same name' },
    resume: { type: 'boolean', description: 'continue the run of this name from its last checkpoint' },
    'halt-after': { type: 'string', value: 'N', description: 'testing: stop as if interrupted after N iterations' },
    quiet: { type: 'boolean', description: 'no progress output' },
    json: { type: 'boolean', description: 'print the run summary as JSON on stdout' },
  }),
  examples: [
    'sparsetickets lottery --model resnet20 --dataset cifar10 --data-dir ../shared/datasets/cifar10-jpeg --epochs 30 --rounds 6 --rewind-epoch 2 --scope conv-only --name imp',
    'sparsetickets retrain runs/imp/round-05 --at',
    'sparsetickets retrain runs/imp/round-05 --trt',
    'sparsetickets retrain runs/imp/round-05 --at --trt --json',
    'sparsetickets retrain runs/imp/round-05/model.safetensors --activation mish --gradinit --gradinit-order mask-first --kd',
    'sparsetickets retrain runs/imp/round-05 --rewind-epoch 0',
  ],
};

/** The macros of the paper's tweak sets, as the flags they stand for (--trt smooths unless --kd distils). */
function expandMacros(v: ParsedOptions): ParsedOptions {
  return {
    ...v,
    ...(v.at ? { activation: v.activation ?? 'swish', 'extra-skips': true } : {}),
    ...(v.trt ? { gradinit: true, 'label-smoothing': v['label-smoothing'] ?? (v.kd ? undefined : '0.1') } : {}),
  };
}

/** The flags as a tweak set (validated by its schema). */
export function flagsToTweaks(v: ParsedOptions): TweakSet {
  const kdFlags = selectedSettings(RETRAIN_SELECTION)
    .filter((s) => s.path.startsWith('loss.distill.'))
    .map((s) => s.flag!);
  requireSwitch('retrain', v, kdFlags, '--kd', Boolean(v.kd));
  if (v.kd && v['label-smoothing'] !== undefined)
    throw new UsageError('retrain: --kd replaces label smoothing (SPEC §9); give one of them');
  const raw = tweaksFromConfig(flagsToConfig(expandMacros(v), RETRAIN_SELECTION, 'retrain'));
  const r = tweakSetSchema.safeParse({ ...raw, ...(v.kd ? { kd: raw.kd ?? {} } : {}) });
  if (!r.success)
    throw new UsageError(
      `retrain: ${r.error.issues.map((i) => `${i.path.join('.') || 'tweaks'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

export const retrainCommand = {
  summary: "retrain a lottery ticket's mask with the tweaks of 'spending the lottery better'",
  async run(argv: string[]): Promise<void> {
    const parsed = parseCommandLine(spec, argv);
    if (!parsed) return;
    const v = parsed.values;
    const tweaks = flagsToTweaks(v);
    if (v.resume && v.overwrite) throw new UsageError('retrain: --resume and --overwrite contradict each other');
    const int = (name: string, min: number) =>
      v[name] === undefined ? undefined : numberOption('retrain', v, name, { min, integer: true });
    const summary = await retrainTicket(parsed.positionals[0], {
      tweaks,
      rewindEpoch: int('rewind-epoch', 0),
      name: v.name as string | undefined,
      runsDir: v['runs-dir'] as string | undefined,
      expect: {
        model: v.model as string | undefined,
        width: v.width === undefined ? undefined : numberOption('retrain', v, 'width', { min: 1e-6 }),
      },
      threads: int('threads', 1),
      backend: v.backend as 'auto' | 'native' | 'js' | undefined,
      mode: v.resume ? 'resume' : v.overwrite ? 'overwrite' : 'fresh',
      quiet: Boolean(v.quiet),
      haltAfter: int('halt-after', 1),
    });
    if (v.json) process.stdout.write(JSON.stringify(summary) + '\n');
    const test = summary.final.test;
    process.stderr.write(
      summary.status === 'interrupted'
        ? `interrupted after ${summary.iterations} iterations; continue with the same command and --resume\n`
        : `retrained ${(summary.retrain as { description: string }).description}: test accuracy ` +
            `${test ? (100 * test.accuracy).toFixed(2) + '%' : 'n/a'} (${summary.wall_seconds.toFixed(1)} s; run directory ${summary.run})\n`,
    );
    if (summary.status === 'interrupted') process.exitCode = signalExitCode(summary.signal ?? 'SIGINT');
  },
};
