// Reference convolution with a sparse weight (shapes in kernels.ts): W densified, then the dense reference
// convolution; the weight gradient is the dense one gathered at W's nonzeros.
import type { ConvShape, Csr, CscView } from '../kernels.js';
import { csrToDense } from '../sparse_format.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './conv.js';
import type { Floats } from './floats.js';

/** y = conv(x, W) + bias (bias may be null); y is overwritten. */
export function sparseConv2dForward(y: Floats, x: Floats, W: Csr, bias: Floats | null, s: ConvShape): void {
  checkWeight('sparseConv2dForward', W, s);
  conv2dForward(y, x, csrToDense(W), bias, s);
}

/** dValues[j] += ∂/∂W at W's nonzero j; dbias += Σ dy (may be null); dx = convᵀ(dy, W) unless null. */
export function sparseConv2dBackward(
  dx: Floats | null,
  dValues: Floats,
  dbias: Floats | null,
  dy: Floats,
  x: Floats,
  W: Csr,
  _Wt: CscView,
  s: ConvShape,
): void {
  checkWeight('sparseConv2dBackward', W, s);
  if (dx) conv2dBackwardInput(dx, dy, csrToDense(W), s);
  const dw = new Float64Array(W.M * W.K);
  conv2dBackwardWeight(dw, dbias, dy, x, s);
  for (let r = 0; r < W.M; r++) {
    for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) dValues[j] += dw[r * W.K + W.colIdx[j]];
  }
}

function checkWeight(op: string, W: Csr, s: ConvShape): void {
  if (s.groups !== 1) throw new Error(`${op}: grouped convolutions cannot run sparse, groups must be 1 (${s.groups})`);
  const Kc = s.C * s.R * s.S;
  if (W.M !== s.K || W.K !== Kc) {
    throw new Error(`${op}: W is [${W.M}, ${W.K}] but the convolution needs [K, C·R·S] = [${s.K}, ${Kc}]`);
  }
}
