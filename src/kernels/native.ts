// Loads the C++ addon (build/Release/sparsetickets.node) and adapts it to the Kernels interface.
// This is the only file that knows the addon's calling convention (shapes flattened to integers).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Activation, ConvShape, Kernels, PoolShape, SgdOptions } from './kernels.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Addon = Record<string, (...args: any[]) => any>;

export function packageRoot(): string {
  // dist/src/kernels/native.js or src/kernels/native.ts → the directory holding package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('sparsetickets: cannot locate the package root from ' + fileURLToPath(import.meta.url));
}

/** Where the addon is expected; SPARSETICKETS_ADDON overrides it (tests use this to simulate a missing build). */
export function addonPath(): string {
  return process.env.SPARSETICKETS_ADDON ?? join(packageRoot(), 'build', 'Release', 'sparsetickets.node');
}

/** Returns the addon, or an Error saying why it could not be loaded. */
export function loadAddon(): Addon | Error {
  const path = addonPath();
  if (!existsSync(path)) {
    return new Error(
      `the native addon is not built (${path} is missing); build it with \`npm run build:native\` ` +
        '(needs g++ and node-gyp, both set up by `npm ci`)',
    );
  }
  try {
    return createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    return new Error(`the native addon at ${path} failed to load: ${(e as Error).message}`);
  }
}

const conv = (s: ConvShape) =>
  [s.N, s.C, s.H, s.W, s.K, s.R, s.S, s.strideH, s.strideW, s.padH, s.padW, s.groups] as const;
const pool = (s: PoolShape) => [s.N, s.C, s.H, s.W, s.kH, s.kW, s.strideH, s.strideW, s.padH, s.padW] as const;

export function nativeKernels(a: Addon): Kernels {
  return {
    name: 'native',
    isa: a.isa() as string,
    setThreads: (n) => a.setThreads(n),
    threads: () => a.threads() as number,
    sgemm: a.sgemm as Kernels['sgemm'],
    spmm: (Y, W, X, N, beta) => a.spmm(Y, W.M, W.K, W.rowPtr, W.colIdx, W.values, X, N, beta),
    spmmT: (dX, W, Wt, dY, N) =>
      a.spmmT(dX, W.M, W.K, W.rowPtr, W.colIdx, W.values, Wt.colPtr, Wt.rowIdx, Wt.valuePos, dY, N),
    sddmm: (dValues, W, dY, X, N) => a.sddmm(dValues, W.M, W.K, W.rowPtr, W.colIdx, dY, X, N),
    mergePattern: (rowPtr, colIdx, source, W, removed, grown) =>
      a.mergePattern(rowPtr, colIdx, source, W.M, W.K, W.rowPtr, W.colIdx, removed, grown),
    gatherOrZero: a.gatherOrZero as Kernels['gatherOrZero'],
    cscView: (colPtr, rowIdx, valuePos, W) => a.cscView(colPtr, rowIdx, valuePos, W.M, W.K, W.rowPtr, W.colIdx),
    topK: a.topK as Kernels['topK'],
    sparseConv2dForward: (y, x, W, bias, s) =>
      a.sparseConv2dForward(y, x, W.M, W.K, W.rowPtr, W.colIdx, W.values, bias, ...conv(s)),
    sparseConv2dBackward: (dx, dValues, dbias, dy, x, W, Wt, s) =>
      a.sparseConv2dBackward(
        dx,
        dValues,
        dbias,
        dy,
        x,
        W.M,
        W.K,
        W.rowPtr,
        W.colIdx,
        W.values,
        Wt.colPtr,
        Wt.rowIdx,
        Wt.valuePos,
        ...conv(s),
      ),
    conv2dForward: (y, x, w, bias, s) => a.conv2dForward(y, x, w, bias, ...conv(s)),
    conv2dBackwardInput: (dx, dy, w, s) => a.conv2dBackwardInput(dx, dy, w, ...conv(s)),
    conv2dBackwardWeight: (dw, dbias, dy, x, s) => a.conv2dBackwardWeight(dw, dbias, dy, x, ...conv(s)),
    batchNormForwardTrain: a.batchNormForwardTrain as Kernels['batchNormForwardTrain'],
    batchNormForwardEval: a.batchNormForwardEval as Kernels['batchNormForwardEval'],
    batchNormBackward: a.batchNormBackward as Kernels['batchNormBackward'],
    activationForward: (kind: Activation, y, x) => a.activationForward(kind, y, x),
    activationBackward: (kind: Activation, dx, dy, x) => a.activationBackward(kind, dx, dy, x),
    maxPool2dForward: (y, argmax, x, s) => a.maxPool2dForward(y, argmax, x, ...pool(s)),
    maxPool2dBackward: (dx, dy, argmax, s) => a.maxPool2dBackward(dx, dy, argmax, ...pool(s)),
    avgPool2dForward: (y, x, s) => a.avgPool2dForward(y, x, ...pool(s)),
    avgPool2dBackward: (dx, dy, s) => a.avgPool2dBackward(dx, dy, ...pool(s)),
    globalAvgPoolForward: a.globalAvgPoolForward as Kernels['globalAvgPoolForward'],
    globalAvgPoolBackward: a.globalAvgPoolBackward as Kernels['globalAvgPoolBackward'],
    softmaxCrossEntropy: a.softmaxCrossEntropy as Kernels['softmaxCrossEntropy'],
    add: a.add as Kernels['add'],
    axpy: a.axpy as Kernels['axpy'],
    mul: a.mul as Kernels['mul'],
    scale: a.scale as Kernels['scale'],
    transpose: a.transpose as Kernels['transpose'],
    addBiasRows: a.addBiasRows as Kernels['addBiasRows'],
    sumRows: a.sumRows as Kernels['sumRows'],
    sgdUpdate: (param, grad, buf, o: SgdOptions, firstStep) =>
      a.sgdUpdate(param, grad, buf, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov, firstStep),
  };
}
