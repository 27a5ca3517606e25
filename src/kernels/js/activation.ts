// Reference activations: ReLU, Swish (x·σ(x)) and Mish (x·tanh(softplus(x))), forward and input gradient.
import type { Activation } from '../kernels.js';
import type { Floats } from './floats.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** log(1 + eˣ), equal to x above 20 (as PyTorch's threshold) where exp would lose everything to rounding. */
function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

function forward(kind: Activation, x: number): number {
  switch (kind) {
    case 'relu':
      return x < 0 ? 0 : x; // NaN passes through, as in PyTorch
    case 'swish':
      return x * sigmoid(x);
    case 'mish':
      return x * Math.tanh(softplus(x));
  }
}

/** d activation / dx at x. */
function derivative(kind: Activation, x: number): number {
  switch (kind) {
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'swish': {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    }
    case 'mish': {
      const t = Math.tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    }
  }
}

function checkKind(op: string, kind: Activation): void {
  if (kind !== 'relu' && kind !== 'swish' && kind !== 'mish') {
    throw new Error(`${op}: argument 'kind' must be 'relu', 'swish' or 'mish', got '${String(kind)}'`);
  }
}

export function activationForward(kind: Activation, y: Floats, x: Floats): void {
  checkKind('activationForward', kind);
  for (let i = 0; i < x.length; i++) y[i] = forward(kind, x[i]);
}

/** dx = dy · f'(x); ReLU passes the gradient where x > 0. */
export function activationBackward(kind: Activation, dx: Floats, dy: Floats, x: Floats): void {
  checkKind('activationBackward', kind);
  for (let i = 0; i < x.length; i++) dx[i] = kind === 'relu' ? (x[i] > 0 ? dy[i] : 0) : dy[i] * derivative(kind, x[i]);
}
