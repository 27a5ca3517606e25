// `sparsetickets retrain TICKET`: a lottery round's mask retrained with the tweaks of "spending the lottery
// better" (SPEC §9) — over tickets/retrain.ts.
import { signalExitCode } from '../../run/signals.js';
import { tweakSetSchema, type TweakSet } from '../../run/tweak_config.js';
import { retrainTicket } from '../../pipelines/retrain.js';
import { numberOption, parseCommandLine, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import { ARCHITECTURE_OPTIONS, GRADINIT_OPTIONS, spec as trainSpec } from './train.js';

const pick = <T>(o: Record<string, T>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

const spec: CommandSpec = {
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
  options: {
    at: { type: 'boolean', description: 'the AT tweaks of the paper: --activation swish --extra-skips' },
    trt: { type: 'boolean', description: 'the TRT tweaks of the paper: --gradinit --label-smoothing 0.1' },
    ...ARCHITECTURE_OPTIONS,
    ...GRADINIT_OPTIONS,
    'label-smoothing': { type: 'string', value: 'A', description: 'label smoothing α [--trt: 0.1]' },
    kd: { type: 'boolean', description: "distil from the pipeline's dense network (round 0) instead of smoothing" },
    'kd-alpha': trainSpec.options['kd-alpha'],
    'kd-temperature': trainSpec.options['kd-temperature'],
    'rewind-epoch': {
      type: 'string',
      value: 'k',
      description: "the pipeline's rewind epoch (its rewind point) or 0 (the initialisation) [default: the pipeline's]",
    },
    model: { type: 'string', value: 'NAME', description: 'check: the ticket must be of this model' },
    width: { type: 'string', value: 'W', description: 'check: the ticket must be of this width' },
    name: { type: 'string', value: 'NAME', description: 'run name [default: retrain-NN-<tweaks>]' },
    'runs-dir': { type: 'string', value: 'DIR', description: 'parent of the run [default: the pipeline directory]' },
    ...pick(trainSpec.options, ['threads', 'backend', 'overwrite', 'resume', 'halt-after', 'quiet', 'json']),
  },
  examples: [
    'sparsetickets lottery --model resnet20 --dataset cifar10 --data-dir ../shared/datasets/cifar10-jpeg --epochs 30 --rounds 6 --rewind-epoch 2 --scope conv-only --name imp',
    'sparsetickets retrain runs/imp/round-05 --at',
    'sparsetickets retrain runs/imp/round-05 --trt',
    'sparsetickets retrain runs/imp/round-05 --at --trt --json',
    'sparsetickets retrain runs/imp/round-05/model.safetensors --activation mish --gradinit --gradinit-order mask-first --kd',
    'sparsetickets retrain runs/imp/round-05 --rewind-epoch 0',
  ],
};

/** The flags as a tweak set (validated by its schema). */
export function flagsToTweaks(v: ParsedOptions): TweakSet {
  const num = (name: string) => (v[name] === undefined ? undefined : numberOption('retrain', v, name));
  if ((v['gradinit-order'] !== undefined || v['gradinit-iterations'] !== undefined) && !v.gradinit && !v.trt)
    throw new UsageError('retrain: --gradinit-order and --gradinit-iterations need --gradinit (or --trt)');
  if ((v['kd-alpha'] !== undefined || v['kd-temperature'] !== undefined) && !v.kd)
    throw new UsageError('retrain: --kd-alpha and --kd-temperature need --kd');
  if (v.kd && v['label-smoothing'] !== undefined)
    throw new UsageError('retrain: --kd replaces label smoothing (SPEC §9); give one of them');
  const smoothing = num('label-smoothing') ?? (v.trt && !v.kd ? 0.1 : undefined);
  const raw = {
    activation: v.activation ?? (v.at ? 'swish' : undefined),
    extraSkips: v['extra-skips'] || v.at || undefined,
    gradinit:
      v.gradinit || v.trt
        ? {
            order: v['gradinit-order'],
            iterations:
              v['gradinit-iterations'] === undefined
                ? undefined
                : numberOption('retrain', v, 'gradinit-iterations', { min: 1, integer: true }),
          }
        : undefined,
    labelSmoothing: smoothing,
    kd: v.kd ? { alpha: num('kd-alpha'), temperature: num('kd-temperature') } : undefined,
  };
  const r = tweakSetSchema.safeParse(raw);
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
