// Calibration from stored predictions (SPEC §10): the reliability diagram's data — per confidence bin (15
// equal-width bins over [0, 1], bin b holding (b/15, (b+1)/15], confidence 0 in bin 0, as MetricAccumulator
// bins them) the count, accuracy and mean confidence — and the ECE that the diagram sums.
import { argmaxRow, ECE_BINS, MetricAccumulator, type Metrics } from './metrics.js';
import type { Predictions } from './predict.js';

export interface ReliabilityBin {
  /** (lo, hi] confidence range of the bin. */
  lo: number;
  hi: number;
  count: number;
  /** Accuracy and mean confidence of the bin's samples (null when empty). */
  accuracy: number | null;
  confidence: number | null;
}

export function reliabilityDiagram(p: Predictions, bins = ECE_BINS): ReliabilityBin[] {
  const C = p.classes;
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const conf = new Float64Array(bins);
  for (let r = 0; r < p.labels.length; r++) {
    const pred = argmaxRow(p.probs, r, C);
    const c = p.probs[r * C + pred];
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    count[b]++;
    conf[b] += c;
    if (pred === p.labels[r]) correct[b]++;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: count[b],
    accuracy: count[b] ? correct[b] / count[b] : null,
    confidence: count[b] ? conf[b] / count[b] : null,
  }));
}

/** Accuracy, NLL and ECE over several prediction sets pooled into one (the FreeTickets code's corrupted-data ECE). */
export function pooledMetrics(sets: Predictions[]): Metrics {
  const acc = new MetricAccumulator();
  for (const p of sets) acc.add(p.probs, p.labels, p.labels.length, p.classes);
  return acc.result();
}
