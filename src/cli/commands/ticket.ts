// `sparsetickets ticket show|superpose|interpolate|prune`: inspect tickets and combine them into new ones with the
// ticket algebra (src/tickets/), exactly as the training pipelines do. Every output is a ticket file (loads into
// PyTorch with load_state_dict(strict=True); masks and provenance in its metadata), written atomically.
import { architectureOf, describeArchitecture } from '../../models/index.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ticketEvaluator } from '../../run/ticket_data.js';
import { interpolate } from '../../tickets/interpolate.js';
import { PRUNE_SCOPES, prunableNames, pruneTicket, type PruneOptions, type PruneScope } from '../../tickets/prune.js';
import { superpose, SUPERPOSE_KINDS, type SuperposeKind } from '../../tickets/superpose.js';
import {
  loadTicket,
  maskNonzeros,
  saveTicket,
  TicketError,
  type Provenance,
  type Ticket,
} from '../../tickets/ticket.js';
import { numberOption, parseCommandLine, UsageError, type CommandSpec, type ParsedOptions } from '../args.js';
import { optionalCount } from '../limits.js';
import { checkOutput, OVERWRITE_OPTION } from '../output.js';

const dataOptions = {
  'data-dir': { type: 'string', value: 'DIR', description: "dataset directory [default: the ticket's]" },
  threads: { type: 'string', value: 'T', description: 'threads [default: all cores]' },
} as const;

const out = { type: 'string', value: 'FILE', description: 'where to write the new ticket (required)' } as const;
const json = { type: 'boolean', description: 'print a JSON document on stdout' } as const;
const scope = {
  type: 'string',
  value: 'S',
  choices: PRUNE_SCOPES,
  description:
    'weights pruned: masked (those the tickets mask) | all (every Conv/Linear weight) | conv-only (Conv2d only)',
} as const;

const SPECS: Record<string, CommandSpec> = {
  show: {
    name: 'ticket show',
    summary: 'Layers (shape, nonzeros, density), overall density and provenance of a ticket.',
    positionals: { usage: 'TICKET', min: 1, max: 1 },
    options: { json },
    examples: ['sparsetickets ticket show runs/r/tickets/ultimate.safetensors'],
  },
  superpose: {
    name: 'ticket superpose',
    summary:
      'Superpose tickets in the order given, exactly as Sup-tickets does in training (SPEC §6): each ticket is added\n' +
      'to the running superposition (CIA, CAA or CIMA), which is then magnitude-pruned globally to --density.\n' +
      'BatchNorm: av averages the running statistics; bu recomputes them on the training data after the last prune.',
    positionals: { usage: 'TICKET TICKET...', min: 2 },
    options: {
      superpose: {
        type: 'string',
        value: 'K',
        default: 'cia',
        choices: SUPERPOSE_KINDS,
        description: 'cia | caa | cima',
      },
      'cima-beta': { type: 'string', value: 'β', default: '0.8', description: "CIMA's weight of the previous" },
      density: {
        type: 'string',
        value: 'D',
        description: "density of the pruned superposition over --scope [default: the first ticket's nonzeros]",
      },
      scope: { ...scope, default: 'masked' },
      bn: { type: 'string', value: 'K', default: 'av', choices: ['av', 'bu'], description: 'BatchNorm statistics' },
      out,
      overwrite: OVERWRITE_OPTION,
      json,
      ...dataOptions,
    },
    examples: [
      'sparsetickets ticket superpose r/tickets/cheap-1.safetensors r/tickets/cheap-2.safetensors r/tickets/cheap-3.safetensors --superpose caa --density 0.1 --out T.safetensors',
    ],
  },
  interpolate: {
    name: 'ticket interpolate',
    summary:
      'α·A + (1−α)·B over every model tensor (Lottery Pools, SPEC §7); masks are the union. Optionally pruned to\n' +
      '--density afterwards; --bn bu recomputes the BatchNorm statistics on the training data.',
    positionals: { usage: 'A B', min: 2, max: 2 },
    options: {
      alpha: { type: 'string', value: 'α', description: 'weight of A, in [0, 1] (required)' },
      density: { type: 'string', value: 'D', description: 'prune the result to this density over --scope' },
      scope: { ...scope, default: 'masked' },
      bn: {
        type: 'string',
        value: 'K',
        default: 'interpolate',
        choices: ['interpolate', 'bu'],
        description: 'BatchNorm statistics',
      },
      out,
      overwrite: OVERWRITE_OPTION,
      json,
      ...dataOptions,
    },
    examples: ['sparsetickets ticket interpolate A.safetensors B.safetensors --alpha 0.3 --out T.safetensors'],
  },
  prune: {
    name: 'ticket prune',
    summary: 'Magnitude-prune a ticket to a density, globally or layer-wise (SPEC §5); a pruned weight never returns.',
    positionals: { usage: 'TICKET', min: 1, max: 1 },
    options: {
      density: { type: 'string', value: 'D', description: 'target density over --scope, in (0, 1] (required)' },
      scope: { ...scope, default: 'all' },
      pruning: {
        type: 'string',
        value: 'P',
        default: 'global',
        choices: ['global', 'layerwise'],
        description: 'one threshold over all weights in scope, or each layer to the density',
      },
      out,
      overwrite: OVERWRITE_OPTION,
      json,
    },
    examples: [
      'sparsetickets ticket prune runs/r/model.safetensors --density 0.2 --scope conv-only --out T.safetensors',
    ],
  },
};

