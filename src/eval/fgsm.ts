// FGSM (SPEC §10): one step of ε = 8/255 in [0, 1] pixel space, x_adv = clip(x + ε·sign(∇_x L), 0, 1), then the
// dataset's normalisation. L is the mean cross-entropy of the model in eval mode; the gradient comes from the
// layers' explicit backward to the input (dL/dpixel = dL/dnormalised / std_c, so its sign is the normalised
// input's). For an ensemble the attack is crafted on each member and evaluated on the ensemble's mean softmax.
import type { ImageSet } from '../data/dataset.js';
import type { Normalization } from '../data/registry.js';
import type { Kernels } from '../kernels/kernels.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import type { Predictions } from './predict.js';

export const FGSM_EPSILON = 8 / 255;

function normalizeInto(out: Float32Array, px: Float32Array, c: number, plane: number, norm: Normalization): void {
  for (let i = 0; i < px.length; i++) {
    const ch = Math.floor(i / plane) % c;
    out[i] = (px[i] - norm.mean[ch]) / norm.std[ch];
  }
}

/** The gradient of the mean cross-entropy with respect to the normalised input batch x [N, c, h, w]. */
export function inputGradient(
  model: Module,
  x: Float32Array,
  shape: number[],
  labels: Int32Array,
  k: Kernels,
): Float32Array {
  const wasTraining = model.training;
  model.eval();
  const ce = new CrossEntropyLoss(0, k);
  const { dlogits } = ce.compute(model.forward({ data: x, shape }), labels);
  const dx = model.backward(dlogits).data.slice();
  model.zeroGrad();
  model.train(wasTraining);
  return dx;
}

/** Pixel-space adversarial images [N, c, h, w] in [0, 1] for a batch of pixels px (also in [0, 1]). */
export function fgsmPixels(
  model: Module,
  px: Float32Array,
  shape: number[],
  labels: Int32Array,
  norm: Normalization,
  k: Kernels,
  eps = FGSM_EPSILON,
): Float32Array {
  const [, c, h, w] = shape;
  const x = new Float32Array(px.length);
  normalizeInto(x, px, c, h * w, norm);
  const g = inputGradient(model, x, shape, labels, k);
  const adv = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) adv[i] = Math.min(1, Math.max(0, px[i] + eps * Math.sign(g[i])));
  return adv;
}

function softmaxInto(out: Float32Array, at: number, logits: Float32Array, n: number, C: number): void {
  for (let r = 0; r < n; r++) {
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, logits[r * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[r * C + c] - mx);
    for (let c = 0; c < C; c++) out[(at + r) * C + c] = Math.exp(logits[r * C + c] - mx) / s;
  }
}

/**
 * Predictions of `evaluators` (one or several models, averaged) on FGSM images crafted on `source`, over a set.
 * `use(i)` makes model i current (e.g. a scratch model taking ticket i's state) and returns it.
 */
export function fgsmPredictions(
  set: ImageSet,
  norm: Normalization,
  k: Kernels,
  source: () => Module,
  members: number,
  use: (i: number) => Module,
  o: { batch?: number; eps?: number } = {},
): Predictions {
  const [c, h, w] = set.shape;
  const per = c * h * w;
  const B = o.batch ?? 250;
  let probs = new Float32Array(0);
  let classes = 0;
  for (let at = 0; at < set.n; at += B) {
    const n = Math.min(B, set.n - at);
    const shape = [n, c, h, w];
    const px = new Float32Array(n * per);
    const img = set.images.subarray(at * per, (at + n) * per);
    for (let i = 0; i < px.length; i++) px[i] = img[i] / 255;
    const labels = set.labels.slice(at, at + n);
    const adv = fgsmPixels(source(), px, shape, labels, norm, k, o.eps);
    const x = new Float32Array(adv.length);
    normalizeInto(x, adv, c, h * w, norm);
    for (let m = 0; m < members; m++) {
      const model = use(m);
      model.eval();
      const logits = model.forward({ data: x, shape });
      if (classes === 0) {
        classes = logits.shape[1];
        probs = new Float32Array(set.n * classes);
      }
      const part = new Float32Array(n * classes);
      softmaxInto(part, 0, logits.data, n, classes);
      for (let t = 0; t < part.length; t++) probs[at * classes + t] += part[t] / members;
    }
  }
  return { probs, labels: set.labels.slice(), classes };
}
