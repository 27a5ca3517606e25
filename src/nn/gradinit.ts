// GradInit (Zhu et al. 2021), the layer-wise re-scaled initialisation of the TRT tweak (SPEC §9;
// Spending the lottery better §3.2): one positive scale α_i per weight and per bias tensor of every Conv2d,
// Linear and BatchNorm, θ_i = α_i·w_i (w_i the tensor as given), learned so that one SGD step from the scaled
// network lowers the loss most. As VITA-Group/ToST's LRsI/gradinit_utils.py run with the README's LRsI command
// (--gradinit-alg sgd --gradinit-eta 0.1 --gradinit-gamma 1 --gradinit-normalize-grad --gradinit-lr 1e-2
// --gradinit-min-scale 0.01 --gradinit-iters 180 --gradinit-grad-clip 1), each of `iterations` steps:
//   1. S = B0 ∪ B1, two training batches; g = ∇L(θ; S), BatchNorm in training mode (gradinit_utils.gradinit).
//   2. If ‖g‖ > γ (the gradient-norm constraint): minimise ‖g‖ itself. Its gradient is ∇_θ‖g‖ = H·g/‖g‖, H the
//      Hessian of L(·; S) at θ — the one second-order term, computed here as a central finite difference of
//      gradients (nn/hvp.ts) along g/‖g‖ with step 1e-4·max(1, ‖θ‖), the ReLU patterns and max-pool choices held
//      at θ's (withFrozenKinks), which is the Hessian the reference gets from autograd
//      (torch.autograd.grad(..., create_graph=True), then gnorm.backward(); ReLU'' = 0).
//   3. Otherwise the objective: θ' = θ − η·g/‖g‖ (normalised SGD step, take_opt_step), S̃ = B0 ∪ B2 (half old,
//      half new data), minimise L(θ'; S̃)/η. As in the reference, the step is held constant while
//      differentiating (set_param subtracts gstep.data; the GradInit repository's take_opt_step grad.detach()),
//      so the objective's gradient is ∇L(θ'; S̃)/η, with no second-order term.
//   4. The scales move by Adam on each scalar (gradinit_optimizers.RescaleAdam): d/dα_i = ⟨∂/∂θ_i, w_i⟩,
//      clipped to ±gradClip, separate moments for constraint and objective steps, lr 1e-2, β (0.9, 0.999),
//      ε 1e-8, then α_i ← max(α_i − step, minScale) with minScale 0.01 for weights and 0 for biases; tensors
//      that are zero (BatchNorm biases at init) have no scale. θ_i = α_i·w_i.
// BatchNorm running statistics are left as they were (the reference turns track_running_stats off), and Dropout
// is off (net.eval()). With `masks` (the mask-first order), w is the masked tensor, and g and the Hessian's
// direction are masked too: the step is the one sparse training would take.
import type { Kernels } from '../kernels/kernels.js';
import { finiteDifferenceHvp, HVP_STEP, withFrozenKinks } from './hvp.js';
import { Dropout } from './layers/dropout.js';
import { CrossEntropyLoss } from './loss.js';
import type { Module, Parameter } from './module.js';
import { allocate } from './tensor.js';

export interface GradInitSettings {
  /** Total iterations (constraint and objective steps together): 180. */
  iterations: number;
  /** Adam's learning rate on the scales: 1e-2. */
  lr: number;
  /** η of the look-ahead SGD step: 0.1. */
  eta: number;
  /** Least scale of a weight tensor (biases: 0): 0.01. */
  minScale: number;
  /** γ, the gradient-norm constraint: 1. */
  gamma: number;
  /** Per-scalar clip of the scales' gradients: 1. */
  gradClip: number;
}

/** SPEC §9's settings (ToST's README command for LRsI). */
export const GRADINIT_DEFAULTS: GradInitSettings = {
  iterations: 180,
  lr: 1e-2,
  eta: 0.1,
  minScale: 0.01,
  gamma: 1,
  gradClip: 1,
};

