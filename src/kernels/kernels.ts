// The compute interface: every numeric operation of the engine goes through one of these functions.
// Two implementations exist: `js/` (plain TypeScript, the reference every native kernel is tested
// against) and the C++ addon (`native/`, loaded by native.ts).
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
export interface Csr {
  M: number;
  K: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

/**
 * CSC view of a Csr's pattern (cscView): column k's nonzeros are in rows rowIdx[colPtr[k]..colPtr[k+1]),
 * ascending, with their values at W.values[valuePos[j]]. Valid until the pattern changes; the values may change.
 */
export interface CscView {
  colPtr: Int32Array;
  rowIdx: Int32Array;
  valuePos: Int32Array;
}

export type Activation = 'relu' | 'swish' | 'mish';

export interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface Kernels {
  readonly name: 'js' | 'native';
  /** Which SIMD path the native kernels dispatched to ('avx512', 'avx2', 'generic'; 'js' for the reference). */
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
    A: Float32Array,
    aOff: number,
    lda: number,
    B: Float32Array,
    bOff: number,
    ldb: number,
    beta: number,
    C: Float32Array,
    cOff: number,
    ldc: number,
  ): void;

  // --- convolution (SPEC §1 layers; dilation 1, groups incl. depthwise) ---
  /** y[N,K,OH,OW] = conv(x[N,C,H,W], w[K,C/g,R,S]) + bias[K] (bias may be null). */
  conv2dForward(y: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, s: ConvShape): void;
  /** dx[N,C,H,W] = convᵀ(dy, w) (overwritten). */
  conv2dBackwardInput(dx: Float32Array, dy: Float32Array, w: Float32Array, s: ConvShape): void;
  /** dw += corr(x, dy); dbias += Σ dy over N,OH,OW (dbias may be null). */
  conv2dBackwardWeight(
    dw: Float32Array,
    dbias: Float32Array | null,
    dy: Float32Array,
    x: Float32Array,
    s: ConvShape,
  ): void;

  // --- sparse weights: W [M, K] in CSR; activations feature-major, row-major: X and dX [K, N], Y and dY [M, N]
  // (N = batch for Linear, samples·pixels of an im2col chunk for convolution) ---
  /** Y[M,N] = W·X (+ beta·Y): W in CSR, X [K,N] row-major. beta = 0 never reads Y. */
  spmm(Y: Float32Array, W: Csr, X: Float32Array, N: number, beta: number): void;
  /** dX[K,N] = Wᵀ·dY (overwrite), dY [M,N]. Wt is W's CSC view (cscView), built once per mask change. */
  spmmT(dX: Float32Array, W: Csr, Wt: CscView, dY: Float32Array, N: number): void;
  /**
   * SDDMM: dValues[j] += Σ_n dY[r,n]·X[c,n] for each nonzero j = (r, c) of W: the weight gradient at the kept
   * positions only.
   */
  sddmm(dValues: Float32Array, W: Csr, dY: Float32Array, X: Float32Array, N: number): void;

  // --- pattern maintenance of compressed weights, at a prune-and-grow update (src/sparse/compressed_update.ts) ---
  /**
   * The pattern after an update: W's nonzeros minus `removed` (value indices, ascending) plus `grown` (row-major
   * positions r·K + c, ascending; a removed position may be grown again). Writes rowPtr [M+1], and colIdx and
   * source [nnz − removed + grown] in CSR order; source[i] is the old value index of new entry i (an entry that
   * stays, or one removed and regrown at once) or −1 (a new one). Throws if a grown position is kept already.
   * W's values are not read.
   */
  mergePattern(
    rowPtr: Int32Array,
    colIdx: Int32Array,
    source: Int32Array,
    W: Csr,
    removed: Int32Array,
    grown: Int32Array,
  ): void;
  /** out[i] = old[source[i]], or 0 where source[i] = −1: values and optimiser state moved to a new pattern. */
  gatherOrZero(out: Float32Array, old: Float32Array, source: Int32Array): void;
  /** W's CSC view (see CscView) into colPtr [K+1], rowIdx and valuePos [nnz]; W's values are not read. */
  cscView(colPtr: Int32Array, rowIdx: Int32Array, valuePos: Int32Array, W: Csr): void;
  /**
   * Top-k for mask updates: into out [k], ascending, the indices of the k best scores among the candidates
   * (entries ≠ 0 of candidates; all when null) — the largest (largest = true) or smallest, of |score| when abs;
   * ties go to the lower index and NaN ranks below every number (src/sparse/topk.ts). Throws if k exceeds the
   * candidates.
   */
  topK(
    out: Int32Array,
    scores: Float32Array,
    candidates: Float32Array | Uint8Array | null,
    k: number,
    largest: boolean,
    abs: boolean,
  ): void;

