// The training loss of a run: cross-entropy with label smoothing, or knowledge distillation (SPEC §3) from one
// or several teachers.
import { createModel } from '../models/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import { DistillationLoss } from '../nn/distillation.js';
import type { Tensor } from '../nn/tensor.js';
import type { TrainingLoss } from '../train/trainer.js';
import { UsageError } from '../util/errors.js';
import type { TrainConfig } from './config.js';
import { readNetworkFile } from './network_file.js';

export /** Cross-entropy (with label smoothing), or distillation from teachers (checkpoints or tickets) run in eval mode.
 * Several teachers teach as their prediction ensemble: their logits become T·log(mean_i softmax(t_i/T)), whose
 * softmax at temperature T is the mean of theirs (Sup-tickets' KD from the M cheap tickets, SPEC §6). */
function makeLoss(
  c: TrainConfig,
  kernels: Kernels,
  classes: number,
  inputShape: [number, number, number],
): TrainingLoss {
  const d = c.loss.distill;
  if (!d) {
    const ce = new CrossEntropyLoss(c.loss.labelSmoothing, kernels);
    return { compute: (logits, labels) => ce.compute(logits, labels) };
  }
  const files = typeof d.teacher === 'string' ? [d.teacher] : d.teacher;
  const teachers = files.map((file) => {
    try {
      const net = readNetworkFile(file);
      if (net.dataset !== undefined && net.dataset !== c.dataset)
        throw new Error(`${file}: the teacher was trained on ${net.dataset}, this run uses ${c.dataset}`);
      const teacher = createModel(net.model, {
        width: net.width,
        numClasses: classes,
        inputShape,
        ...net.architecture,
      });
      teacher.loadStateDict(net.state, { strict: true });
      return teacher.useKernels(kernels).eval();
    } catch (e) {
      throw new UsageError(`loss.distill.teacher: ${(e as Error).message.split('\n')[0]}`);
    }
  });
  const kd = new DistillationLoss(d.alpha, d.temperature, kernels);
  const T = d.temperature;
  return {
    compute: (logits, labels, ctx) => {
      const outs = teachers.map((t) => t.forward({ data: ctx.batch.x, shape: ctx.batch.shape }));
      return kd.compute(logits, outs.length === 1 ? outs[0] : ensembleLogits(outs, T), labels);
    },
  };
}

/** T·log of the mean of softmax(t_i/T) over the teachers' logits [N, C]. */
export function ensembleLogits(outs: Tensor[], T: number): Tensor {
  const [N, C] = outs[0].shape;
  const mean = new Float32Array(N * C);
  for (const t of outs) {
    for (let r = 0; r < N; r++) {
      let max = -Infinity;
      for (let j = 0; j < C; j++) max = Math.max(max, t.data[r * C + j] / T);
      let sum = 0;
      for (let j = 0; j < C; j++) sum += Math.exp(t.data[r * C + j] / T - max);
      for (let j = 0; j < C; j++) mean[r * C + j] += Math.exp(t.data[r * C + j] / T - max) / sum / outs.length;
    }
  }
  for (let i = 0; i < mean.length; i++) mean[i] = T * Math.log(Math.max(mean[i], 1e-30));
  return { data: mean, shape: [N, C] };
}
