// The compute interface: every numeric operation of the engine goes through one of these functions.
// Three implementations exist: `js/` (plain TypeScript, the reference every other kernel is tested
// against), the C++ addon (`native/`, loaded by native.ts) and the CUDA addon (`native/cuda/`, loaded by
// cuda.ts, on device arrays; docs/CUDA.md).
//
// Conventions (as llm.c): outputs first where there are several, then inputs, weights, dims.
// Tensors are row-major float32, activations NCHW (PyTorch's layout), conv weights [K, C/g, R, S],
// Linear weights [out, in]. Parameter gradients ACCUMULATE (+=, the caller zeroes them once per step);
// input gradients and forward outputs are OVERWRITTEN.
// Shape legend: N batch, C input channels, H/W input height/width, K output channels, R/S kernel
// height/width, OH/OW output height/width, g groups.

/** Geometry of a 2-D convolution (dilation 1). */
export interface ConvShape {
  N: number;
  C: number;
  H: number;
  W: number;
  K: number;
  R: number;
  S: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  groups: number;
}

/** Geometry of a 2-D pooling window (max or average; average counts padding, as PyTorch's default). */
export interface PoolShape {
  N: number;
  C: number;
  H: number;
  W: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/**
 * CSR of a sparse M×K matrix: row r's nonzeros are colIdx[rowPtr[r]..rowPtr[r+1]) with values at the same
 * positions. Column indices increase strictly within each row (the order csrFromMask produces).
 */
export interface Csr<F = Float32Array, I = Int32Array> {
  M: number;
  K: number;
  rowPtr: I;
  colIdx: I;
  values: F;
}

/**
 * CSC view of a Csr's pattern (cscView): column k's nonzeros are in rows rowIdx[colPtr[k]..colPtr[k+1]),
 * ascending, with their values at W.values[valuePos[j]]. Valid until the pattern changes; the values may change.
 */
export interface CscView<I = Int32Array> {
  colPtr: I;
  rowIdx: I;
  valuePos: I;
}

export type Activation = 'relu' | 'swish' | 'mish';

export interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * The kernels over one kind of array: F holds float32 data, I int32 (indices, class labels, argmax), U bytes (masks).
 * The CPU backends use host typed arrays (the defaults); the CUDA backend (cuda.ts) uses device arrays, passed
 * between kernels without copies (device.ts moves data to and from the host).
 */
export interface Kernels<F = Float32Array, I = Int32Array, U = Uint8Array> {
  readonly name: 'js' | 'native' | 'cuda';
  /**
   * Which SIMD path the native kernels dispatched to ('avx512', 'avx2', 'generic'; 'js' for the reference; for cuda
   * the GPU's compute capability, e.g. 'cuda sm_90').
   */
  readonly isa: string;
  setThreads(n: number): void;
  threads(): number;

  /**
   * C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, row-major with leading dimensions.
   * op(A) = A (A is M×K, lda ≥ K) or Aᵀ (A is K×M, lda ≥ M); likewise B. Offsets are in elements.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: F,
    aOff: number,
    lda: number,
    B: F,
    bOff: number,
    ldb: number,
    beta: number,
    C: F,
    cOff: number,
    ldc: number,
  ): void;

  // --- convolution (SPEC §1 layers; dilation 1, groups incl. depthwise) ---
  /** y[N,K,OH,OW] = conv(x[N,C,H,W], w[K,C/g,R,S]) + bias[K] (bias may be null). */
  conv2dForward(y: F, x: F, w: F, bias: F | null, s: ConvShape): void;
  /** dx[N,C,H,W] = convᵀ(dy, w) (overwritten). */
  conv2dBackwardInput(dx: F, dy: F, w: F, s: ConvShape): void;
  /** dw += corr(x, dy); dbias += Σ dy over N,OH,OW (dbias may be null). */
  conv2dBackwardWeight(dw: F, dbias: F | null, dy: F, x: F, s: ConvShape): void;

  // --- sparse weights: W [M, K] in CSR; activations feature-major, row-major: X and dX [K, N], Y and dY [M, N]
  // (N = batch for Linear, samples·pixels of an im2col chunk for convolution) ---
  /** Y[M,N] = W·X (+ beta·Y): W in CSR, X [K,N] row-major. beta = 0 never reads Y. */
  spmm(Y: F, W: Csr<F, I>, X: F, N: number, beta: number): void;
  /** dX[K,N] = Wᵀ·dY (overwrite), dY [M,N]. Wt is W's CSC view (cscView), built once per mask change. */
  spmmT(dX: F, W: Csr<F, I>, Wt: CscView<I>, dY: F, N: number): void;
  /**
   * SDDMM: dValues[j] += Σ_n dY[r,n]·X[c,n] for each nonzero j = (r, c) of W: the weight gradient at the kept
   * positions only.
   */
  sddmm(dValues: F, W: Csr<F, I>, dY: F, X: F, N: number): void;

