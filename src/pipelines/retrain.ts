// Retraining a found ticket's mask with the tweaks of "spending the lottery better" (SPEC §9;
// papers/spending-the-lottery.txt): the mask of a round of a lottery pipeline (IMP or OMP, SPEC §5) is retrained
// as the pipeline retrains its rounds — the whole state of its rewind point (rewind.safetensors, epoch k), a fresh
// optimiser and the LR schedule resumed at k; or from the initialisation (rewind epoch 0) — with any of: AT (an
// activation in every ReLU's place, the BasicBlocks' jump paths: new to the ticket, they start at their init and
// stay dense) and TRT (GradInit before the first step, label smoothing, or KD from the pipeline's dense round-0
// ticket). The tweaks touch only the retraining, never the mask. The result is an ordinary run directory whose
// model.safetensors names the source ticket and the tweaks in its provenance.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { architectureOf, describeArchitecture, EXTRA_SKIP_MODELS } from '../models/index.js';
import { validateConfig, type TrainConfig } from '../run/config.js';
import type { RunStart } from '../run/start.js';
import { runOnce, type RunMode, type RunOnceOptions } from '../run/run_once.js';
import type { RunSummary } from '../run/summary.js';
import { describeTweaks, tweakName, type TweakSet } from '../run/tweak_config.js';
import type { Hook } from '../train/hooks.js';
import { UsageError } from '../util/errors.js';
import { staticSparse, type LotterySettings, type RoundRecord } from './lottery.js';
import { checkCompatible, loadTicket, type Ticket } from '../tickets/ticket.js';

/** A round of a lottery pipeline, read and checked. */
export interface RetrainSource {
  /** The pipeline directory (lottery.json, rewind.safetensors, round-NN/). */
  pipeline: string;
  round: number;
  ticketFile: string;
  ticket: Ticket;
  settings: LotterySettings;
  /** The rounds' recipe (the pipeline's stored config). */
  config: TrainConfig;
  /** The pipeline's dense network (round 0's ticket): the KD teacher. */
  denseTicket: string;
}

/** Reads the round a path names: a round's ticket file, or its directory (its ticket as the pipeline keeps it). */
export function retrainSource(path: string): RetrainSource {
  if (!existsSync(path)) throw new UsageError(`retrain: ${path} not found`);
  const isDir = statSync(path).isDirectory();
  const dir = resolve(isDir ? path : dirname(path));
  const m = /^round-(\d+)$/.exec(basename(dir));
  const pipeline = dirname(dir);
  const settingsFile = join(pipeline, 'lottery.json');
  if (!m || !existsSync(settingsFile))
    throw new UsageError(
      `retrain: ${path} is not a round of a lottery pipeline (a round-NN directory or its ticket, beside lottery.json)`,
    );
  const round = Number(m[1]);
  const stored = JSON.parse(readFileSync(settingsFile, 'utf8')) as { settings: LotterySettings; config: unknown };
  const settings = stored.settings;
  const config = validateConfig(stored.config as Record<string, unknown>, `${settingsFile} (the pipeline's config)`);
  if (settings.kind === 'ltr')
    throw new UsageError(
      'retrain: an LTR pipeline keeps no rewind point (it rewinds only the LR); retrain IMP or OMP tickets',
    );
  if (round === 0) throw new UsageError('retrain: round 0 is the dense network, it has no mask; give a pruned round');
  const ticketFile = isDir
    ? join(dir, settings.ticket === 'best-val' ? 'best.safetensors' : 'model.safetensors')
    : path;
  const rounds = JSON.parse(readFileSync(join(pipeline, 'rounds.json'), 'utf8')) as RoundRecord[];
  if (rounds[round]?.status !== 'completed' || !existsSync(ticketFile))
    throw new UsageError(`retrain: round ${round} of ${pipeline} has not finished (no ticket ${ticketFile})`);
  let ticket: Ticket;
  try {
    ticket = loadTicket(ticketFile);
  } catch (e) {
    throw new UsageError(`retrain: ${(e as Error).message}`);
  }
  const denseTicket = join(pipeline, rounds[0].ticket);
  return { pipeline, round, ticketFile, ticket, settings, config, denseTicket };
}

export interface RetrainOptions {
  tweaks: TweakSet;
  /** The epoch to rewind to: the pipeline's k (its rewind point, the default) or 0 (the initialisation). */
  rewindEpoch?: number;
  /** The run's name and parent [default: retrain-NN-<tweaks> in the pipeline directory]. */
  name?: string;
  runsDir?: string;
  /** Checks against the ticket: the model and width the user expects it to be. */
  expect?: { model?: string; width?: number };
  threads?: number;
  backend?: TrainConfig['backend'];
  /** As runOnce's (default fresh: a retraining that exists is refused unless overwrite or resume). */
  mode?: RunMode;
  quiet?: boolean;
  haltAfter?: number;
  hooks?: () => Hook[];
  /** Told, before any work, whether the retraining starts or resumes (not when it has finished). */
  onBegin?: RunOnceOptions['onBegin'];
}

