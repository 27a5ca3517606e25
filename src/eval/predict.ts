// Predictions once, metrics many (SPEC §10): a model's softmax probabilities over a loader's batches in eval
// mode, and the metrics derived from stored probabilities — for one model or the mean of several (an ensemble).
import type { BatchLoader } from '../data/loader.js';
import type { Kernels } from '../kernels/kernels.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import { MetricAccumulator, type Metrics } from './metrics.js';

export interface Predictions {
  /** Softmax probabilities, row-major [n, classes]. */
  probs: Float32Array;
  labels: Int32Array;
  classes: number;
}

/** Runs the model in eval mode over the loader (its epoch 0, in order) and keeps the probabilities. */
export function predict(model: Module, loader: BatchLoader, kernels: Kernels): Predictions {
  const wasTraining = model.training;
  model.eval();
  const ce = new CrossEntropyLoss(0, kernels);
  const n = loader.set.n;
  const labels = new Int32Array(n);
  let probs = new Float32Array(0);
  let classes = 0;
  let at = 0;
  for (const b of loader.epoch(0)) {
    const out = ce.compute(model.forward({ data: b.x, shape: b.shape }), b.y).probs;
    if (classes === 0) {
      classes = out.shape[1];
      probs = new Float32Array(n * classes);
    }
    probs.set(out.data.subarray(0, b.n * classes), at * classes);
    labels.set(b.y.subarray(0, b.n), at);
    at += b.n;
  }
  model.train(wasTraining);
  return { probs, labels, classes };
}

/** Accuracy, NLL and ECE (15 bins) of stored predictions. */
export function metricsOf(p: Predictions): Metrics {
  const acc = new MetricAccumulator();
  acc.add(p.probs, p.labels, p.labels.length, p.classes);
  return acc.result();
}

/** The ensemble's prediction: the mean of the members' softmax probabilities (SPEC §8, §10). */
export function meanPredictions(members: Predictions[]): Predictions {
  if (members.length === 0) throw new Error('meanPredictions: no members');
  const [first] = members;
  const probs = new Float32Array(first.probs.length);
  for (const m of members) {
    if (m.probs.length !== probs.length || m.classes !== first.classes)
      throw new Error('meanPredictions: members predict different shapes');
    for (let i = 0; i < probs.length; i++) probs[i] += m.probs[i];
  }
  for (let i = 0; i < probs.length; i++) probs[i] /= members.length;
  return { probs, labels: first.labels, classes: first.classes };
}
