// A trained network from a file, whichever kind: a checkpoint (its stored config names model, width, dataset and
// the AT tweak's architecture variants) or a ticket (its provenance does). What teachers, `eval` and the ticket
// commands load.
import { architectureOf, type Architecture } from '../models/index.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { readSafetensors, type TensorMap } from '../util/safetensors.js';
import { loadTicket, TICKET_FORMAT, type Ticket } from '../tickets/ticket.js';

export interface NetworkFile {
  path: string;
  kind: 'checkpoint' | 'ticket';
  model: string;
  width: number;
  /** Activation and extra skips when not the plain ones (SPEC §9). */
  architecture: Architecture;
  classes?: number;
  dataset?: string;
  dataDir?: string;
  valFraction?: number;
  trainSubset?: number;
  /** The model's state dict. */
  state: TensorMap;
  /** For a ticket file. */
  ticket?: Ticket;
}

export function readNetworkFile(path: string): NetworkFile {
  const { metadata } = readSafetensors(path);
  if (metadata.format === TICKET_FORMAT) {
    const ticket = loadTicket(path, { allowDense: true });
    const p = ticket.provenance;
    if (!p.model) throw new Error(`${path}: the ticket's provenance names no model`);
    return {
      path,
      kind: 'ticket',
      model: p.model,
      width: p.width ?? 1,
      architecture: architectureOf(p),
      classes: p.classes,
      dataset: p.dataset,
      dataDir: p.dataDir,
      valFraction: p.valFraction,
      trainSubset: p.trainSubset,
      state: ticket.state,
      ticket,
    };
  }
  const ck = readCheckpoint(path);
  const c = JSON.parse(ck.metadata.config ?? '{}') as {
    model?: string;
    width?: number;
    activation?: string;
    extraSkips?: boolean;
    dataset?: string;
    dataDir?: string;
    valFraction?: number;
    trainSubset?: number;
  };
  if (!c.model) throw new Error(`${path}: the checkpoint has no stored config naming its model`);
  return {
    path,
    kind: 'checkpoint',
    model: c.model,
    width: c.width ?? 1,
    architecture: architectureOf(c),
    dataset: c.dataset,
    dataDir: c.dataDir,
    valFraction: c.valFraction,
    trainSubset: c.trainSubset,
    state: ck.modelState,
  };
}
