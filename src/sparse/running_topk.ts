// Top-k over a stream: scores arrive a chunk at a time in increasing position order and only O(k + chunk)
// of them are kept, so RigL can rank the dense gradient of a compressed layer without ever holding it whole
// (issue "truly sparse execution", item 3). The selection is exactly topKIndices' (topk.ts): a better score
// first, ties to the lower position, NaN below every number.
import { topKIndices, type TopK } from './topk.js';

export class RunningTopK {
  private scores: Float32Array;
  private positions: Int32Array;
  private n = 0;
  /** Once k candidates are kept: the worst of them. A later candidate that does not beat it can never enter (it
   * would also lose the tie, by position), so it is skipped at once and compactions stay rare. */
  private full = false;
  private floor = NaN;

  /** `select` does the compactions (topKIndices or the kernels' top-k: the same choices). */
  constructor(
    readonly k: number,
    private readonly select: TopK = topKIndices,
  ) {
    if (!Number.isInteger(k) || k < 0) throw new Error(`RunningTopK: k must be an integer ≥ 0, got ${k}`);
    const capacity = 2 * k + 1024;
    this.scores = new Float32Array(capacity);
    this.positions = new Int32Array(capacity);
  }

  /** Offers one candidate; positions must increase from call to call. */
  offer(position: number, score: number): void {
    this.offerRun(position, Float32Array.of(score), 0, 1);
  }

  /** Offers `count` consecutive candidates: position `first + i` with score scores[offset + i]. Positions must
   * increase from call to call. */
  offerRun(first: number, scores: Float32Array, offset: number, count: number): void {
    if (this.k === 0) return;
    // The hot loop works on locals (fields would be reloaded at every iteration); a compaction refreshes them.
    const cap = this.scores.length;
    let { n, full, floor } = this;
    let kept = this.scores;
    let at = this.positions;
    for (let i = 0; i < count; i++) {
      const v = scores[offset + i];
      if (full && !(v > floor || (v === v && floor !== floor))) continue;
      if (n === cap) {
        this.n = n;
        this.compact();
        ({ n, full, floor } = this);
        kept = this.scores;
        at = this.positions;
        if (!(v > floor || (v === v && floor !== floor))) continue;
      }
      kept[n] = v;
      at[n] = first + i;
      n++;
    }
    this.n = n;
  }

  /** The (up to) k best candidates offered so far, ascending by position, with their scores. */
  result(): { positions: Int32Array; scores: Float32Array } {
    if (this.n > this.k) this.compact();
    return { positions: this.positions.slice(0, this.n), scores: this.scores.slice(0, this.n) };
  }

  /** Keeps the k best of the buffer. The buffer is in position order, so topKIndices' ties go to the lower
   * position, and its ascending result keeps that order. */
  private compact(): void {
    const keep = this.select(this.scores.subarray(0, this.n), Math.min(this.k, this.n), true);
    for (let i = 0; i < keep.length; i++) {
      this.scores[i] = this.scores[keep[i]];
      this.positions[i] = this.positions[keep[i]];
    }
    this.n = keep.length;
    if (this.n < this.k) return;
    // The worst kept: the smallest number, or NaN if any NaN was kept.
    let worst = this.scores[0];
    for (let i = 1; i < this.n && worst === worst; i++) if (!(this.scores[i] >= worst)) worst = this.scores[i];
    this.full = true;
    this.floor = worst;
  }
}