  // --- pattern maintenance of compressed weights, at a prune-and-grow update (src/sparse/compressed_update.ts) ---
  /**
   * The pattern after an update: W's nonzeros minus `removed` (value indices, ascending) plus `grown` (row-major
   * positions r·K + c, ascending; a removed position may be grown again). Writes rowPtr [M+1], and colIdx and
   * source [nnz − removed + grown] in CSR order; source[i] is the old value index of new entry i (an entry that
   * stays, or one removed and regrown at once) or −1 (a new one). Throws if a grown position is kept already.
   * W's values are not read.
   */
  mergePattern(rowPtr: I, colIdx: I, source: I, W: Csr<F, I>, removed: I, grown: I): void;
  /** out[i] = old[source[i]], or 0 where source[i] = −1: values and optimiser state moved to a new pattern. */
  gatherOrZero(out: F, old: F, source: I): void;
  /** W's CSC view (see CscView) into colPtr [K+1], rowIdx and valuePos [nnz]; W's values are not read. */
  cscView(colPtr: I, rowIdx: I, valuePos: I, W: Csr<F, I>): void;
  /**
   * Top-k for mask updates: into out [k], ascending, the indices of the k best scores among the candidates
   * (entries ≠ 0 of candidates; all when null) — the largest (largest = true) or smallest, of |score| when abs;
   * ties go to the lower index and NaN ranks below every number (src/sparse/topk.ts). Throws if k exceeds the
   * candidates.
   */
  topK(out: I, scores: F, candidates: F | U | null, k: number, largest: boolean, abs: boolean): void;

  /**
   * Convolution with a sparse weight (groups 1): W is the [K, C·R·S] weight matrix in CSR (columns ordered
   * (c, r, s) as PyTorch's [K, C, R, S] flattened). y[N,K,OH,OW] = conv(x, W) + bias[K] (bias may be null).
   */
  sparseConv2dForward(y: F, x: F, W: Csr<F, I>, bias: F | null, s: ConvShape): void;
  /**
   * Backward of sparseConv2dForward in one pass over the im2col chunks: dValues[j] += ∂loss/∂W at W's nonzero j
   * (the weight gradient at the kept positions only), dbias += Σ dy over N,OH,OW (may be null), and
   * dx = convᵀ(dy, W) (overwritten; dx may be null when the input gradient is not needed).
   */
  sparseConv2dBackward(
    dx: F | null,
    dValues: F,
    dbias: F | null,
    dy: F,
    x: F,
    W: Csr<F, I>,
    Wt: CscView<I>,
    s: ConvShape,
  ): void;

  // --- batch normalisation over [N, C, HW] (BatchNorm1d: HW = 1) ---
  /**
   * Training mode: normalise with batch statistics, save mean and 1/sqrt(var+eps) for backward, update
   * running stats with momentum (running = (1-m)·running + m·stat, unbiased variance as PyTorch).
   */
  batchNormForwardTrain(
    y: F,
    saveMean: F,
    saveInvStd: F,
    x: F,
    gamma: F,
    beta: F,
    runningMean: F,
    runningVar: F,
    N: number,
    C: number,
    HW: number,
    momentum: number,
    eps: number,
  ): void;
  batchNormForwardEval(
    y: F,
    x: F,
    gamma: F,
    beta: F,
    runningMean: F,
    runningVar: F,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  /** Training-mode backward: dx overwritten; dgamma, dbeta accumulate. */
  batchNormBackward(
    dx: F,
    dgamma: F,
    dbeta: F,
    dy: F,
    x: F,
    gamma: F,
    saveMean: F,
    saveInvStd: F,
    N: number,
    C: number,
    HW: number,
  ): void;

  // --- activations (elementwise; x is the activation's input) ---
  activationForward(kind: Activation, y: F, x: F): void;
  activationBackward(kind: Activation, dx: F, dy: F, x: F): void;

  // --- pooling ---
  /** argmax holds, per output, the flat index into the input plane (h*W+w) of the max. */
  maxPool2dForward(y: F, argmax: I, x: F, s: PoolShape): void;
  maxPool2dBackward(dx: F, dy: F, argmax: I, s: PoolShape): void;
  avgPool2dForward(y: F, x: F, s: PoolShape): void;
  avgPool2dBackward(dx: F, dy: F, s: PoolShape): void;
  /** y[N,C] = mean over H·W of x[N,C,H,W]. */
  globalAvgPoolForward(y: F, x: F, N: number, C: number, HW: number): void;
  globalAvgPoolBackward(dx: F, dy: F, N: number, C: number, HW: number): void;

  // --- loss ---
  /**
   * Mean softmax cross-entropy over N rows of C logits. Targets are class indices (I, with label
   * smoothing α: target = (1-α)·onehot + α/C) or a soft target distribution (F [N,C], α ignored).
   * Writes dlogits = (softmax - target)/N and probs = softmax; returns the mean loss.
   */
  softmaxCrossEntropy(dlogits: F, probs: F, logits: F, targets: I | F, N: number, C: number, smoothing: number): number;

  // --- elementwise and reductions ---
  /** out = a + b */
  add(out: F, a: F, b: F): void;
  /** y += alpha·x */
  axpy(y: F, alpha: number, x: F): void;
  /** out = a ⊙ b (masks, dropout) */
  mul(out: F, a: F, b: F): void;
  /** x *= alpha */
  scale(x: F, alpha: number): void;
  /** out[cols, rows] = aᵀ for a [rows, cols] (row-major both). */
  transpose(out: F, a: F, rows: number, cols: number): void;
  /** y[N, F] += bias[F] broadcast over rows (Linear bias) */
  addBiasRows(y: F, bias: F, rows: number, F: number): void;
  /** dbias[F] += Σ_rows dy[rows, F] */
  sumRows(dbias: F, dy: F, rows: number, F: number): void;

  // --- optimiser ---
  /**
   * In-place SGD as torch.optim.SGD: g = grad + wd·p; buf = momentum·buf + (1-dampening)·g (buf = g on
   * the first step, signalled by firstStep); g = nesterov ? g + momentum·buf : buf; p -= lr·g.
   */
  sgdUpdate(param: F, grad: F, momentumBuf: F, opt: SgdOptions, firstStep: boolean): void;
}

/** Output spatial size of a convolution or pooling window (dilation 1, floor mode). */
export function outSize(inSize: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - kernel) / stride) + 1;
}
