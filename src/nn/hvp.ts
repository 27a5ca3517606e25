// Hessian-vector products without a second backward pass: a central finite difference of gradients,
//   Hv ≈ (∇L(w + r·v) − ∇L(w − r·v)) / 2r,
// exact up to O(r²) for a smooth loss (and up to the rounding of the gradients, ~ε·‖∇L‖/r). What the Hessian's top
// eigenvalue (eval/hessian.ts, SPEC §10) and GradInit's gradient-norm constraint (gradinit.ts, SPEC §9) need; the
// latter holds the network's kinks fixed while it differences (withFrozenKinks), so that ReLU networks give the
// Hessian autograd gives.
import { Activation } from './layers/activation.js';
import { MaxPool2d } from './layers/pool.js';
import type { Module, Parameter } from './module.js';

/** The step the callers use along a unit direction, relative to max(1, ‖w‖): measured against PyTorch's exact
 * HVP in eval/hessian.ts (1e-5 relative error of the top eigenvalue at 1e-4 in float32). */
export const HVP_STEP = 1e-4;

/**
 * H·v of the loss whose gradient `gradient()` returns (one array per parameter, read at the parameters' current
 * values), at the point w (one array per parameter; the parameters hold w on return), by central differences with
 * step r along v.
 */
export function finiteDifferenceHvp(
  params: Parameter[],
  w: Float32Array[],
  v: ArrayLike<number>[],
  r: number,
  gradient: () => Float32Array[],
): Float64Array[] {
  const at = (sign: number) => {
    params.forEach((p, i) => {
      for (let t = 0; t < p.data.length; t++) p.data[t] = w[i][t] + sign * r * v[i][t];
    });
    return gradient();
  };
  try {
    const plus = at(1);
    const minus = at(-1);
    return plus.map((g, i) => Float64Array.from(g, (x, t) => (x - minus[i][t]) / (2 * r)));
  } finally {
    params.forEach((p, i) => p.data.set(w[i]));
  }
}

/**
 * Runs fn with every kink of the model (ReLU's on/off pattern, max-pool's choice) held where the model's last
 * forward left them: the network is then smooth around that point, and a finite difference of gradients measures
 * the Hessian of the piece the point lies on — what autograd's double backward computes (ReLU'' = 0) — instead
 * of straddling kinks. Swish and mish have none to hold.
 */
export function withFrozenKinks<T>(model: Module, fn: () => T): T {
  const kinks = model.namedModules().filter(([, m]) => m instanceof Activation || m instanceof MaxPool2d);
  const set = (on: boolean) => kinks.forEach(([, m]) => (m as Activation | MaxPool2d).freeze(on));
  set(true);
  try {
    return fn();
  } finally {
    set(false);
  }
}