function load(path: string, allowDense = false): Ticket {
  if (!existsSync(path)) throw new UsageError(`ticket: ${path} not found`);
  try {
    return loadTicket(path, { allowDense });
  } catch (e) {
    throw new UsageError(`ticket: ${(e as Error).message}`);
  }
}

/** --out, checked before any work: a .safetensors file, not one of the inputs, existing only with --overwrite. */
function outPath(v: ParsedOptions, cmd: string, inputs: readonly string[]): string {
  if (!v.out) throw new UsageError(`${cmd}: --out FILE is required`);
  const o = String(v.out);
  if (!o.endsWith('.safetensors')) throw new UsageError(`${cmd}: --out must name a .safetensors file, got '${o}'`);
  checkOutput(cmd, o, { overwrite: v.overwrite === true, inputs });
  return o;
}

/** A pruned result that keeps no weight in a layer of the scope is a dead network: refused, naming the layer. */
function checkNoEmptyLayer(cmd: string, t: Ticket, prune: PruneOptions): void {
  for (const name of prunableNames(t, prune.scope)) {
    const m = t.masks.get(name);
    if (m && !m.some((x) => x !== 0))
      throw new UsageError(
        `${cmd}: ${prune.density !== undefined ? `--density ${prune.density}` : `pruning to ${prune.keep} weights`} ` +
          `keeps no weight in layer ${name} (scope ${prune.scope}); give a larger density`,
      );
  }
}

/** Layers, densities and provenance of a ticket, as `ticket show` prints them. */
export function describeTicket(t: Ticket) {
  const layers = prunableNames(t, 'all').map((name) => {
    const s = t.state.get(name)!;
    const m = t.masks.get(name);
    const nnz = m ? m.reduce((a, b) => a + b, 0) : s.data.length;
    return { name, shape: s.shape, params: s.data.length, nnz, density: nnz / s.data.length, masked: !!m };
  });
  const params = layers.reduce((a, l) => a + l.params, 0);
  const nnz = layers.reduce((a, l) => a + l.nnz, 0);
  return { layers, prunable_params: params, nonzeros: nnz, density: nnz / params, provenance: t.provenance };
}

/** Runs one operation of the algebra (its TicketErrors are the user's: one line, exit 2), recomputes BatchNorm
 * statistics for --bn bu, records what was done in the provenance and writes the new ticket. */
function combine(
  cmd: string,
  v: ParsedOptions,
  file: string,
  make: () => Ticket,
  prune: PruneOptions | undefined,
  done: Pick<Provenance, 'kind' | 'ingredients' | 'operation'>,
): void {
  let t: Ticket;
  try {
    t = make();
  } catch (e) {
    if (e instanceof TicketError) throw new UsageError(`${cmd}: ${e.message}`);
    throw e;
  }
  if (prune) checkNoEmptyLayer(cmd, t, prune);
  const bu = v.bn === 'bu';
  if (bu) refreshBn(cmd, v, t);
  t.provenance = { ...t.provenance, ...done, metrics: undefined };
  saveTicket(file, t);
  const d = describeTicket(t);
  if (v.json) process.stdout.write(JSON.stringify({ out: file, ...d }) + '\n');
  process.stderr.write(
    `${done.kind}: ${file} (${t.provenance.model}, density ${d.density.toFixed(4)} of the prunable weights` +
      `${bu ? ', BatchNorm recomputed on the training data' : ''})\n`,
  );
}

function pruneOptions(v: ParsedOptions, cmd: string, fallbackKeep?: number): PruneOptions | undefined {
  const sc = String(v.scope) as PruneScope;
  if (v.density !== undefined)
    return {
      scope: sc,
      pruning: (v.pruning as 'global' | 'layerwise' | undefined) ?? 'global',
      density: numberOption(cmd, v, 'density', { min: 0, max: 1 }),
    };
  return fallbackKeep === undefined ? undefined : { scope: sc, pruning: 'global', keep: fallbackKeep };
}

function refreshBn(cmd: string, v: ParsedOptions, t: Ticket): void {
  const ev = ticketEvaluator(cmd, t.provenance, {
    dataDir: v['data-dir'] as string | undefined,
    threads: optionalCount(cmd, v, 'threads'),
    splits: [],
  });
  ev.refreshBn(t);
}

