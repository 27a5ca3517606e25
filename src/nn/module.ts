// Module: a layer or a network of layers, with explicit forward and backward (no autograd tape), and
// PyTorch's naming: parameters and buffers are addressed by dotted paths ('layer1.0.conv1.weight') in the
// order torch.nn.Module.state_dict() lists them (per module: own parameters, own buffers, then children in
// registration order), so a state dict written here loads into the PyTorch module and back.
//
// Contract of every module: forward(x) returns an output buffer the module owns (valid until its next
// forward) and remembers what backward needs; backward(dy) must follow the forward it belongs to, returns
// dx (a buffer the module owns, or dy itself for identities) and ADDS the parameter gradients into
// Parameter.grad (zeroGrad() clears them once per step). Callers must not modify a returned buffer.
import type { Csr, CscView, Kernels } from '../kernels/kernels.js';
import { csrFromMask, csrToDense, cscView, gatherValues, scatterValues } from '../kernels/sparse_format.js';
import { getKernels } from '../kernels/index.js';
import { Rng } from '../util/rng.js';
import type { SafeTensor, TensorMap } from '../util/safetensors.js';
import { fillInit, type Init } from './init.js';
import { allocate, getPrecision, sameShape, shapeString, sizeOf, type Precision, type Tensor } from './tensor.js';

export class Parameter {
  /** The values: dense [shape] — or, while compressed, the nonzeros in row-major order (csr.values). */
  data: Float32Array;
  readonly shape: number[];
  /** How Module.initialize draws this parameter. */
  init: Init;
  /** True for the weights of Conv2d and Linear: the tensors sparse training masks (never biases or BN). */
  readonly prunable: boolean;
  private compressed: Csr | null = null;
  private byColumns: CscView | null = null;
  private gradient: Float32Array | null = null;
  private readonly precision: Precision;

  constructor(shape: readonly number[], init: Init, prunable = false) {
    this.shape = [...shape];
    this.precision = getPrecision();
    this.data = allocate(sizeOf(shape));
    this.init = init;
    this.prunable = prunable;
  }

  /** The gradient, in the same layout as data; allocated on first use, so that a weight compressed before its
   * first backward never holds a dense gradient. */
  get grad(): Float32Array {
    if (!this.gradient) {
      const n = this.data.length;
      this.gradient = this.precision === 'f64' ? (new Float64Array(n) as unknown as Float32Array) : new Float32Array(n);
    }
    return this.gradient;
  }

  set grad(g: Float32Array) {
    this.gradient = g;
  }

  /** Bytes held: values, gradient (once allocated) and, while compressed, the pattern and its CSC view. */
  get bytes(): number {
    let b = this.data.byteLength + (this.gradient?.byteLength ?? 0);
    if (this.compressed) b += this.compressed.rowPtr.byteLength + this.compressed.colIdx.byteLength;
    if (this.byColumns) {
      const c = this.byColumns;
      b += c.colPtr.byteLength + c.rowIdx.byteLength + c.valuePos.byteLength;
    }
    return b;
  }

  /** Number of entries of the dense tensor (whatever the storage). */
  get size(): number {
    return sizeOf(this.shape);
  }

  /**
   * The compressed storage of a weight running sparse (truly sparse execution): the weight as a
   * [shape[0], size/shape[0]] matrix in CSR, whose values array IS data; null while dense.
   */
  get csr(): Csr | null {
    return this.compressed;
  }

  /** The CSC view of csr's pattern that the transposed products need, built once per pattern. */
  get csc(): CscView {
    if (!this.compressed) throw new Error('Parameter.csc: the parameter is not compressed');
    return (this.byColumns ??= cscView(this.compressed));
  }

  /** Switches to compressed storage keeping the positions where mask ≠ 0 (values data⊙mask); grad restarts at 0. */
  compress(mask: Float32Array): void {
    if (this.compressed) throw new Error('Parameter.compress: already compressed');
    const M = this.shape[0];
    this.setCsr(csrFromMask(this.data, mask, M, this.size / M));
  }

  /** Replaces the compressed storage (a new pattern after a mask update), with its CSC view when already built;
   * data becomes csr.values, grad zeros. */
  setCsr(csr: Csr, csc: CscView | null = null): void {
    if (csr.M * csr.K !== this.size) {
      throw new Error(`Parameter.setCsr: a ${csr.M}×${csr.K} CSR cannot hold a parameter of shape [${this.shape}]`);
    }
    this.compressed = csr;
    this.byColumns = csc;
    this.data = csr.values;
    this.gradient = null;
  }

  /** Back to dense storage: zeros off the pattern; grad restarts at 0. */
  decompress(): void {
    const W = this.compressed;
    if (!W) return;
    this.data = csrToDense(W);
    this.gradient = null;
    this.compressed = null;
    this.byColumns = null;
  }

  /** An array in the layout of data (e.g. optimiser state) as a dense tensor: itself while dense, else scattered. */
  toDense(values: Float32Array): Float32Array {
    const W = this.compressed;
    if (!W) return values;
    const dense = new Float32Array(this.size);
    scatterValues({ ...W, values }, dense);
    return dense;
  }

  /** The reverse of toDense: a dense tensor in the layout of data (itself while dense, else its nonzeros). */
  fromDense(dense: Float32Array): Float32Array {
    const W = this.compressed;
    if (!W) return dense;
    const values = new Float32Array(W.values.length);
    gatherValues({ ...W, values }, dense);
    return values;
  }
}

/**
 * Non-trained state (BatchNorm running statistics). `integer` buffers (num_batches_tracked) are exported as
 * int64, as PyTorch's; they are held in the float array too, which counts exactly up to 2^24.
 */
export class StateBuffer {
  data: Float32Array;
  readonly shape: number[];
  readonly initial: number;
  readonly integer: boolean;

