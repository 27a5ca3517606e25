// Reference softmax cross-entropy: mean over N rows of C logits.
import type { Floats } from './floats.js';

/**
 * Targets are class indices (Int32Array; label smoothing α gives target = (1 − α)·onehot + α/C) or soft
 * target distributions [N, C] (α ignored). Writes probs = softmax(logits) and dlogits = (probs − target)/N;
 * returns the mean over rows of −Σ target·log softmax.
 */
export function softmaxCrossEntropy(
  dlogits: Floats,
  probs: Floats,
  logits: Floats,
  targets: Int32Array | Floats,
  N: number,
  C: number,
  smoothing: number,
): number {
  const soft = !(targets instanceof Int32Array);
  if (!soft) {
    for (let i = 0; i < N; i++) {
      if (!(targets[i] >= 0 && targets[i] < C)) {
        throw new Error(`softmaxCrossEntropy: target ${targets[i]} at row ${i} is out of range [0, ${C})`);
      }
    }
  }
  let total = 0;
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let max = -Infinity;
    for (let j = 0; j < C; j++) max = Math.max(max, logits[row + j]);
    let sum = 0;
    for (let j = 0; j < C; j++) sum += Math.exp(logits[row + j] - max);
    const logZ = max + Math.log(sum);
    for (let j = 0; j < C; j++) {
      const target = soft ? targets[row + j] : (j === targets[i] ? 1 - smoothing : 0) + smoothing / C;
      const p = Math.exp(logits[row + j] - logZ);
      probs[row + j] = p;
      dlogits[row + j] = (p - target) / N;
      total += target * (logZ - logits[row + j]);
    }
  }
  return total / N;
}
