// The activations flowing between layers: a flat row-major buffer and its shape (NCHW for images, [N, F]
// for features). Layers own their output and input-gradient buffers and reuse them from step to step, so a
// training step allocates no activation memory after the first one.
//
// Precision: every buffer nn allocates is float32, unless setPrecision('f64') was called, in which case it
// is a Float64Array carrying the Float32Array type. That is meant for one thing only: finite-difference
// tests running whole layers in double precision through the TypeScript reference kernels (which accept
// both array types). The native kernels take float32 only; never combine f64 with them.

export interface Tensor {
  data: Float32Array;
  shape: number[];
}

export type Precision = 'f32' | 'f64';

let precision: Precision = 'f32';

/** Sets the element type of all buffers nn allocates from now on (parameters, activations, gradients). */
export function setPrecision(p: Precision): void {
  precision = p;
}

export function getPrecision(): Precision {
  return precision;
}

let shapesOnly = false;

/**
 * Runs fn with every buffer allocate() hands out empty (as PyTorch's 'meta' device): a model built inside
 * has its parameters' shapes, and so its size, at no memory cost, but cannot run. For memory estimates.
 */
export function withShapesOnly<T>(fn: () => T): T {
  const before = shapesOnly;
  shapesOnly = true;
  try {
    return fn();
  } finally {
    shapesOnly = before;
  }
}

/** A zeroed buffer of n elements in the current precision. The only place where f64 is cast to the f32 type. */
export function allocate(n: number): Float32Array {
  if (shapesOnly) return new Float32Array(0);
  return precision === 'f64' ? (new Float64Array(n) as unknown as Float32Array) : new Float32Array(n);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function zeros(shape: readonly number[]): Tensor {
  return { data: allocate(sizeOf(shape)), shape: [...shape] };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A buffer for `shape`, reusing `t`'s memory when it is large enough and of the current precision: the
 * buffers grow to the largest batch seen and are then viewed at the size needed, so alternating batch sizes
 * (a last partial batch, evaluation batches) allocate nothing. Contents are stale, to be overwritten by the
 * caller. `t` is updated in place (shape, and data when the size changes) and returned.
 */
export function reuse(t: Tensor | undefined, shape: readonly number[]): Tensor {
  const n = sizeOf(shape);
  const Type = precision === 'f64' ? Float64Array : Float32Array;
  if (t && t.data instanceof Type && t.data.buffer.byteLength >= n * Type.BYTES_PER_ELEMENT) {
    if (t.data.length !== n) t.data = new Type(t.data.buffer as ArrayBuffer, 0, n) as Float32Array;
    if (!sameShape(t.shape, shape)) t.shape = [...shape];
    return t;
  }
  return zeros(shape);
}

/** The same buffer seen with another shape of the same size (no copy). */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== t.data.length) {
    throw new Error(`reshape: cannot view ${t.data.length} elements [${t.shape}] as [${shape}]`);
  }
  return { data: t.data, shape: [...shape] };
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a clear error when a layer receives an input of the wrong rank or size. */
export function expectShape(
  what: string,
  shape: readonly number[],
  rank: number,
  dims: Record<number, number> = {},
): void {
  const bad = shape.length !== rank || Object.entries(dims).some(([axis, size]) => shape[Number(axis)] !== size);
  if (bad) {
    const want = Array.from({ length: rank }, (_, i) => (dims[i] !== undefined ? String(dims[i]) : '*'));
    throw new Error(`${what}: expected an input of shape [${want.join(', ')}], got ${shapeString(shape)}`);
  }
}