/** One training batch (its arrays may be reused by the source after the next call). */
export interface GradInitBatch {
  x: Float32Array;
  y: Int32Array;
  shape: number[];
}

export interface GradInitOptions {
  kernels: Kernels;
  /** The mask-first order: 0/1 masks by parameter name, applied to the weights before GradInit. */
  masks?: Map<string, ArrayLike<number>>;
  /** Finite-difference step of the Hessian-vector product, relative to max(1, ‖θ‖) (default HVP_STEP). */
  hvpStep?: number;
  /** Called after every iteration (e.g. a progress line). */
  onIteration?: (it: GradInitIteration) => void;
}

export interface GradInitIteration {
  iteration: number;
  kind: 'constraint' | 'objective';
  /** L(θ; S) and ‖g‖ before the step; L(θ'; S̃) on objective steps. */
  loss: number;
  gnorm: number;
  lookahead?: number;
}

export interface GradInitReport {
  iterations: number;
  constraint_steps: number;
  objective_steps: number;
  /** Mean L(θ; S) and look-ahead L(θ'; S̃) over the first and the last ten objective steps. */
  first_losses: { loss: number; lookahead: number } | null;
  last_losses: { loss: number; lookahead: number } | null;
  /** The learned scale of every tensor that has one. */
  scales: Record<string, number>;
}

