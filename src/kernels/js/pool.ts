// Reference pooling over NCHW planes, as PyTorch's F.max_pool2d / F.avg_pool2d (count_include_pad = true) and
// adaptive average pooling to 1×1, in floor mode. Legend: x[N, C, H, W], y[N, C, OH, OW].
import { outSize, type PoolShape } from '../kernels.js';
import type { Floats } from './floats.js';

/**
 * Calls fn(plane, oh, ow, h0, h1, w0, w1, count) for every output: the window clipped to the input is
 * [h0, h1) × [w0, w1); count is its size within the padded input (the average's divisor).
 */
function forEachWindow(
  s: PoolShape,
  fn: (plane: number, oh: number, ow: number, h0: number, h1: number, w0: number, w1: number, count: number) => void,
): void {
  const OH = outSize(s.H, s.kH, s.strideH, s.padH);
  const OW = outSize(s.W, s.kW, s.strideW, s.padW);
  for (let plane = 0; plane < s.N * s.C; plane++) {
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * s.strideH - s.padH;
      const he = Math.min(hs + s.kH, s.H + s.padH);
      for (let ow = 0; ow < OW; ow++) {
        const ws = ow * s.strideW - s.padW;
        const we = Math.min(ws + s.kW, s.W + s.padW);
        const count = (he - hs) * (we - ws);
        fn(plane, oh, ow, Math.max(hs, 0), Math.min(he, s.H), Math.max(ws, 0), Math.min(we, s.W), count);
      }
    }
  }
}

function outIndex(s: PoolShape, plane: number, oh: number, ow: number): number {
  return (plane * outSize(s.H, s.kH, s.strideH, s.padH) + oh) * outSize(s.W, s.kW, s.strideW, s.padW) + ow;
}

/** y = max over each window (padding counts as −∞, the first maximum wins, NaN propagates); argmax = h·W + w. */
export function maxPool2dForward(y: Floats, argmax: Int32Array, x: Floats, s: PoolShape): void {
  forEachWindow(s, (plane, oh, ow, h0, h1, w0, w1) => {
    let best = -Infinity;
    let at = h0 * s.W + w0;
    for (let h = h0; h < h1; h++) {
      for (let w = w0; w < w1; w++) {
        const v = x[plane * s.H * s.W + h * s.W + w];
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = h * s.W + w;
        }
      }
    }
    const o = outIndex(s, plane, oh, ow);
    y[o] = best;
    argmax[o] = at;
  });
}

/** dx = dy routed to each window's argmax (summed where windows overlap); dx is overwritten. */
export function maxPool2dBackward(dx: Floats, dy: Floats, argmax: Int32Array, s: PoolShape): void {
  dx.fill(0, 0, s.N * s.C * s.H * s.W);
  forEachWindow(s, (plane, oh, ow) => {
    const o = outIndex(s, plane, oh, ow);
    dx[plane * s.H * s.W + argmax[o]] += dy[o];
  });
}

/** y = mean over each window, dividing by the window size including padding. */
export function avgPool2dForward(y: Floats, x: Floats, s: PoolShape): void {
  forEachWindow(s, (plane, oh, ow, h0, h1, w0, w1, count) => {
    let sum = 0;
    for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += x[plane * s.H * s.W + h * s.W + w];
    y[outIndex(s, plane, oh, ow)] = sum / count;
  });
}

/** dx = dy / window size spread over each window; dx is overwritten. */
export function avgPool2dBackward(dx: Floats, dy: Floats, s: PoolShape): void {
  dx.fill(0, 0, s.N * s.C * s.H * s.W);
  forEachWindow(s, (plane, oh, ow, h0, h1, w0, w1, count) => {
    const g = dy[outIndex(s, plane, oh, ow)] / count;
    for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[plane * s.H * s.W + h * s.W + w] += g;
  });
}

/** y[N, C] = mean over HW of x[N, C, HW]. */
export function globalAvgPoolForward(y: Floats, x: Floats, N: number, C: number, HW: number): void {
  for (let plane = 0; plane < N * C; plane++) {
    let sum = 0;
    for (let i = 0; i < HW; i++) sum += x[plane * HW + i];
    y[plane] = sum / HW;
  }
}

/** dx[N, C, HW] = dy[N, C] / HW; dx is overwritten. */
export function globalAvgPoolBackward(dx: Floats, dy: Floats, N: number, C: number, HW: number): void {
  for (let plane = 0; plane < N * C; plane++) dx.fill(dy[plane] / HW, plane * HW, (plane + 1) * HW);
}
