// Softmax cross-entropy on logits, mean over the batch (torch.nn.functional.cross_entropy), with label
// smoothing α (target (1−α)·onehot + α/C) or soft target distributions (rows of [N, C], for distillation
// and mixing). One call gives the loss and dlogits = (softmax − target)/N; buffers are reused across steps.
import type { Kernels } from '../kernels/kernels.js';
import { getKernels } from '../kernels/index.js';
import { expectShape, reuse, type Tensor } from './tensor.js';

export interface LossResult {
  loss: number;
  /** d loss / d logits [N, C] (owned by the loss object, valid until its next call). */
  dlogits: Tensor;
  /** softmax(logits) [N, C]. */
  probs: Tensor;
}

export class CrossEntropyLoss {
  private dlogits?: Tensor;
  private probs?: Tensor;

  constructor(
    readonly smoothing = 0,
    private readonly kernels?: Kernels,
  ) {
    if (!(smoothing >= 0 && smoothing < 1))
      throw new Error(`CrossEntropyLoss: smoothing must be in [0, 1), got ${smoothing}`);
  }

  /** targets: class indices Int32Array [N], or a soft distribution per row [N, C] (smoothing then ignored). */
  compute(logits: Tensor, targets: Int32Array | Float32Array): LossResult {
    expectShape('CrossEntropyLoss', logits.shape, 2);
    const [N, C] = logits.shape;
    if (targets instanceof Int32Array) {
      if (targets.length !== N) throw new Error(`CrossEntropyLoss: ${targets.length} labels for a batch of ${N}`);
      for (const t of targets) {
        if (!(t >= 0 && t < C)) throw new Error(`CrossEntropyLoss: label ${t} is outside [0, ${C})`);
      }
    } else if (targets.length !== N * C) {
      throw new Error(`CrossEntropyLoss: soft targets hold ${targets.length} values, expected ${N}×${C}`);
    }
    const dlogits = (this.dlogits = reuse(this.dlogits, [N, C]));
    const probs = (this.probs = reuse(this.probs, [N, C]));
    const k = this.kernels ?? getKernels();
    const loss = k.softmaxCrossEntropy(dlogits.data, probs.data, logits.data, targets, N, C, this.smoothing);
    return { loss, dlogits, probs };
  }
}
