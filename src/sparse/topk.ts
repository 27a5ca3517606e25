// Top-k selection in expected O(n): quickselect finds the threshold value on a scratch copy of the eligible
// scores, then one pass in index order takes everything strictly better than the threshold plus the first ties
// at it. A full sort would cost O(n log n) on layers of up to ~2.4M weights at every mask update.
//
// Order of preference, for every selection in this file: a better score first; among equal scores the lower
// (segment, index) position. NaN ranks below every number (below ±Infinity too) whichever direction is asked:
// a NaN is taken only when the non-NaN candidates are too few, and then the NaNs of lowest position.

/** One array of scores with the positions eligible for selection (nonzero entries); absent = all. */
export interface Segment {
  scores: Float32Array;
  candidates?: Float32Array | Uint8Array;
}

/** Indices of the k candidates with the largest (largest = true) or smallest scores, ascending. Throws if
 * k > #candidates or k < 0. */
export function topKIndices(
  scores: Float32Array,
  k: number,
  largest: boolean,
  candidates?: Float32Array | Uint8Array,
): Int32Array {
  return topKSegments([{ scores, candidates }], k, largest)[0];
}

/** topKIndices over several arrays ranked together (e.g. the layers of a network for global pruning); ties go
 * to the earlier segment, then the lower index. abs = true ranks |score| without materialising it. Returns, per
 * segment, its selected indices in ascending order. */
export function topKSegments(segments: readonly Segment[], k: number, largest: boolean, abs = false): Int32Array[] {
  let numbers = 0;
  let nans = 0;
  for (const { scores, candidates } of segments) {
    if (candidates && candidates.length !== scores.length) {
      throw new Error(`topK: candidates length ${candidates.length} != scores length ${scores.length}`);
    }
    for (let i = 0; i < scores.length; i++) {
      if (candidates && candidates[i] === 0) continue;
      if (Number.isNaN(scores[i])) nans++;
      else numbers++;
    }
  }
  if (!Number.isInteger(k) || k < 0 || k > numbers + nans) {
    throw new Error(`topK: k must be an integer in [0, ${numbers + nans}] (the number of candidates), got ${k}`);
  }
  const cut = k > numbers ? takeAllNumbers(k - numbers) : findCut(segments, numbers, k, largest, abs);
  return collect(segments, k, largest, abs, cut);
}

/** Where the selection stops: values strictly better than `threshold`, then `ties` values equal to it, then
 * `nans` NaNs, each group in position order. */
interface Cut {
  threshold: number;
  ties: number;
  nans: number;
}

/** k exceeds the non-NaN candidates: every number is taken (threshold NaN: no value is "equal" to it). */
function takeAllNumbers(nans: number): Cut {
  return { threshold: NaN, ties: 0, nans };
}

function findCut(segments: readonly Segment[], numbers: number, k: number, largest: boolean, abs: boolean): Cut {
  if (k === 0) return { threshold: largest ? Infinity : -Infinity, ties: 0, nans: 0 };
  const scratch = new Float32Array(numbers);
  let m = 0;
  for (const { scores, candidates } of segments) {
    for (let i = 0; i < scores.length; i++) {
      if (candidates && candidates[i] === 0) continue;
      const v = abs ? Math.abs(scores[i]) : scores[i];
      if (!Number.isNaN(v)) scratch[m++] = v;
    }
  }
  const threshold = kthSmallest(scratch, largest ? numbers - k : k - 1);
  let better = 0;
  for (let i = 0; i < numbers; i++) if (largest ? scratch[i] > threshold : scratch[i] < threshold) better++;
  return { threshold, ties: k - better, nans: 0 };
}

function collect(segments: readonly Segment[], k: number, largest: boolean, abs: boolean, cut: Cut): Int32Array[] {
  const out = new Int32Array(k);
  const bounds: number[] = [0];
  const takeAll = Number.isNaN(cut.threshold);
  const t = cut.threshold;
  let ties = cut.ties;
  let nans = cut.nans;
  let n = 0;
  for (const { scores, candidates } of segments) {
    for (let i = 0; i < scores.length && n < k; i++) {
      if (candidates && candidates[i] === 0) continue;
      const v = abs ? Math.abs(scores[i]) : scores[i];
      if (Number.isNaN(v)) {
        if (nans > 0) {
          out[n++] = i;
          nans--;
        }
      } else if (takeAll || (largest ? v > t : v < t)) {
        out[n++] = i;
      } else if (v === t && ties > 0) {
        out[n++] = i;
        ties--;
      }
    }
    bounds.push(n);
  }
  return segments.map((_, s) => out.subarray(bounds[s], bounds[s + 1]));
}

/** The j-th smallest value (0-based) of a NaN-free array, which is reordered in place. Quickselect with a
 * three-way partition, so runs of equal values (e.g. many exact zeros) cost one pass, not quadratic time.
 * Pivots come from a fixed xorshift stream: the result is deterministic, only the work varies. */
export function kthSmallest(a: Float32Array, j: number): number {
  if (!Number.isInteger(j) || j < 0 || j >= a.length) throw new Error(`kthSmallest: j=${j} out of [0, ${a.length})`);
  let lo = 0;
  let hi = a.length - 1;
  let state = 0x9e3779b9 ^ a.length;
  while (lo < hi) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pivot = a[lo + ((state >>> 0) % (hi - lo + 1))];
    // Invariant: a[lo, lt) < pivot, a[lt, i) = pivot, a(gt, hi] > pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else {
        i++;
      }
    }
    if (j < lt) hi = lt - 1;
    else if (j > gt) lo = gt + 1;
    else return pivot;
  }
  return a[lo];
}
