// Knowledge distillation (Hinton et al. 2015; SPEC §3):
//   L = α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y),   α = ½ by default,
// with s the student's and t the teacher's logits [N, C]. Since KL(p‖q) = CE_soft(q; p) − H(p), the soft term
// is the soft-target cross-entropy on s/T minus the teacher's entropy, and
//   dL/ds = α·T·(softmax(s/T) − softmax(t/T))/N + (1−α)·(softmax(s) − onehot(y))/N.
import type { Kernels } from '../kernels/kernels.js';
import { getKernels } from '../kernels/index.js';
import { CrossEntropyLoss, type LossResult } from './loss.js';
import { expectShape, reuse, type Tensor } from './tensor.js';

export class DistillationLoss {
  private readonly ce: CrossEntropyLoss;
  private scaled?: Tensor;
  private teacherProbs?: Tensor;
  private softGrad?: Tensor;
  private softProbs?: Tensor;
  private out?: Tensor;
  private labelsScratch = new Int32Array(0);

  constructor(
    readonly alpha = 0.5,
    readonly temperature = 4,
    private readonly kernels?: Kernels,
  ) {
    if (!(alpha >= 0 && alpha <= 1)) throw new Error(`DistillationLoss: alpha must be in [0, 1], got ${alpha}`);
    if (!(temperature > 0)) throw new Error(`DistillationLoss: temperature must be > 0, got ${temperature}`);
    this.ce = new CrossEntropyLoss(0, kernels);
  }

  compute(student: Tensor, teacher: Tensor, labels: Int32Array): LossResult {
    expectShape('DistillationLoss', student.shape, 2);
    const [N, C] = student.shape;
    expectShape('DistillationLoss (teacher)', teacher.shape, 2, { 0: N, 1: C });
    const k = this.kernels ?? getKernels();
    const T = this.temperature;
    const hard = this.ce.compute(student, labels);
    // p = softmax(t/T): the kernel's softmax of the scaled teacher logits (its loss output is not used).
    const scaled = (this.scaled = reuse(this.scaled, [N, C]));
    const teacherProbs = (this.teacherProbs = reuse(this.teacherProbs, [N, C]));
    const softGrad = (this.softGrad = reuse(this.softGrad, [N, C]));
    const softProbs = (this.softProbs = reuse(this.softProbs, [N, C]));
    if (this.labelsScratch.length !== N) this.labelsScratch = new Int32Array(N);
    for (let i = 0; i < N * C; i++) scaled.data[i] = teacher.data[i] / T;
    k.softmaxCrossEntropy(softGrad.data, teacherProbs.data, scaled.data, this.labelsScratch, N, C, 0);
    let entropy = 0;
    for (let i = 0; i < N * C; i++) {
      const p = teacherProbs.data[i];
      if (p > 0) entropy -= p * Math.log(p);
    }
    entropy /= N;
    // Soft-target cross-entropy of s/T against p: mean loss and (softmax(s/T) − p)/N w.r.t. s/T.
    for (let i = 0; i < N * C; i++) scaled.data[i] = student.data[i] / T;
    const softCe = k.softmaxCrossEntropy(softGrad.data, softProbs.data, scaled.data, teacherProbs.data, N, C, 0);
    const kl = softCe - entropy;
    const out = (this.out = reuse(this.out, [N, C]));
    const a = this.alpha;
    for (let i = 0; i < N * C; i++) out.data[i] = a * T * softGrad.data[i] + (1 - a) * hard.dlogits.data[i];
    return { loss: a * T * T * kl + (1 - a) * hard.loss, dlogits: out, probs: hard.probs };
  }
}