/** Adam's moments on one scalar (RescaleAdam keeps one set for constraint steps and one for objective steps). */
interface Moments {
  t: number;
  m: number;
  v: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

interface Scaled {
  name: string;
  p: Parameter;
  /** The tensor the scale multiplies (masked in the mask-first order). */
  w: Float32Array;
  norm: number;
  mask: ArrayLike<number> | undefined;
  alpha: number;
  floor: number;
  moments: { constraint: Moments; objective: Moments };
}

/** Learns the scales and leaves the model at θ = α∘w; returns what happened. */
export function gradInit(
  model: Module,
  nextBatch: () => GradInitBatch,
  s: GradInitSettings,
  o: GradInitOptions,
): GradInitReport {
  const tensors: Scaled[] = model.namedParameters().map(([name, p]) => {
    const mask = o.masks?.get(name);
    if (mask) for (let i = 0; i < p.data.length; i++) p.data[i] *= mask[i] ? 1 : 0;
    const w = p.data.slice();
    const zero = (): Moments => ({ t: 0, m: 0, v: 0 });
    return {
      name,
      p,
      w,
      norm: Math.sqrt(dot(w, w)),
      mask,
      alpha: 1,
      floor: name.endsWith('bias') ? 0 : s.minScale,
      moments: { constraint: zero(), objective: zero() },
    };
  });
  const params = tensors.map((t) => t.p);
  const buffers = model.namedBuffers().map(([, b]) => [b, b.data.slice()] as const);
  const wasTraining = model.training;
  model.train();
  for (const [, m] of model.namedModules()) if (m instanceof Dropout) m.training = false;
  const ce = new CrossEntropyLoss(0, o.kernels);
  let loss = 0;
  // ∇L at the parameters' current values on a batch, masked in the mask-first order; sets `loss`.
  const gradient = (b: GradInitBatch) => (): Float32Array[] => {
    model.zeroGrad();
    const r = ce.compute(model.forward({ data: b.x, shape: b.shape }), b.y);
    model.backward(r.dlogits);
    loss = r.loss;
    return tensors.map((t) => {
      const g = t.p.grad.slice();
      if (t.mask) for (let i = 0; i < g.length; i++) g[i] *= t.mask[i] ? 1 : 0;
      return g;
    });
  };
  const report: GradInitReport = {
    iterations: s.iterations,
    constraint_steps: 0,
    objective_steps: 0,
    first_losses: null,
    last_losses: null,
    scales: {},
  };
  const objective: { loss: number; lookahead: number }[] = [];
  try {
    for (let it = 0; it < s.iterations; it++) {
      const b0 = copyBatch(nextBatch());
      const S = concat(b0, nextBatch());
      const theta = params.map((p) => p.data.slice());
      const g = gradient(S)();
      const l0 = loss;
      const gnorm = Math.sqrt(g.reduce((a, x) => a + dot(x, x), 0));
      let d: ArrayLike<number>[];
      let kind: GradInitIteration['kind'];
      let lookahead: number | undefined;
      if (gnorm > s.gamma) {
        // Step 2: ∂‖g‖/∂θ = H·(g/‖g‖).
        kind = 'constraint';
        const unit = g.map((x) => Float64Array.from(x, (v) => v / gnorm));
        const thetaNorm = Math.sqrt(theta.reduce((a, x) => a + dot(x, x), 0));
        const r = (o.hvpStep ?? HVP_STEP) * Math.max(1, thetaNorm);
        // (the gradients are masked in the mask-first order, so is their difference; the last forward was g's, on S
        // at θ, so the kinks are held at θ's)
        d = withFrozenKinks(model, () => finiteDifferenceHvp(params, theta, unit, r, gradient(S)));
        report.constraint_steps++;
      } else {
        // Step 3: the look-ahead loss after one normalised SGD step, on half old and half new data.
        kind = 'objective';
        params.forEach((p, i) => {
          for (let t = 0; t < p.data.length; t++) p.data[t] = theta[i][t] - (s.eta * g[i][t]) / gnorm;
        });
        const v = gradient(concat(b0, nextBatch()))();
        lookahead = loss;
        params.forEach((p, i) => p.data.set(theta[i]));
        d = v.map((x) => Float64Array.from(x, (y) => y / s.eta));
        objective.push({ loss: l0, lookahead });
        report.objective_steps++;
      }
      // Step 4: RescaleAdam on every scale.
      tensors.forEach((t, i) => {
        if (t.norm === 0 || t.alpha === 0) return;
        const c = Math.max(-s.gradClip, Math.min(s.gradClip, dot(d[i], t.w)));
        const st = t.moments[kind];
        st.t++;
        st.m = BETA1 * st.m + (1 - BETA1) * c;
        st.v = BETA2 * st.v + (1 - BETA2) * c * c;
        const denom = Math.sqrt(st.v / (1 - BETA2 ** st.t)) + EPS;
        t.alpha = Math.max(t.alpha - ((s.lr / (1 - BETA1 ** st.t)) * st.m) / denom, t.floor);
        for (let j = 0; j < t.w.length; j++) t.p.data[j] = t.alpha * t.w[j];
      });
      o.onIteration?.({ iteration: it, kind, loss: l0, gnorm, lookahead });
    }
  } finally {
    for (const [b, data] of buffers) b.data.set(data);
    model.zeroGrad();
    model.train(wasTraining);
  }
  const mean = (xs: { loss: number; lookahead: number }[]) =>
    xs.length === 0
      ? null
      : {
          loss: xs.reduce((a, x) => a + x.loss, 0) / xs.length,
          lookahead: xs.reduce((a, x) => a + x.lookahead, 0) / xs.length,
        };
  report.first_losses = mean(objective.slice(0, 10));
  report.last_losses = mean(objective.slice(-10));
  for (const t of tensors) if (t.norm > 0) report.scales[t.name] = t.alpha;
  return report;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function copyBatch(b: GradInitBatch): GradInitBatch {
  return { x: b.x.slice(), y: b.y.slice(), shape: [...b.shape] };
}

/** Two batches as one (the reference's torch.cat of two loader batches). */
function concat(a: GradInitBatch, b: GradInitBatch): GradInitBatch {
  const x = allocate(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const y = new Int32Array(a.y.length + b.y.length);
  y.set(a.y);
  y.set(b.y, a.y.length);
  return { x, y, shape: [a.shape[0] + b.shape[0], ...a.shape.slice(1)] };
}
