// Reference 2-D convolution (dilation 1, groups): plain nested loops over the definition, the oracle of the
// native kernels. Legend: x[N, C, H, W], w[K, C/g, R, S], bias[K], y[N, K, OH, OW]; per group g, output
// channel k reads input channels [g·C/g, (g+1)·C/g) with g = ⌊k / (K/g)⌋.
import { outSize, type ConvShape } from '../kernels.js';
import type { Floats } from './floats.js';

interface Dims {
  OH: number;
  OW: number;
  Cg: number;
  Kg: number;
}

function dims(s: ConvShape): Dims {
  return {
    OH: outSize(s.H, s.R, s.strideH, s.padH),
    OW: outSize(s.W, s.S, s.strideW, s.padW),
    Cg: s.C / s.groups,
    Kg: s.K / s.groups,
  };
}

/**
 * Calls fn(xi, wi, yi) for every product x[xi]·w[wi] that contributes to y[yi], i.e. for all n, k, oh, ow, c,
 * r, s with the input position inside the image (the padding contributes zeros).
 */
function forEachTap(s: ConvShape, fn: (xi: number, wi: number, yi: number) => void): void {
  const { OH, OW, Cg, Kg } = dims(s);
  for (let n = 0; n < s.N; n++) {
    for (let k = 0; k < s.K; k++) {
      const c0 = Math.floor(k / Kg) * Cg;
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const yi = ((n * s.K + k) * OH + oh) * OW + ow;
          for (let c = 0; c < Cg; c++) {
            for (let r = 0; r < s.R; r++) {
              const ih = oh * s.strideH - s.padH + r;
              if (ih < 0 || ih >= s.H) continue;
              for (let q = 0; q < s.S; q++) {
                const iw = ow * s.strideW - s.padW + q;
                if (iw < 0 || iw >= s.W) continue;
                const xi = ((n * s.C + c0 + c) * s.H + ih) * s.W + iw;
                const wi = ((k * Cg + c) * s.R + r) * s.S + q;
                fn(xi, wi, yi);
              }
            }
          }
        }
      }
    }
  }
}

/** y = conv(x, w) + bias (bias may be null); y is overwritten. */
export function conv2dForward(y: Floats, x: Floats, w: Floats, bias: Floats | null, s: ConvShape): void {
  const { OH, OW } = dims(s);
  for (let n = 0; n < s.N; n++)
    for (let k = 0; k < s.K; k++) y.fill(bias ? bias[k] : 0, (n * s.K + k) * OH * OW, (n * s.K + k + 1) * OH * OW);
  forEachTap(s, (xi, wi, yi) => {
    y[yi] += x[xi] * w[wi];
  });
}

/** dx = ∂(Σ dy·y)/∂x; dx is overwritten. */
export function conv2dBackwardInput(dx: Floats, dy: Floats, w: Floats, s: ConvShape): void {
  dx.fill(0, 0, s.N * s.C * s.H * s.W);
  forEachTap(s, (xi, wi, yi) => {
    dx[xi] += dy[yi] * w[wi];
  });
}

/** dw += ∂(Σ dy·y)/∂w; dbias += Σ dy over n, oh, ow (dbias may be null). */
export function conv2dBackwardWeight(dw: Floats, dbias: Floats | null, dy: Floats, x: Floats, s: ConvShape): void {
  forEachTap(s, (xi, wi, yi) => {
    dw[wi] += dy[yi] * x[xi];
  });
  if (!dbias) return;
  const { OH, OW } = dims(s);
  for (let n = 0; n < s.N; n++)
    for (let k = 0; k < s.K; k++) for (let p = 0; p < OH * OW; p++) dbias[k] += dy[(n * s.K + k) * OH * OW + p];
}
