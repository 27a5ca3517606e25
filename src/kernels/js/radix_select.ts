// The reference top-k, behind the kernels' topK and every selection of src/sparse/ and src/tickets/: O(n). A radix
// select over order-preserving 32-bit keys of the scores finds the k-th best key in three histogram passes (11,
// 11 and 10 bits), then one pass in index order takes everything strictly better plus the first ties at it. Its
// loops have no data-dependent branches to mispredict, so it is fast in plain TypeScript, and linear however many
// scores tie. (A sort would cost O(n log n) on layers of up to ~2.4M weights at every mask update; quickselect
// pays a mispredicted branch per element and step.)
//
// Order of preference, for every selection in this file: a better score first; among equal scores the lower
// (segment, index) position. NaN ranks below every number (below ±Infinity too) whichever direction is asked:
// a NaN is taken only when the non-NaN candidates are too few, and then the NaNs of lowest position.

/** One array of scores with the positions eligible for selection (nonzero entries); absent = all. */
export interface Segment {
  scores: Float32Array;
  candidates?: Float32Array | Uint8Array;
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
    const n = countNumbers(scores, candidates);
    numbers += n;
    nans += countCandidates(scores, candidates) - n;
  }
  if (!Number.isInteger(k) || k < 0 || k > numbers + nans) {
    throw new Error(`topK: k must be an integer in [0, ${numbers + nans}] (the number of candidates), got ${k}`);
  }
  const keyOf: KeyOptions = { signMask: abs ? 0x7fffffff : -1, flip: largest ? 0 : -1 };
  const cut: Cut = { threshold: 0, ties: 0, nans: Math.max(0, k - numbers), takeAll: k > numbers };
  if (k > 0 && k <= numbers) {
    const keys = new Int32Array(numbers);
    let m = 0;
    for (const { scores, candidates } of segments) m = fillKeys(keys, m, scores, candidates, keyOf);
    const { key, ties } = kthLargestKey(keys, k);
    cut.threshold = key;
    cut.ties = ties;
  }
  const out = new Int32Array(k);
  const bounds = [0];
  for (const { scores, candidates } of segments)
    bounds.push(collect(out, bounds[bounds.length - 1], k, scores, candidates, keyOf, cut));
  return segments.map((_, s) => out.subarray(bounds[s], bounds[s + 1]));
}

// The passes are small functions of their own: V8 optimises them well, and a counter captured by a closure would
// live on the heap instead of in a register.

/** Keys are int32 (the engine's fast integers): signMask clears the sign for abs; flip = −1 (x ^ −1 = ~x)
 * reverses the order, so the best candidates always have the largest keys. */
interface KeyOptions {
  signMask: number;
  flip: number;
}

/** Where the selection stops: keys above `threshold`, then `ties` keys equal to it, then `nans` NaNs (or every
 * number and `nans` NaNs when `takeAll`), each group in position order. */
interface Cut {
  threshold: number;
  ties: number;
  nans: number;
  takeAll: boolean;
}

function countCandidates(scores: Float32Array, candidates: Segment['candidates']): number {
  if (!candidates) return scores.length;
  let n = 0;
  for (let i = 0; i < candidates.length; i++) if (candidates[i] !== 0) n++;
  return n;
}

function countNumbers(scores: Float32Array, candidates: Segment['candidates']): number {
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] === scores[i] && (!candidates || candidates[i] !== 0)) n++;
  return n;
}

function fillKeys(
  keys: Int32Array,
  m: number,
  scores: Float32Array,
  candidates: Segment['candidates'],
  o: KeyOptions,
): number {
  const bits = new Int32Array(scores.buffer, scores.byteOffset, scores.length);
  for (let i = 0; i < scores.length; i++) {
    if ((candidates && candidates[i] === 0) || scores[i] !== scores[i]) continue;
    keys[m++] = orderKey(bits[i] & o.signMask) ^ o.flip;
  }
  return m;
}

/** Appends this segment's selected indices to out from position n; returns the new n. Consumes cut's ties and nans. */
function collect(
  out: Int32Array,
  n: number,
  k: number,
  scores: Float32Array,
  candidates: Segment['candidates'],
  o: KeyOptions,
  cut: Cut,
): number {
  const bits = new Int32Array(scores.buffer, scores.byteOffset, scores.length);
  const { threshold, takeAll, signMask, flip } = { ...cut, ...o };
  let { ties, nans } = cut;
  for (let i = 0; i < scores.length && n < k; i++) {
    if (candidates && candidates[i] === 0) continue;
    if (scores[i] !== scores[i]) {
      if (nans > 0) {
        out[n++] = i;
        nans--;
      }
      continue;
    }
    const key = orderKey(bits[i] & signMask) ^ flip;
    if (takeAll || key > threshold) out[n++] = i;
    else if (key === threshold && ties > 0) {
      out[n++] = i;
      ties--;
    }
  }
  cut.ties = ties;
  cut.nans = nans;
  return n;
}

/** The bits of a float32 (as int32) mapped to an int32 that increases with the value; −0 ties with +0. */
function orderKey(bits: number): number {
  if (bits === -0x80000000) return 0;
  return bits < 0 ? bits ^ 0x7fffffff : bits;
}

/** The k-th largest (k ≥ 1) of `keys`, which is reordered, and how many keys equal to it the top k take. */
function kthLargestKey(keys: Int32Array, k: number): { key: number; ties: number } {
  const hist = new Int32Array(2048);
  let n = keys.length;
  let prefix = 0; // the answer's bits found so far, of its unsigned form (key ^ 0x80000000)
  for (const [shift, width] of [
    [21, 11],
    [10, 11],
    [0, 10],
  ]) {
    const mask = (1 << width) - 1;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[((keys[i] ^ -0x80000000) >>> shift) & mask]++;
    // Keys in higher bins are better than the answer: they are all taken, k counts down past them.
    let bin = mask;
    while (k > hist[bin]) k -= hist[bin--];
    prefix |= bin << shift;
    let m = 0;
    for (let i = 0; i < n; i++) if ((((keys[i] ^ -0x80000000) >>> shift) & mask) === bin) keys[m++] = keys[i];
    n = m;
  }
  return { key: prefix ^ -0x80000000, ties: k };
}
