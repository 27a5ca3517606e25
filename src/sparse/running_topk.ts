// Top-k over a stream: scores arrive a chunk at a time in increasing position order and only O(k + chunk)
// of them are kept, so RigL can rank the dense gradient of a compressed layer without ever holding it whole
// (issue "truly sparse execution", item 3). The selection is exactly topKIndices' (topk.ts): a better score
// first, ties to the lower position, NaN below every number.
import { topKIndices } from './topk.js';

export class RunningTopK {
  private scores: Float32Array;
  private positions: Int32Array;
  private n = 0;
  /** After a compaction: the worst score kept. A later candidate that does not beat it can never enter (it would
   * also lose the tie, by position), so it is dropped at once and compactions stay rare. */
  private floor = NaN;
  private full = false;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 0) throw new Error(`RunningTopK: k must be an integer ≥ 0, got ${k}`);
    const capacity = 2 * k + 1024;
    this.scores = new Float32Array(capacity);
    this.positions = new Int32Array(capacity);
  }

  /** Offers one candidate; positions must increase from call to call. */
  offer(position: number, score: number): void {
    if (this.k === 0) return;
    if (this.full && !beats(score, this.floor)) return;
    if (this.n === this.scores.length) this.compact();
    this.scores[this.n] = score;
    this.positions[this.n] = position;
    this.n++;
  }

  /** The (up to) k best candidates offered so far, ascending by position, with their scores. */
  result(): { positions: Int32Array; scores: Float32Array } {
    if (this.n > this.k) this.compact();
    return { positions: this.positions.slice(0, this.n), scores: this.scores.slice(0, this.n) };
  }

  /** Keeps the k best of the buffer. The buffer is in position order, so topKIndices' ties go to the lower
   * position, and its ascending result keeps that order. */
  private compact(): void {
    const keep = topKIndices(this.scores.subarray(0, this.n), Math.min(this.k, this.n), true);
    for (let i = 0; i < keep.length; i++) {
      this.scores[i] = this.scores[keep[i]];
      this.positions[i] = this.positions[keep[i]];
    }
    this.n = keep.length;
    if (this.n === this.k) {
      this.full = true;
      let worst = 0;
      for (let i = 1; i < this.n; i++) if (beats(this.scores[worst], this.scores[i])) worst = i;
      this.floor = this.scores[worst];
    }
  }
}

/** a ranks strictly above b: a larger number, and any number above NaN. */
function beats(a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  return Number.isNaN(b) || a > b;
}
