// Reference batch normalisation over x[N, C, HW] (BatchNorm1d: HW = 1), as PyTorch's training and eval modes.
import type { Floats } from './floats.js';

function checkTrainCount(N: number, C: number, HW: number): void {
  if (C > 0 && N * HW < 2) {
    throw new Error(
      `batchNormForwardTrain: expected more than 1 value per channel when training (N=${N} C=${C} HW=${HW})`,
    );
  }
}

/** Mean and biased variance of channel c. */
function channelStats(x: Floats, N: number, C: number, HW: number, c: number): { mean: number; variance: number } {
  const count = N * HW;
  let sum = 0;
  for (let n = 0; n < N; n++) for (let i = 0; i < HW; i++) sum += x[(n * C + c) * HW + i];
  const mean = sum / count;
  let sq = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < HW; i++) {
      const d = x[(n * C + c) * HW + i] - mean;
      sq += d * d;
    }
  }
  return { mean, variance: sq / count };
}

/**
 * y = (x − mean)/sqrt(var + eps)·γ + β with the batch statistics (biased variance); saves mean and 1/sqrt(var + eps);
 * running = (1 − momentum)·running + momentum·stat, with the unbiased variance var·n/(n − 1).
 */
export function batchNormForwardTrain(
  y: Floats,
  saveMean: Floats,
  saveInvStd: Floats,
  x: Floats,
  gamma: Floats,
  beta: Floats,
  runningMean: Floats,
  runningVar: Floats,
  N: number,
  C: number,
  HW: number,
  momentum: number,
  eps: number,
): void {
  checkTrainCount(N, C, HW);
  const count = N * HW;
  for (let c = 0; c < C; c++) {
    const { mean, variance } = channelStats(x, N, C, HW, c);
    const invStd = 1 / Math.sqrt(variance + eps);
    saveMean[c] = mean;
    saveInvStd[c] = invStd;
    runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean;
    runningVar[c] = (1 - momentum) * runningVar[c] + momentum * ((variance * count) / (count - 1));
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        y[k] = (x[k] - mean) * invStd * gamma[c] + beta[c];
      }
    }
  }
}

/** y = (x − runningMean)/sqrt(runningVar + eps)·γ + β. */
export function batchNormForwardEval(
  y: Floats,
  x: Floats,
  gamma: Floats,
  beta: Floats,
  runningMean: Floats,
  runningVar: Floats,
  N: number,
  C: number,
  HW: number,
  eps: number,
): void {
  for (let c = 0; c < C; c++) {
    const invStd = 1 / Math.sqrt(runningVar[c] + eps);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        y[k] = (x[k] - runningMean[c]) * invStd * gamma[c] + beta[c];
      }
    }
  }
}

/**
 * Training-mode backward with x̂ = (x − mean)·invStd, n = N·HW:
 * dβ += Σdy; dγ += Σdy·x̂; dx = invStd·γ/n·(n·dy − Σdy − x̂·Σdy·x̂).
 */
export function batchNormBackward(
  dx: Floats,
  dgamma: Floats,
  dbeta: Floats,
  dy: Floats,
  x: Floats,
  gamma: Floats,
  saveMean: Floats,
  saveInvStd: Floats,
  N: number,
  C: number,
  HW: number,
): void {
  const count = N * HW;
  for (let c = 0; c < C; c++) {
    const mean = saveMean[c];
    const invStd = saveInvStd[c];
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        sumDy += dy[k];
        sumDyXhat += dy[k] * (x[k] - mean) * invStd;
      }
    }
    dbeta[c] += sumDy;
    dgamma[c] += sumDyXhat;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < HW; i++) {
        const k = (n * C + c) * HW + i;
        const xhat = (x[k] - mean) * invStd;
        dx[k] = ((invStd * gamma[c]) / count) * (count * dy[k] - sumDy - xhat * sumDyXhat);
      }
    }
  }
}
