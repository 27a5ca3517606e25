// Batches of normalised float images from an ImageSet. Shuffling and augmentation are seeded per epoch and
// per batch (Rng.derive(seed, 'shuffle:<epoch>'), 'augment:<epoch>:<batch>'), so any batch of any epoch can
// be reproduced on its own — which is what lets an interrupted run resume mid-epoch with identical data.
import { Rng } from '../util/rng.js';
import type { ImageSet } from './dataset.js';
import type { Normalization } from './registry.js';

export interface LoaderOptions {
  batch: number;
  shuffle: boolean;
  /** CIFAR training augmentation: random crop with zero padding 4 and random horizontal flip (SPEC §2). */
  augment: boolean;
  normalization: Normalization;
  seed: number;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
}

export interface Batch {
  /** [n, c, h, w] normalised images; the buffer is reused by the next batch of this loader. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  shape: [number, number, number, number];
  index: number;
}

export const CROP_PADDING = 4;

export class BatchLoader {
  private readonly lut: Float32Array[];
  private readonly xBuf: Float32Array;
  private readonly yBuf: Int32Array;

  constructor(
    readonly set: ImageSet,
    readonly o: LoaderOptions,
  ) {
    if (!(Number.isInteger(o.batch) && o.batch >= 1))
      throw new Error(`loader: batch must be a positive integer, got ${o.batch}`);
    const [c] = set.shape;
    if (o.normalization.mean.length !== c || o.normalization.std.length !== c)
      throw new Error(`loader: normalisation has ${o.normalization.mean.length} channels, images have ${c}`);
    // (pixel/255 − mean_c)/std_c for every byte value, per channel.
    this.lut = o.normalization.mean.map((m, ch) => {
      const t = new Float32Array(256);
      for (let v = 0; v < 256; v++) t[v] = (v / 255 - m) / o.normalization.std[ch];
      return t;
    });
    this.xBuf = new Float32Array(o.batch * set.shape[0] * set.shape[1] * set.shape[2]);
    this.yBuf = new Int32Array(o.batch);
  }

  batchesPerEpoch(): number {
    return this.o.dropLast ? Math.floor(this.set.n / this.o.batch) : Math.ceil(this.set.n / this.o.batch);
  }

  /** The order of samples in an epoch. */
  order(epoch: number): Int32Array {
    if (!this.o.shuffle) return Int32Array.from({ length: this.set.n }, (_, i) => i);
    return Rng.derive(this.o.seed, `shuffle:${epoch}`).permutation(this.set.n);
  }

  /** Batches of an epoch, starting at batch `from` (to resume mid-epoch). */
  *epoch(epoch: number, from = 0): Generator<Batch> {
    const order = this.order(epoch);
    const total = this.batchesPerEpoch();
    for (let b = from; b < total; b++) yield this.makeBatch(order, epoch, b);
  }

  private makeBatch(order: Int32Array, epoch: number, b: number): Batch {
    const [c, h, w] = this.set.shape;
    const per = c * h * w;
    const start = b * this.o.batch;
    const n = Math.min(this.o.batch, this.set.n - start);
    const rng = this.o.augment ? Rng.derive(this.o.seed, `augment:${epoch}:${b}`) : null;
    for (let i = 0; i < n; i++) {
      const src = order[start + i];
      this.yBuf[i] = this.set.labels[src];
      const img = this.set.images.subarray(src * per, (src + 1) * per);
      const out = this.xBuf.subarray(i * per, (i + 1) * per);
      if (rng) {
        const dy = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
        const dx = rng.int(2 * CROP_PADDING + 1) - CROP_PADDING;
        const flip = rng.float() < 0.5;
        this.cropFlip(out, img, dy, dx, flip);
      } else {
        for (let ch = 0; ch < c; ch++) {
          const t = this.lut[ch];
          for (let j = ch * h * w; j < (ch + 1) * h * w; j++) out[j] = t[img[j]];
        }
      }
    }
    return {
      x: n === this.o.batch ? this.xBuf : this.xBuf.subarray(0, n * per),
      y: n === this.o.batch ? this.yBuf : this.yBuf.subarray(0, n),
      n,
      shape: [n, c, h, w],
      index: b,
    };
  }

  /** out(y, x) = img(y + dy, x' + dx) with x' = flip ? w−1−x : x, zero pixels outside the image. */
  private cropFlip(out: Float32Array, img: Uint8Array, dy: number, dx: number, flip: boolean): void {
    const [c, h, w] = this.set.shape;
    for (let ch = 0; ch < c; ch++) {
      const t = this.lut[ch];
      const zero = t[0];
      const base = ch * h * w;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        const row = base + y * w;
        if (sy < 0 || sy >= h) {
          out.fill(zero, row, row + w);
          continue;
        }
        const srow = base + sy * w;
        for (let x = 0; x < w; x++) {
          const sx = (flip ? w - 1 - x : x) + dx;
          out[row + x] = sx < 0 || sx >= w ? zero : t[img[srow + sx]];
        }
      }
    }
  }
}
