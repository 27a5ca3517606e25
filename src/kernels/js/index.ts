// The plain-TypeScript kernels assembled into the Kernels interface.
import type { Kernels } from '../kernels.js';
import { sgemm } from './gemm.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './conv.js';
import { batchNormBackward, batchNormForwardEval, batchNormForwardTrain } from './batchnorm.js';
import { activationBackward, activationForward } from './activation.js';
import {
  avgPool2dBackward,
  avgPool2dForward,
  globalAvgPoolBackward,
  globalAvgPoolForward,
  maxPool2dBackward,
  maxPool2dForward,
} from './pool.js';
import { softmaxCrossEntropy } from './loss.js';
import { add, addBiasRows, axpy, mul, scale, sumRows, transpose } from './elementwise.js';
import { sgdUpdate } from './optim.js';
import { sddmm, spmm, spmmT } from './sparse.js';
import { cscView, gatherOrZero, mergePattern } from './sparse_pattern.js';
import { topK } from './topk.js';
import { sparseConv2dBackward, sparseConv2dForward } from './sparse_conv.js';

export function jsKernels(): Kernels {
  return {
    name: 'js',
    isa: 'js',
    setThreads: () => {},
    threads: () => 1,
    sgemm,
    spmm,
    spmmT,
    sddmm,
    mergePattern,
    gatherOrZero,
    cscView,
    topK,
    sparseConv2dForward,
    sparseConv2dBackward,
    conv2dForward,
    conv2dBackwardInput,
    conv2dBackwardWeight,
    batchNormForwardTrain,
    batchNormForwardEval,
    batchNormBackward,
    activationForward,
    activationBackward,
    maxPool2dForward,
    maxPool2dBackward,
    avgPool2dForward,
    avgPool2dBackward,
    globalAvgPoolForward,
    globalAvgPoolBackward,
    softmaxCrossEntropy,
    add,
    axpy,
    mul,
    scale,
    transpose,
    addBiasRows,
    sumRows,
    sgdUpdate,
  };
}
