// Diversity of an ensemble's members from their stored predictions (SPEC §10): prediction disagreement
// D[i][j] = 1 − mean(argmax P_i = argmax P_j), and KL[i][j] = mean over examples of KL(P_j ‖ P_i) =
// Σ_c P_j log(P_j / P_i) (natural log, T = 1). The means: D over the off-diagonal pairs, KL over ordered pairs i ≠ j.
import { argmaxRow } from './metrics.js';
import type { Predictions } from './predict.js';

export interface Diversity {
  disagreement: number[][];
  meanDisagreement: number;
  kl: number[][];
  meanKl: number;
}

const TINY = 1e-12;

export function diversity(members: Predictions[]): Diversity {
  const M = members.length;
  const n = members[0].labels.length;
  const C = members[0].classes;
  const preds = members.map((m) => Int32Array.from({ length: n }, (_, r) => argmaxRow(m.probs, r, C)));
  const D = Array.from({ length: M }, () => new Array<number>(M).fill(0));
  const K = Array.from({ length: M }, () => new Array<number>(M).fill(0));
  let dSum = 0;
  let kSum = 0;
  for (let i = 0; i < M; i++)
    for (let j = 0; j < M; j++) {
      if (i === j) continue;
      let same = 0;
      for (let r = 0; r < n; r++) if (preds[i][r] === preds[j][r]) same++;
      D[i][j] = 1 - same / n;
      const Pi = members[i].probs;
      const Pj = members[j].probs;
      let kl = 0;
      for (let t = 0; t < n * C; t++) {
        const pj = Pj[t];
        if (pj > 0) kl += pj * (Math.log(pj) - Math.log(Math.max(Pi[t], TINY)));
      }
      K[i][j] = kl / n;
      dSum += D[i][j];
      kSum += K[i][j];
    }
  const pairs = M * (M - 1);
  return {
    disagreement: D,
    meanDisagreement: pairs ? dSum / pairs : 0,
    kl: K,
    meanKl: pairs ? kSum / pairs : 0,
  };
}