  /**
   * Convolution with a sparse weight (groups 1): W is the [K, C·R·S] weight matrix in CSR (columns ordered
   * (c, r, s) as PyTorch's [K, C, R, S] flattened). y[N,K,OH,OW] = conv(x, W) + bias[K] (bias may be null).
   */
  sparseConv2dForward(y: Float32Array, x: Float32Array, W: Csr, bias: Float32Array | null, s: ConvShape): void;
  /**
   * Backward of sparseConv2dForward in one pass over the im2col chunks: dValues[j] += ∂loss/∂W at W's nonzero j
   * (the weight gradient at the kept positions only), dbias += Σ dy over N,OH,OW (may be null), and
   * dx = convᵀ(dy, W) (overwritten; dx may be null when the input gradient is not needed).
   */
  sparseConv2dBackward(
    dx: Float32Array | null,
    dValues: Float32Array,
    dbias: Float32Array | null,
    dy: Float32Array,
    x: Float32Array,
    W: Csr,
    Wt: CscView,
    s: ConvShape,
  ): void;

  // --- batch normalisation over [N, C, HW] (BatchNorm1d: HW = 1) ---
  /**
   * Training mode: normalise with batch statistics, save mean and 1/sqrt(var+eps) for backward, update
   * running stats with momentum (running = (1-m)·running + m·stat, unbiased variance as PyTorch).
   */
  batchNormForwardTrain(
    y: Float32Array,
    saveMean: Float32Array,
    saveInvStd: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    runningMean: Float32Array,
    runningVar: Float32Array,
    N: number,
    C: number,
    HW: number,
    momentum: number,
    eps: number,
  ): void;
  batchNormForwardEval(
    y: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    runningMean: Float32Array,
    runningVar: Float32Array,
    N: number,
    C: number,
    HW: number,
    eps: number,
  ): void;
  /** Training-mode backward: dx overwritten; dgamma, dbeta accumulate. */
  batchNormBackward(
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    saveMean: Float32Array,
    saveInvStd: Float32Array,
    N: number,
    C: number,
    HW: number,
  ): void;

  // --- activations (elementwise; x is the activation's input) ---
  activationForward(kind: Activation, y: Float32Array, x: Float32Array): void;
  activationBackward(kind: Activation, dx: Float32Array, dy: Float32Array, x: Float32Array): void;

  // --- pooling ---
  /** argmax holds, per output, the flat index into the input plane (h*W+w) of the max. */
  maxPool2dForward(y: Float32Array, argmax: Int32Array, x: Float32Array, s: PoolShape): void;
  maxPool2dBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, s: PoolShape): void;
  avgPool2dForward(y: Float32Array, x: Float32Array, s: PoolShape): void;
  avgPool2dBackward(dx: Float32Array, dy: Float32Array, s: PoolShape): void;
  /** y[N,C] = mean over H·W of x[N,C,H,W]. */
  globalAvgPoolForward(y: Float32Array, x: Float32Array, N: number, C: number, HW: number): void;
  globalAvgPoolBackward(dx: Float32Array, dy: Float32Array, N: number, C: number, HW: number): void;

  // --- loss ---
  /**
   * Mean softmax cross-entropy over N rows of C logits. Targets are class indices (Int32Array, with label
   * smoothing α: target = (1-α)·onehot + α/C) or a soft target distribution (Float32Array [N,C], α ignored).
   * Writes dlogits = (softmax - target)/N and probs = softmax; returns the mean loss.
   */
  softmaxCrossEntropy(
    dlogits: Float32Array,
    probs: Float32Array,
    logits: Float32Array,
    targets: Int32Array | Float32Array,
    N: number,
    C: number,
    smoothing: number,
  ): number;

  // --- elementwise and reductions ---
  /** out = a + b */
  add(out: Float32Array, a: Float32Array, b: Float32Array): void;
  /** y += alpha·x */
  axpy(y: Float32Array, alpha: number, x: Float32Array): void;
  /** out = a ⊙ b (masks, dropout) */
  mul(out: Float32Array, a: Float32Array, b: Float32Array): void;
  /** x *= alpha */
  scale(x: Float32Array, alpha: number): void;
  /** out[cols, rows] = aᵀ for a [rows, cols] (row-major both). */
  transpose(out: Float32Array, a: Float32Array, rows: number, cols: number): void;
  /** y[N, F] += bias[F] broadcast over rows (Linear bias) */
  addBiasRows(y: Float32Array, bias: Float32Array, rows: number, F: number): void;
  /** dbias[F] += Σ_rows dy[rows, F] */
  sumRows(dbias: Float32Array, dy: Float32Array, rows: number, F: number): void;

  // --- optimiser ---
  /**
   * In-place SGD as torch.optim.SGD: g = grad + wd·p; buf = momentum·buf + (1-dampening)·g (buf = g on
   * the first step, signalled by firstStep); g = nesterov ? g + momentum·buf : buf; p -= lr·g.
   */
  sgdUpdate(
    param: Float32Array,
    grad: Float32Array,
    momentumBuf: Float32Array,
    opt: SgdOptions,
    firstStep: boolean,
  ): void;
}

/** Output spatial size of a convolution or pooling window (dilation 1, floor mode). */
export function outSize(inSize: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - kernel) / stride) + 1;
}