/** The run a retraining is: its config, start and provenance. Every problem is a usage error, before work. */
export function retrainPlan(
  src: RetrainSource,
  o: RetrainOptions,
): { config: TrainConfig; start: RunStart; note: string } {
  const c = src.config;
  const p = src.ticket.provenance;
  const t = o.tweaks;
  const ticketArch = describeArchitecture(architectureOf(p));
  if (p.model !== c.model || p.width !== c.width || ticketArch)
    throw new UsageError(
      `retrain: ${src.ticketFile} is a ${p.model} (width ${p.width}${ticketArch ? `, ${ticketArch}` : ''}) ticket, ` +
        `but the pipeline trains a plain ${c.model} (width ${c.width}); give a round's own ticket`,
    );
  if (o.expect?.model !== undefined && o.expect.model !== c.model)
    throw new UsageError(`retrain: --model ${o.expect.model} does not match the ticket's architecture, ${c.model}`);
  if (o.expect?.width !== undefined && o.expect.width !== c.width)
    throw new UsageError(`retrain: --width ${o.expect.width} does not match the ticket's width, ${c.width}`);
  if (t.extraSkips && !EXTRA_SKIP_MODELS.includes(c.model))
    throw new UsageError(
      `retrain: --extra-skips needs BasicBlocks; ${c.model} has none (${EXTRA_SKIP_MODELS.join(', ')} have them)`,
    );
  const k = src.settings.rewindEpoch;
  const rewind = o.rewindEpoch ?? k;
  if (rewind !== k && rewind !== 0)
    throw new UsageError(
      `retrain: --rewind-epoch ${rewind}: the pipeline kept the state of epoch ${k} (its rewind point) and the ` +
        'initialisation (0), no other',
    );
  const rewindFile = join(src.pipeline, 'rewind.safetensors');
  if (!existsSync(rewindFile))
    throw new UsageError(`retrain: ${rewindFile} is missing (the pipeline's state at epoch ${k})`);
  const rewound = loadTicket(rewindFile, { allowDense: true });
  checkArchitecture(src, rewound);
  const name = tweakName(t);
  const config = validateConfig(
    {
      ...(c as unknown as Record<string, unknown>),
      // run names take no '+': swish+skips → swish_skips
      name:
        o.name ??
        `retrain-${String(src.round).padStart(2, '0')}-${name.replace(/\+/g, '_')}${rewind !== k ? `-rewind${rewind}` : ''}`,
      runsDir: o.runsDir ?? src.pipeline,
      sparse: staticSparse(c),
      activation: t.activation,
      extraSkips: t.extraSkips,
      gradinit: t.gradinit,
      loss: {
        labelSmoothing: t.labelSmoothing ?? 0,
        ...(t.kd ? { distill: { teacher: src.denseTicket, ...t.kd } } : {}),
      },
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      ...(o.backend !== undefined ? { backend: o.backend } : {}),
    },
    'retrain',
  );
  const start: RunStart = {
    state: rewind > 0 ? rewound.state : undefined,
    masks: src.ticket.masks,
    epoch: rewind,
  };
  const note = `retrain of ${src.ticketFile} (${src.settings.kind.toUpperCase()} round ${src.round}, density ${p.density.toFixed(4)}) from ${rewind > 0 ? `rewind epoch ${rewind}` : 'the initialisation'} with ${describeTweaks(t)}`;
  return { config, start, note };
}

/** The ticket's tensors must be the pipeline model's (its rewind point's names and shapes): a ticket of another
 * architecture or width copied into the pipeline is refused before any work. */
function checkArchitecture(src: RetrainSource, rewind: Ticket): void {
  try {
    checkCompatible(rewind, src.ticket, `the pipeline's model and ${src.ticketFile}`);
  } catch (e) {
    throw new UsageError(`retrain: ${(e as Error).message}`);
  }
}

/** Retrains the round's mask with the tweaks; returns the run's summary (the run directory holds the rest). */
export async function retrainTicket(path: string, o: RetrainOptions): Promise<RunSummary> {
  const src = retrainSource(path);
  const { config, start, note } = retrainPlan(src, o);
  const report: Hook = {
    name: 'retrain',
    report: () => ({
      source: src.ticketFile,
      pipeline: src.pipeline,
      round: src.round,
      density: src.ticket.provenance.density,
      rewind_epoch: start.epoch,
      tweaks: { ...o.tweaks, name: tweakName(o.tweaks) },
      description: note,
    }),
  };
  return runOnce(config, start, {
    mode: o.mode ?? 'fresh',
    quiet: o.quiet,
    haltAfter: o.haltAfter,
    provenance: { ingredients: [src.ticketFile], operation: note },
    hooks: () => [report, ...(o.hooks?.() ?? [])],
    onBegin: o.onBegin,
  });
}
