// Out-of-distribution detection from stored predictions (SPEC §10): in-distribution test data is the positive
// class, the OOD set the negative; a score that is higher for in-distribution inputs separates them with ROC-AUC
// = P(score_in > score_out) + ½·P(tie) (the Mann–Whitney statistic, what sklearn's roc_auc_score computes).
// Scores: the maximum softmax probability (MSP), and the negative predictive entropy.
import type { Predictions } from './predict.js';

export const OOD_SCORES = ['msp', 'entropy'] as const;
export type OodScore = (typeof OOD_SCORES)[number];

/** Per-example scores, higher = more in-distribution. */
export function oodScores(p: Predictions, score: OodScore): Float64Array {
  const C = p.classes;
  const n = p.labels.length;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let v = score === 'msp' ? 0 : 0;
    for (let c = 0; c < C; c++) {
      const q = p.probs[r * C + c];
      if (score === 'msp') v = Math.max(v, q);
      else if (q > 0) v += q * Math.log(q); // −entropy
    }
    out[r] = v;
  }
  return out;
}

/** ROC-AUC of positives over negatives by ranks (ties share their mean rank). */
export function rocAuc(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const np = pos.length;
  const nn = neg.length;
  if (np === 0 || nn === 0) throw new Error('rocAuc: needs at least one positive and one negative');
  const all = new Float64Array(np + nn);
  for (let i = 0; i < np; i++) all[i] = pos[i];
  for (let i = 0; i < nn; i++) all[np + i] = neg[i];
  const order = Array.from({ length: np + nn }, (_, i) => i).sort((a, b) => all[a] - all[b]);
  let rankSumPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && all[order[j + 1]] === all[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (order[k] < np) rankSumPos += rank;
    i = j + 1;
  }
  return (rankSumPos - (np * (np + 1)) / 2) / (np * nn);
}

export function oodAuroc(inDist: Predictions, ood: Predictions): Record<OodScore, number> {
  return {
    msp: rocAuc(oodScores(inDist, 'msp'), oodScores(ood, 'msp')),
    entropy: rocAuc(oodScores(inDist, 'entropy'), oodScores(ood, 'entropy')),
  };
}
