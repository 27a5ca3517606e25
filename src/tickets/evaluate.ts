// Evaluating tickets: a scratch model of the tickets' architecture takes each ticket's state in turn, so any
// number of tickets is evaluated with one model's memory. BU (BatchNorm statistics recomputed over training data)
// and the prediction ensemble of several tickets go through the same model.
import type { ImageSet } from '../data/dataset.js';
import { BatchLoader } from '../data/loader.js';
import type { Normalization } from '../data/registry.js';
import type { Metrics } from '../eval/metrics.js';
import { meanPredictions, metricsOf, predict, type Predictions } from '../eval/predict.js';
import type { Kernels } from '../kernels/kernels.js';
import type { Module } from '../nn/module.js';
import { refreshBatchNorm } from './batchnorm.js';
import { applyTicket, type Ticket } from './ticket.js';

export interface TicketEvaluatorOptions {
  /** A model of the tickets' architecture and width; its state is overwritten. */
  model: Module;
  kernels: Kernels;
  /** The splits to evaluate on, e.g. { val, test }. */
  evalSets: Record<string, BatchLoader>;
  /** Training data for BU (one cumulative pass); absent: BU is not available. */
  bnData?: BatchLoader;
  /** The input normalisation of the evaluation sets (to score other image sets: corruptions). */
  normalization?: Normalization;
}

export class TicketEvaluator {
  constructor(readonly o: TicketEvaluatorOptions) {}

  /** BU: the ticket's BatchNorm running statistics recomputed over the training data (in place; returns it). */
  refreshBn(t: Ticket): Ticket {
    if (!this.o.bnData) throw new Error('refreshBn: no training data given to the evaluator');
    applyTicket(this.o.model, t);
    refreshBatchNorm(this.o.model, this.o.bnData);
    for (const [name, s] of this.o.model.stateDict()) t.state.get(name)!.data.set(s.data as never);
    return t;
  }

  predict(t: Ticket, split: string): Predictions {
    const loader = this.o.evalSets[split];
    if (!loader) throw new Error(`evaluate: no split '${split}' (have ${Object.keys(this.o.evalSets).join(', ')})`);
    applyTicket(this.o.model, t);
    return predict(this.o.model, loader, this.o.kernels);
  }

  /** Predictions on any image set of the evaluation sets' kind (a corrupted copy of the test set). */
  predictSet(t: Ticket, set: ImageSet): Predictions {
    if (!this.o.normalization) throw new Error('predictSet: the evaluator was given no normalisation');
    const loader = new BatchLoader(set, {
      batch: 500,
      shuffle: false,
      augment: false,
      normalization: this.o.normalization,
      seed: 0,
    });
    applyTicket(this.o.model, t);
    return predict(this.o.model, loader, this.o.kernels);
  }

  /** Accuracy, NLL and ECE of one ticket on every split. */
  evaluate(t: Ticket): Record<string, Metrics> {
    return Object.fromEntries(Object.keys(this.o.evalSets).map((s) => [s, metricsOf(this.predict(t, s))]));
  }

  /** The prediction ensemble (mean of softmaxes) of several tickets on every split; `load` yields each ticket
   * on demand, so only one is held at a time. */
  ensemble(count: number, load: (i: number) => Ticket): Record<string, Metrics> {
    const out: Record<string, Metrics> = {};
    const members: Record<string, Predictions[]> = {};
    for (let i = 0; i < count; i++) {
      const t = load(i);
      for (const s of Object.keys(this.o.evalSets)) (members[s] ??= []).push(this.predict(t, s));
    }
    for (const [s, m] of Object.entries(members)) out[s] = metricsOf(meanPredictions(m));
    return out;
  }
}