  constructor(shape: readonly number[], initial: number, integer = false) {
    this.shape = [...shape];
    this.data = allocate(sizeOf(shape));
    this.initial = initial;
    this.integer = integer;
    this.reset();
  }

  reset(): void {
    this.data.fill(this.initial);
  }
}

export interface LoadOptions {
  /** Missing and unexpected keys are errors (default true). Shape mismatches are always errors. */
  strict?: boolean;
}

let defaultKernels: Kernels | undefined;

export abstract class Module {
  training = true;
  private readonly ownParameters = new Map<string, Parameter>();
  private readonly ownBuffers = new Map<string, StateBuffer>();
  private readonly children = new Map<string, Module>();
  private kernelsOverride?: Kernels;

  abstract forward(x: Tensor): Tensor;
  abstract backward(dy: Tensor): Tensor;

  /** The kernels this module computes with: those given to useKernels, else getKernels() (native if built). */
  protected get k(): Kernels {
    return this.kernelsOverride ?? (defaultKernels ??= getKernels());
  }

  /** Runs this module and all its descendants on the given kernels (PyTorch's `.to(device)`). */
  useKernels(k: Kernels): this {
    this.kernelsOverride = k;
    for (const child of this.children.values()) child.useKernels(k);
    return this;
  }

  protected registerParameter(name: string, p: Parameter): Parameter {
    this.checkName(name);
    this.ownParameters.set(name, p);
    return p;
  }

  protected registerBuffer(name: string, b: StateBuffer): StateBuffer {
    this.checkName(name);
    this.ownBuffers.set(name, b);
    return b;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this.children.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (name === '' || name.includes('.')) throw new Error(`Module: invalid name '${name}'`);
    if (this.ownParameters.has(name) || this.ownBuffers.has(name) || this.children.has(name)) {
      throw new Error(`Module: name '${name}' is already registered`);
    }
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module (path '') and every descendant, depth first in registration order. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, p] of this.ownParameters) out.push([join(prefix, name), p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(join(prefix, name)));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  namedBuffers(prefix = ''): [string, StateBuffer][] {
    const out: [string, StateBuffer][] = [];
    for (const [name, b] of this.ownBuffers) out.push([join(prefix, name), b]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(join(prefix, name)));
    return out;
  }

  /** Parameters and buffers in PyTorch's state_dict order. */
  namedState(prefix = ''): [string, Parameter | StateBuffer][] {
    const out: [string, Parameter | StateBuffer][] = [];
    for (const [name, p] of this.ownParameters) out.push([join(prefix, name), p]);
    for (const [name, b] of this.ownBuffers) out.push([join(prefix, name), b]);
    for (const [name, child] of this.children) out.push(...child.namedState(join(prefix, name)));
    return out;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad.fill(0);
  }

  /**
   * Draws every parameter from its init scheme with Rng.derive(seed, path), resets the buffers and reseeds
   * the stochastic modules (Dropout), so the same seed always yields the same network.
   */
  initialize(seed: number): this {
    for (const [name, p] of this.namedParameters()) fillInit(p.data, p.init, Rng.derive(seed, name));
    for (const [, b] of this.namedBuffers()) b.reset();
    for (const [path, m] of this.namedModules()) m.reseed(seed, path);
    return this;
  }

  /** Hook for modules that draw random numbers while running; `path` is the module's own path. */
  protected reseed(_seed: number, _path: string): void {}

  /** A snapshot (copies) of parameters and buffers, PyTorch's names, dtypes and shapes. */
  stateDict(): TensorMap {
    const sd: TensorMap = new Map();
    for (const [name, t] of this.namedState()) sd.set(name, exportTensor(t));
    return sd;
  }

  /** Copies a state dict into this module; lists every missing, unexpected and mis-shaped key in one Error. */
  loadStateDict(sd: TensorMap, options: LoadOptions = {}): void {
    const strict = options.strict ?? true;
    const own = this.namedState();
    const missing: string[] = [];
    const mismatched: string[] = [];
    for (const [name, t] of own) {
      const src = sd.get(name);
      if (!src) missing.push(name);
      else if (!sameShape(src.shape, t.shape)) {
        mismatched.push(`${name} (checkpoint ${shapeString(src.shape)}, model ${shapeString(t.shape)})`);
      }
    }
    const ownNames = new Set(own.map(([name]) => name));
    const unexpected = [...sd.keys()].filter((name) => !ownNames.has(name));
    const problems: string[] = [];
    if (strict && missing.length > 0) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (mismatched.length > 0) problems.push(`shape mismatches: ${mismatched.join(', ')}`);
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    for (const [name, t] of own) {
      const src = sd.get(name);
      if (!src) continue;
      if (t instanceof Parameter && t.csr) {
        const dense = new Float32Array(t.size);
        copyInto(dense, src);
        t.data.set(t.fromDense(dense));
      } else copyInto(t.data, src);
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function exportTensor(t: Parameter | StateBuffer): SafeTensor {
  if (t instanceof StateBuffer && t.integer) {
    const data = new BigInt64Array(t.data.length);
    for (let i = 0; i < data.length; i++) data[i] = BigInt(Math.round(t.data[i]));
    return { dtype: 'I64', shape: [...t.shape], data };
  }
  const data = t instanceof Parameter && t.csr ? t.toDense(t.data) : t.data.slice();
  return { dtype: data instanceof Float64Array ? 'F64' : 'F32', shape: [...t.shape], data };
}

function copyInto(dst: Float32Array, src: SafeTensor): void {
  const s = src.data;
  if (s instanceof BigInt64Array) {
    for (let i = 0; i < dst.length; i++) dst[i] = Number(s[i]);
  } else {
    dst.set(s);
  }
}