const RUN: Record<string, (v: ParsedOptions, files: string[]) => void> = {
  show(v, [file]) {
    const t = load(file, true);
    const d = describeTicket(t);
    if (v.json) {
      process.stdout.write(JSON.stringify({ file, ...d }) + '\n');
      return;
    }
    const p = t.provenance;
    const lines = [
      `${file}: ${p.model} (width ${p.width}, ${[describeArchitecture(architectureOf(p)), `${p.classes} classes`].filter(Boolean).join(', ')}), ${p.method}, ${p.kind ?? 'ticket'}`,
      `density ${d.density.toFixed(4)} (${d.nonzeros} of ${d.prunable_params} prunable weights)`,
      ...(p.seed !== undefined ? [`seed ${p.seed}, epoch ${p.epoch ?? '?'}, iteration ${p.iteration ?? '?'}`] : []),
      ...(p.source ? [`source ${p.source}`] : []),
      ...(p.ingredients?.length ? [`ingredients ${p.ingredients.join(', ')}`] : []),
      ...(p.operation ? [`operation ${p.operation}`] : []),
      ...Object.entries(p.metrics ?? {}).map(
        ([s, m]) =>
          `${s}: accuracy ${(100 * m.accuracy).toFixed(2)}%, NLL ${m.nll.toFixed(4)}, ECE ${m.ece.toFixed(4)}`,
      ),
      '',
      `${'layer'.padEnd(28)} ${'shape'.padEnd(16)} ${'params'.padStart(9)} ${'nonzeros'.padStart(9)} density`,
      ...d.layers.map(
        (l) =>
          `${l.name.padEnd(28)} ${l.shape.join('×').padEnd(16)} ${String(l.params).padStart(9)} ${String(l.nnz).padStart(9)} ${l.density.toFixed(4)}${l.masked ? '' : ' (dense)'}`,
      ),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  },

  superpose(v, files) {
    const cmd = 'ticket superpose';
    const file = outPath(v, cmd, files);
    optionalCount(cmd, v, 'threads');
    const tickets = files.map((f) => load(f));
    const kind = String(v.superpose) as SuperposeKind;
    const beta = numberOption(cmd, v, 'cima-beta', { min: 0, max: 1 });
    const prune = pruneOptions(v, cmd, maskNonzeros(tickets[0]));
    combine(cmd, v, file, () => superpose(tickets, { kind, beta, prune }), prune, {
      kind: 'superposed',
      ingredients: files.map((f) => basename(f)),
      operation: `${kind} superposition${prune ? `, global magnitude prune after each (scope ${prune.scope})` : ''}, BN ${String(v.bn)}`,
    });
  },

  interpolate(v, [a, b]) {
    const cmd = 'ticket interpolate';
    const file = outPath(v, cmd, [a, b]);
    optionalCount(cmd, v, 'threads');
    if (v.alpha === undefined) throw new UsageError(`${cmd}: --alpha is required`);
    const alpha = numberOption(cmd, v, 'alpha', { min: 0, max: 1 });
    const prune = pruneOptions(v, cmd);
    const [ta, tb] = [load(a, true), load(b, true)];
    combine(
      cmd,
      v,
      file,
      () => {
        const t = interpolate(ta, tb, alpha);
        return prune ? pruneTicket(t, prune) : t;
      },
      prune,
      {
        kind: 'interpolated',
        ingredients: [basename(a), basename(b)],
        operation: `${alpha}·A + ${+(1 - alpha).toFixed(6)}·B${prune ? `, pruned to ${String(v.density)}` : ''}`,
      },
    );
  },

  prune(v, [src]) {
    const cmd = 'ticket prune';
    const file = outPath(v, cmd, [src]);
    if (v.density === undefined) throw new UsageError(`${cmd}: --density is required`);
    const options = pruneOptions(v, cmd)!;
    const t = load(src, true);
    combine(cmd, v, file, () => pruneTicket(t, options), options, {
      kind: 'pruned',
      ingredients: [basename(src)],
      operation: `${String(v.pruning)} magnitude prune to ${String(v.density)} (scope ${String(v.scope)})`,
    });
  },
};

export const ticketCommand = {
  summary: 'show, superpose, interpolate or prune tickets (the ticket algebra)',
  run(argv: string[]): void {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      const lines = ['Usage: sparsetickets ticket <show|superpose|interpolate|prune> [options]', ''];
      for (const [name, s] of Object.entries(SPECS)) lines.push(`  ${name.padEnd(12)} ${s.summary.split('\n')[0]}`);
      lines.push('', "Run 'sparsetickets ticket <subcommand> --help' for its options.");
      process.stdout.write(lines.join('\n') + '\n');
      if (sub === undefined) process.exitCode = 2;
      return;
    }
    const spec = SPECS[sub];
    if (!spec) throw new UsageError(`ticket: unknown subcommand '${sub}'; valid: ${Object.keys(SPECS).join(', ')}`);
    const parsed = parseCommandLine(spec, rest);
    if (!parsed) return;
    RUN[sub](parsed.values, parsed.positionals);
  },
};
