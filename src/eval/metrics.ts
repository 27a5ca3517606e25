// Classification metrics of SPEC §10 from predicted probabilities [n, C] and labels.

export interface Metrics {
  accuracy: number;
  nll: number;
  ece: number;
}

export const ECE_BINS = 15;

/** Index of the largest entry of row r (first one on ties, as torch.argmax). */
export function argmaxRow(probs: Float32Array, r: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (probs[r * C + c] > probs[r * C + best]) best = c;
  return best;
}

/**
 * Accumulates accuracy, NLL (mean −log p_true) and ECE with 15 equal-width confidence bins over [0, 1]:
 * ECE = Σ_b (|B_b|/N)·|acc_b − conf_b|, bin b holding confidences in (b/15, (b+1)/15] (confidence 0 in bin 0).
 */
export class MetricAccumulator {
  private n = 0;
  private correct = 0;
  private nllSum = 0;
  private readonly binCount = new Float64Array(ECE_BINS);
  private readonly binCorrect = new Float64Array(ECE_BINS);
  private readonly binConf = new Float64Array(ECE_BINS);

  add(probs: Float32Array, labels: Int32Array, n: number, C: number): void {
    for (let r = 0; r < n; r++) {
      const pred = argmaxRow(probs, r, C);
      const conf = probs[r * C + pred];
      const ok = pred === labels[r] ? 1 : 0;
      this.correct += ok;
      this.nllSum += -Math.log(Math.max(probs[r * C + labels[r]], 1e-12));
      const bin = Math.min(ECE_BINS - 1, Math.max(0, Math.ceil(conf * ECE_BINS) - 1));
      this.binCount[bin]++;
      this.binCorrect[bin] += ok;
      this.binConf[bin] += conf;
    }
    this.n += n;
  }

  result(): Metrics {
    let ece = 0;
    for (let b = 0; b < ECE_BINS; b++) {
      if (this.binCount[b] === 0) continue;
      ece +=
        (this.binCount[b] / this.n) *
        Math.abs(this.binCorrect[b] / this.binCount[b] - this.binConf[b] / this.binCount[b]);
    }
    return { accuracy: this.correct / this.n, nll: this.nllSum / this.n, ece };
  }
}
