// Scores over a layer's positions as a stream of blocks (a ScoreSource): how the grow scores of every layer reach
// the prune-and-grow core, whatever its storage. A masked layer's scores are one block; a compressed layer's dense
// gradient is computed a block of rows at a time and never held whole (issue "truly sparse execution", item 3).
// Positions are row-major indices r·K + c, the order of a dense weight and of a CSR pattern alike.
import type { Rng } from '../util/rng.js';

/** Floats of dense scores materialised at once (4 MB): the scan's working set, whatever the layer's size. */
const CHUNK = 1 << 20;

/** Where the scores of a layer come from: visit(start, scores) for consecutive blocks of positions, from 0. A source
 * is visited once (a random one draws as it goes). */
export type ScoreSource = (visit: (start: number, scores: Float32Array) => void) => void;

/** Scores already whole, as one block. */
export function wholeScores(scores: Float32Array): ScoreSource {
  return (visit) => visit(0, scores);
}

/** The n scores of a source as one array: a one-block source's own array, else the blocks copied together. */
export function collectScores(source: ScoreSource, n: number): Float32Array {
  const into: { all?: Float32Array } = {};
  let filled = 0;
  source((start, scores) => {
    if (start === 0 && scores.length === n) into.all = scores;
    else (into.all ??= new Float32Array(n)).set(scores, start);
    filled += scores.length;
  });
  if (filled !== n) throw new Error(`collectScores: the source gave ${filled} scores, expected ${n}`);
  return into.all ?? new Float32Array(0);
}

/** Something that can compute rows [r0, r1) of a layer's dense weight gradient (Linear, Conv2d). */
export interface GradientRows {
  weightGradientRows(r0: number, r1: number, out: Float32Array): void;
}

/** |dense gradient| of an M×K weight, a block of rows at a time (RigL's grow score). */
export function gradientMagnitudes(layer: GradientRows, M: number, K: number): ScoreSource {
  return (visit) => {
    const rows = Math.max(1, Math.floor(CHUNK / K));
    const buf = new Float32Array(Math.min(M, rows) * K);
    for (let r0 = 0; r0 < M; r0 += rows) {
      const r1 = Math.min(M, r0 + rows);
      const out = buf.subarray(0, (r1 - r0) * K);
      layer.weightGradientRows(r0, r1, out);
      for (let i = 0; i < out.length; i++) out[i] = Math.abs(out[i]);
      visit(r0 * K, out);
    }
  };
}

/** n uniform draws of rng in position order, as randomScores (SET's grow score), a block at a time. */
export function uniformScores(n: number, rng: Rng): ScoreSource {
  return (visit) => {
    const buf = new Float32Array(Math.min(n, CHUNK));
    for (let start = 0; start < n; start += CHUNK) {
      const out = buf.subarray(0, Math.min(CHUNK, n - start));
      for (let i = 0; i < out.length; i++) out[i] = rng.float();
      visit(start, out);
    }
  };
}
