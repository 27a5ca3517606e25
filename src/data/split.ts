import { DataError, slice, type ImageSet } from './dataset.js';

/**
 * Held-out validation (SPEC §2): the last `fraction` of the training set (10% by default; Lottery Pools'
 * 45,000 / 5,000 split of CIFAR). Model selection and greedy searches use it, never the test set.
 */
export function splitValidation(
  train: ImageSet,
  fraction = 0.1,
  trainSubset?: number,
): { train: ImageSet; val: ImageSet } {
  if (!(fraction >= 0 && fraction < 1)) throw new DataError(`validation fraction must be in [0, 1), got ${fraction}`);
  const nVal = Math.round(train.n * fraction);
  // A reduced-scale experiment trains on the first `trainSubset` examples of the training part; validation and
  // test stay whole.
  const nTrain = trainSubset === undefined ? train.n - nVal : Math.min(trainSubset, train.n - nVal);
  return { train: slice(train, 0, nTrain), val: slice(train, train.n - nVal, train.n) };
}
