// The CUDA backend: loads build/cuda/sparsetickets_cuda.node (native/cuda/, built where nvcc exists), and gives
// device arrays (CudaF32 / CudaI32 / CudaU8: opaque handles of a device address and a length), the CudaDevice that
// allocates and moves them, and cudaKernels(device): the Kernels interface on those arrays. This file is the only
// one that knows the addon's calling convention (a device array passes as its address and its length).
//
// cuBLAS 13 and cuDNN 9 are loaded at run time; cudaLibraryCandidates() says where they are looked for (docs/CUDA.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Device, DeviceInfo, DType } from './device.js';
import type { Activation, ConvShape, Kernels, PoolShape, SgdOptions } from './kernels.js';
import { packageRoot } from './native.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Addon = Record<string, (...args: any[]) => any>;

/** Thrown when the CUDA backend cannot be used here; its message is one line saying why. */
export class CudaUnavailableError extends Error {
  override readonly name = 'CudaUnavailableError';
}

/** Where the CUDA addon is expected; SPARSETICKETS_CUDA_ADDON overrides it. */
export function cudaAddonPath(): string {
  return process.env.SPARSETICKETS_CUDA_ADDON ?? join(packageRoot(), 'build', 'cuda', 'sparsetickets_cuda.node');
}

let addonCache: Addon | Error | undefined;

/** The addon, or an Error saying in one line why it could not be loaded. */
export function loadCudaAddon(): Addon | Error {
  if (addonCache) return addonCache;
  const path = cudaAddonPath();
  if (!existsSync(path)) {
    addonCache = new Error(
      `the CUDA backend is not built (${path} is missing; \`npm run build:cuda\` builds it where nvcc is installed)`,
    );
  } else {
    try {
      addonCache = createRequire(import.meta.url)(path) as Addon;
    } catch (e) {
      addonCache = new Error(`the CUDA backend at ${path} failed to load: ${firstLine(e)}`);
    }
  }
  return addonCache;
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}

/** The nvidia namespace folders of Python packages (the nvidia-cublas / nvidia-cudnn-cu13 wheels live below). */
function nvidiaPackageDirs(): string[] {
  const dirs: string[] = [];
  const py = spawnSync('python3', ['-c', "import nvidia; print('\\n'.join(nvidia.__path__))"], {
    encoding: 'utf8',
    timeout: 20000,
  });
  if (py.status === 0) dirs.push(...py.stdout.split('\n').filter((l) => l.trim() !== ''));
  const roots = ['/usr/local/lib', '/usr/lib', join(homedir(), '.local', 'lib')];
  if (process.env.VIRTUAL_ENV) roots.unshift(join(process.env.VIRTUAL_ENV, 'lib'));
  for (const root of roots) {
    let entries: string[] = [];
    try {
      entries = readdirSync(root).filter((e) => /^python3/.test(e));
    } catch {
      continue;
    }
    for (const e of entries)
      for (const sub of ['site-packages', 'dist-packages']) {
        const d = join(root, e, sub, 'nvidia');
        if (existsSync(d) && !dirs.includes(d)) dirs.push(d);
      }
  }
  return dirs;
}

/**
 * The files tried for cuBLAS 13 and cuDNN 9, in order: $SPARSETICKETS_CUBLAS / $SPARSETICKETS_CUDNN (a file path),
 * then $CUDA_HOME/lib64 and /usr/local/cuda/lib64, then the lib folders of the nvidia-* Python wheels (nvidia/cu13/lib,
 * nvidia/cublas/lib, nvidia/cudnn/lib under the folders `python3 -c 'import nvidia'` reports and the usual
 * site-packages), and last the bare soname (the system's library search).
 */
export function cudaLibraryCandidates(): { cublas: string[]; cudnn: string[] } {
  const cublasName = 'libcublas.so.13';
  const cudnnName = 'libcudnn.so.9';
  const toolkit: string[] = [];
  for (const home of [process.env.CUDA_HOME, '/usr/local/cuda']) if (home) toolkit.push(join(home, 'lib64'));
  const found = (dirs: string[], name: string) => dirs.map((d) => join(d, name)).filter((p) => existsSync(p));
  const cublas = [...found(toolkit, cublasName)];
  const cudnn = [...found(toolkit, cudnnName)];
  if (process.env.SPARSETICKETS_CUBLAS) cublas.unshift(process.env.SPARSETICKETS_CUBLAS);
  if (process.env.SPARSETICKETS_CUDNN) cudnn.unshift(process.env.SPARSETICKETS_CUDNN);
  // The wheels only when the toolkit lacks one of them (asking python3 costs a process).
  if (cublas.length === 0 || cudnn.length === 0) {
    const wheels = nvidiaPackageDirs().flatMap((d) => [
      join(d, 'cu13', 'lib'),
      join(d, 'cublas', 'lib'),
      join(d, 'cudnn', 'lib'),
    ]);
    cublas.push(...found(wheels, cublasName).filter((p) => !cublas.includes(p)));
    cudnn.push(...found(wheels, cudnnName).filter((p) => !cudnn.includes(p)));
  }
  cublas.push(cublasName);
  cudnn.push(cudnnName);
  return { cublas, cudnn };
}

let librariesCache: { cublas: string; cudnn: string } | Error | undefined;

function loadLibraries(addon: Addon): { cublas: string; cudnn: string } | Error {
  if (librariesCache) return librariesCache;
  const { cublas, cudnn } = cudaLibraryCandidates();
  try {
    librariesCache = addon.loadLibraries(cublas, cudnn) as { cublas: string; cudnn: string };
  } catch (e) {
    librariesCache = new Error(firstLine(e));
  }
  return librariesCache;
}

/** The addon with a visible GPU and its libraries loaded, or the one-line reason it cannot be used. */
function readyAddon(): Addon | Error {
  const addon = loadCudaAddon();
  if (addon instanceof Error) return addon;
  let count: number;
  try {
    count = addon.deviceCount() as number;
  } catch (e) {
    return new Error(`no GPU is visible (${firstLine(e)})`);
  }
  if (count < 1) return new Error('no GPU is visible (the CUDA driver reports none)');
  const libs = loadLibraries(addon);
  return libs instanceof Error ? libs : addon;
}

/** null when cuda can be used here, else the one-line reason (for skipping GPU tests). */
export function cudaUnavailable(): string | null {
  const r = readyAddon();
  return r instanceof Error ? r.message : null;
}

// --- device arrays ---

/** One cudaMalloc'd block; freed explicitly or, once no array refers to it, by the FinalizationRegistry. */
interface Allocation {
  readonly device: number;
  readonly ptr: number;
  freed: boolean;
}

let registry: FinalizationRegistry<{ device: number; ptr: number }> | undefined;

function finalizer(addon: Addon): FinalizationRegistry<{ device: number; ptr: number }> {
  registry ??= new FinalizationRegistry(({ device, ptr }) => {
    try {
      addon.free(device, ptr);
    } catch {
      // a failed free at collection time has nowhere to go
    }
  });
  return registry;
}

/** [begin, end) of a subarray, with TypedArray.subarray's rules (negative counts from the end, clamped). */
function span(length: number, begin = 0, end = length): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? length + v : v, 0), length);
  const b = clamp(Math.trunc(begin));
  return [b, Math.max(b, clamp(Math.trunc(end)))];
}

abstract class CudaArray {
  abstract readonly dtype: DType;
  abstract readonly BYTES_PER_ELEMENT: number;
  /** @internal */
  readonly allocation: Allocation;
  /** @internal bytes from the allocation's start */
  readonly byteOffset: number;
  readonly length: number;

  constructor(allocation: Allocation, byteOffset: number, length: number) {
    this.allocation = allocation;
    this.byteOffset = byteOffset;
    this.length = length;
  }

  /** The GPU this array lives on. */
  get device(): number {
    return this.allocation.device;
  }

  /** Whether this array is a subarray of another (which then owns the memory). */
  get isView(): boolean {
    return this.byteOffset !== 0;
  }

  /** @internal the device address; throws once the memory was freed. */
  get ptr(): number {
    if (this.allocation.freed)
      throw new Error(`a device array of ${this.length} ${this.dtype} elements was used after free()`);
    return this.allocation.ptr + this.byteOffset;
  }
}

/** A float32 array in GPU memory. */
export class CudaF32 extends CudaArray {
  readonly dtype = 'f32' as const;
  readonly BYTES_PER_ELEMENT = 4;
  /** Elements [begin, end) as an array sharing this one's memory (as TypedArray.subarray). */
  subarray(begin?: number, end?: number): CudaF32 {
    const [b, e] = span(this.length, begin, end);
    return new CudaF32(this.allocation, this.byteOffset + 4 * b, e - b);
  }
}

/** An int32 array in GPU memory. */
export class CudaI32 extends CudaArray {
  readonly dtype = 'i32' as const;
  readonly BYTES_PER_ELEMENT = 4;
  subarray(begin?: number, end?: number): CudaI32 {
    const [b, e] = span(this.length, begin, end);
    return new CudaI32(this.allocation, this.byteOffset + 4 * b, e - b);
  }
}

/** A byte array in GPU memory. */
export class CudaU8 extends CudaArray {
  readonly dtype = 'u8' as const;
  readonly BYTES_PER_ELEMENT = 1;
  subarray(begin?: number, end?: number): CudaU8 {
    const [b, e] = span(this.length, begin, end);
    return new CudaU8(this.allocation, this.byteOffset + b, e - b);
  }
}

export type CudaArrayOf = CudaF32 | CudaI32 | CudaU8;
type HostArray = Float32Array | Int32Array | Uint8Array;

const HOST_TYPE: Record<DType, string> = { f32: 'Float32Array', i32: 'Int32Array', u8: 'Uint8Array' };

function hostDtype(a: HostArray): DType | undefined {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint8Array) return 'u8';
  return undefined;
}

/** One GPU. Its arrays are CudaF32 / CudaI32 / CudaU8; work on them is queued in order on the device's stream. */
export class CudaDevice implements Device<CudaF32, CudaI32, CudaU8> {
  readonly kind = 'cuda' as const;
  readonly index: number;
  /** @internal */
  readonly addon: Addon;
  private readonly libraries: { cublas: string; cudnn: string };

  /** @internal use cudaDevice(index) */
  constructor(index: number, addon: Addon, libraries: { cublas: string; cudnn: string }) {
    this.index = index;
    this.addon = addon;
    this.libraries = libraries;
  }

  alloc(dtype: 'f32', n: number): CudaF32;
  alloc(dtype: 'i32', n: number): CudaI32;
  alloc(dtype: 'u8', n: number): CudaU8;
  alloc(dtype: DType, n: number): CudaArrayOf {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`alloc: n must be a non-negative integer, got ${n}`);
    const Type = dtype === 'f32' ? CudaF32 : dtype === 'i32' ? CudaI32 : dtype === 'u8' ? CudaU8 : undefined;
    if (!Type) throw new Error(`alloc: dtype must be 'f32', 'i32' or 'u8', got '${String(dtype)}'`);
    const bytes = n * (dtype === 'u8' ? 1 : 4);
    const ptr = bytes === 0 ? 0 : (this.addon.alloc(this.index, bytes) as number);
    const allocation: Allocation = { device: this.index, ptr, freed: false };
    if (ptr !== 0) finalizer(this.addon).register(allocation, { device: this.index, ptr }, allocation);
    return new Type(allocation, 0, n);
  }

  upload(dst: CudaF32, src: Float32Array, offset?: number): void;
  upload(dst: CudaI32, src: Int32Array, offset?: number): void;
  upload(dst: CudaU8, src: Uint8Array, offset?: number): void;
  upload(dst: CudaArrayOf, src: HostArray, offset = 0): void {
    this.mine('upload', dst);
    if (hostDtype(src) !== dst.dtype)
      throw new Error(`upload: a ${dst.dtype} device array takes a ${HOST_TYPE[dst.dtype]}`);
    if (!Number.isInteger(offset) || offset < 0 || offset + src.length > dst.length)
      throw new Error(`upload: elements [${offset}, ${offset + src.length}) are outside the array of ${dst.length}`);
    const bpe = dst.BYTES_PER_ELEMENT;
    this.addon.upload(this.index, dst.ptr + offset * bpe, (dst.length - offset) * bpe, src);
  }

  download(src: CudaF32, dst?: Float32Array, offset?: number): Float32Array;
  download(src: CudaI32, dst?: Int32Array, offset?: number): Int32Array;
  download(src: CudaU8, dst?: Uint8Array, offset?: number): Uint8Array;
  download(src: CudaArrayOf, dst?: HostArray, offset = 0): HostArray {
    this.mine('download', src);
    const n = dst ? dst.length : src.length - offset;
    if (!Number.isInteger(offset) || offset < 0 || n < 0 || offset + n > src.length)
      throw new Error(`download: elements [${offset}, ${offset + n}) are outside the array of ${src.length}`);
    const host =
      dst ?? (src.dtype === 'f32' ? new Float32Array(n) : src.dtype === 'i32' ? new Int32Array(n) : new Uint8Array(n));
    if (hostDtype(host) !== src.dtype)
      throw new Error(`download: a ${src.dtype} device array goes to a ${HOST_TYPE[src.dtype]}`);
    const bpe = src.BYTES_PER_ELEMENT;
    this.addon.download(this.index, src.ptr + offset * bpe, (src.length - offset) * bpe, host);
    return host;
  }

  copy(dst: CudaF32, src: CudaF32): void;
  copy(dst: CudaI32, src: CudaI32): void;
  copy(dst: CudaU8, src: CudaU8): void;
  copy(dst: CudaArrayOf, src: CudaArrayOf): void {
    this.mine('copy', dst);
    this.mine('copy', src);
    if (dst.dtype !== src.dtype || dst.length !== src.length)
      throw new Error(
        `copy: the arrays differ in type or length (${dst.dtype}[${dst.length}], ${src.dtype}[${src.length}])`,
      );
    this.addon.copy(this.index, dst.ptr, src.ptr, src.length * src.BYTES_PER_ELEMENT);
  }

  fill(dst: CudaArrayOf, value: number): void {
    this.mine('fill', dst);
    const v = dst.dtype === 'f32' ? value : dst.dtype === 'i32' ? value | 0 : value & 0xff;
    this.addon.fill(this.index, dst.dtype, dst.ptr, dst.length, v);
  }

  free(a: CudaArrayOf): void {
    this.mine('free', a);
    if (a.isView) throw new Error('free: a subarray cannot be freed; free the array it was taken from');
    const alloc = a.allocation;
    if (alloc.freed || alloc.ptr === 0) return;
    alloc.freed = true;
    finalizer(this.addon).unregister(alloc);
    this.addon.free(this.index, alloc.ptr);
  }

  synchronize(): void {
    this.addon.synchronize(this.index);
  }

  info(): DeviceInfo {
    const i = this.addon.info(this.index) as Omit<DeviceInfo, 'kind' | 'index'>;
    return {
      kind: 'cuda',
      index: this.index,
      ...i,
      cublasPath: this.libraries.cublas,
      cudnnPath: this.libraries.cudnn,
    };
  }

  private mine(op: string, a: CudaArrayOf): void {
    if (!(a instanceof CudaArray)) throw new Error(`${op}: expected a cuda device array`);
    if (a.device !== this.index) throw new Error(`${op}: the array lives on cuda:${a.device}, not cuda:${this.index}`);
  }
}

const devices = new Map<number, CudaDevice>();

/**
 * GPU `index` (default 0). Throws a CudaUnavailableError with a one-line message when the addon is not built, no
 * GPU is visible, the index is out of range, or cuBLAS / cuDNN cannot be found.
 */
export function cudaDevice(index = 0): CudaDevice {
  const known = devices.get(index);
  if (known) return known;
  if (!Number.isInteger(index) || index < 0) throw new CudaUnavailableError(`cuda: invalid device index ${index}`);
  const addon = readyAddon();
  if (addon instanceof Error) throw new CudaUnavailableError(`cuda: ${addon.message}`);
  const count = addon.deviceCount() as number;
  if (index >= count)
    throw new CudaUnavailableError(`cuda: there is no cuda:${index} (${count} GPU${count === 1 ? '' : 's'} visible)`);
  const libs = loadLibraries(addon) as { cublas: string; cudnn: string };
  try {
    addon.open(index);
  } catch (e) {
    throw new CudaUnavailableError(`cuda: cuda:${index} could not be opened: ${firstLine(e)}`);
  }
  const device = new CudaDevice(index, addon, libs);
  devices.set(index, device);
  return device;
}

// --- kernels ---

export interface CudaKernelOptions {
  /** Let sgemm and the convolutions use TF32 tensor cores (default false: full fp32, as the CPU backends). */
  tf32?: boolean;
  /** Only deterministic convolution algorithms where cuDNN has one (default true). */
  deterministic?: boolean;
  /** How convolution algorithms are chosen once per shape: timed by cuDNN ('find', default) or its heuristics. */
  convAlgorithm?: 'find' | 'heuristic';
}

export type CudaKernels = Kernels<CudaF32, CudaI32, CudaU8> & { readonly device: CudaDevice };

const conv = (s: ConvShape) =>
  [s.N, s.C, s.H, s.W, s.K, s.R, s.S, s.strideH, s.strideW, s.padH, s.padW, s.groups] as const;
const pool = (s: PoolShape) => [s.N, s.C, s.H, s.W, s.kH, s.kW, s.strideH, s.strideW, s.padH, s.padW] as const;

function notBuilt(op: string): never {
  throw new Error(`${op}: truly sparse execution on cuda is not built yet (run the layer masked)`);
}

/** The Kernels interface on `device`'s arrays (cuBLAS, cuDNN and the addon's own kernels). */
export function cudaKernels(device: CudaDevice, options: CudaKernelOptions = {}): CudaKernels {
  const a = device.addon;
  const d = device.index;
  const flags =
    (options.tf32 ? 1 : 0) |
    (options.deterministic === false ? 2 : 0) |
    (options.convAlgorithm === 'heuristic' ? 4 : 0);
  const info = device.info();
  const nullable = (x: CudaF32 | null) => (x ? [x.ptr, x.length] : [null, 0]);
  return {
    name: 'cuda',
    isa: `cuda sm_${info.computeCapability?.replace('.', '') ?? '?'}`,
    device,
    setThreads: () => {},
    threads: () => 1,
    sgemm: (ta, tb, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc) =>
      a.sgemm(
        d,
        flags,
        ta,
        tb,
        M,
        N,
        K,
        alpha,
        A.ptr,
        A.length,
        aOff,
        lda,
        B.ptr,
        B.length,
        bOff,
        ldb,
        beta,
        C.ptr,
        C.length,
        cOff,
        ldc,
      ),
    conv2dForward: (y, x, w, bias, s) =>
      a.conv2dForward(d, flags, y.ptr, y.length, x.ptr, x.length, w.ptr, w.length, ...nullable(bias), ...conv(s)),
    conv2dBackwardInput: (dx, dy, w, s) =>
      a.conv2dBackwardInput(d, flags, dx.ptr, dx.length, dy.ptr, dy.length, w.ptr, w.length, ...conv(s)),
    conv2dBackwardWeight: (dw, dbias, dy, x, s) =>
      a.conv2dBackwardWeight(
        d,
        flags,
        dw.ptr,
        dw.length,
        ...nullable(dbias),
        dy.ptr,
        dy.length,
        x.ptr,
        x.length,
        ...conv(s),
      ),
    spmm: () => notBuilt('spmm'),
    spmmT: () => notBuilt('spmmT'),
    sddmm: () => notBuilt('sddmm'),
    mergePattern: () => notBuilt('mergePattern'),
    cscView: () => notBuilt('cscView'),
    sparseConv2dForward: () => notBuilt('sparseConv2dForward'),
    sparseConv2dBackward: () => notBuilt('sparseConv2dBackward'),
    gatherOrZero: (out, old, source) =>
      a.gatherOrZero(d, out.ptr, out.length, old.ptr, old.length, source.ptr, source.length),
    topK: (out, scores, candidates, k, largest, abs) => {
      const f = candidates instanceof CudaF32 ? candidates : null;
      const u = candidates instanceof CudaU8 ? candidates : null;
      if (candidates && !f && !u) throw new Error("topK: argument 'candidates' must be a CudaF32, a CudaU8 or null");
      a.topK(
        d,
        out.ptr,
        out.length,
        scores.ptr,
        scores.length,
        ...nullable(f),
        u ? u.ptr : null,
        u ? u.length : 0,
        k,
        largest,
        abs,
      );
    },
    batchNormForwardTrain: (y, sm, si, x, g, b, rm, rv, N, C, HW, momentum, eps) =>
      a.batchNormForwardTrain(
        d,
        y.ptr,
        y.length,
        sm.ptr,
        sm.length,
        si.ptr,
        si.length,
        x.ptr,
        x.length,
        g.ptr,
        g.length,
        b.ptr,
        b.length,
        rm.ptr,
        rm.length,
        rv.ptr,
        rv.length,
        N,
        C,
        HW,
        momentum,
        eps,
      ),
    batchNormForwardEval: (y, x, g, b, rm, rv, N, C, HW, eps) =>
      a.batchNormForwardEval(
        d,
        y.ptr,
        y.length,
        x.ptr,
        x.length,
        g.ptr,
        g.length,
        b.ptr,
        b.length,
        rm.ptr,
        rm.length,
        rv.ptr,
        rv.length,
        N,
        C,
        HW,
        eps,
      ),
    batchNormBackward: (dx, dg, db, dy, x, g, sm, si, N, C, HW) =>
      a.batchNormBackward(
        d,
        dx.ptr,
        dx.length,
        dg.ptr,
        dg.length,
        db.ptr,
        db.length,
        dy.ptr,
        dy.length,
        x.ptr,
        x.length,
        g.ptr,
        g.length,
        sm.ptr,
        sm.length,
        si.ptr,
        si.length,
        N,
        C,
        HW,
      ),
    activationForward: (kind: Activation, y, x) => a.activationForward(d, kind, y.ptr, y.length, x.ptr, x.length),
    activationBackward: (kind: Activation, dx, dy, x) =>
      a.activationBackward(d, kind, dx.ptr, dx.length, dy.ptr, dy.length, x.ptr, x.length),
    maxPool2dForward: (y, argmax, x, s) =>
      a.maxPool2dForward(d, y.ptr, y.length, argmax.ptr, argmax.length, x.ptr, x.length, ...pool(s)),
    maxPool2dBackward: (dx, dy, argmax, s) =>
      a.maxPool2dBackward(d, dx.ptr, dx.length, dy.ptr, dy.length, argmax.ptr, argmax.length, ...pool(s)),
    avgPool2dForward: (y, x, s) => a.avgPool2dForward(d, y.ptr, y.length, x.ptr, x.length, ...pool(s)),
    avgPool2dBackward: (dx, dy, s) => a.avgPool2dBackward(d, dx.ptr, dx.length, dy.ptr, dy.length, ...pool(s)),
    globalAvgPoolForward: (y, x, N, C, HW) => a.globalAvgPoolForward(d, y.ptr, y.length, x.ptr, x.length, N, C, HW),
    globalAvgPoolBackward: (dx, dy, N, C, HW) =>
      a.globalAvgPoolBackward(d, dx.ptr, dx.length, dy.ptr, dy.length, N, C, HW),
    softmaxCrossEntropy: (dl, probs, logits, targets, N, C, smoothing) => {
      const labels = targets instanceof CudaI32 ? targets : null;
      const soft = targets instanceof CudaF32 ? targets : null;
      if (!labels && !soft) throw new Error("softmaxCrossEntropy: argument 'targets' must be a CudaI32 or a CudaF32");
      return a.softmaxCrossEntropy(
        d,
        dl.ptr,
        dl.length,
        probs.ptr,
        probs.length,
        logits.ptr,
        logits.length,
        labels ? labels.ptr : null,
        labels ? labels.length : 0,
        ...nullable(soft),
        N,
        C,
        smoothing,
      ) as number;
    },
    add: (out, x, y) => a.add(d, out.ptr, out.length, x.ptr, x.length, y.ptr, y.length),
    axpy: (y, alpha, x) => a.axpy(d, y.ptr, y.length, alpha, x.ptr, x.length),
    mul: (out, x, y) => a.mul(d, out.ptr, out.length, x.ptr, x.length, y.ptr, y.length),
    scale: (x, alpha) => a.scale(d, x.ptr, x.length, alpha),
    transpose: (out, x, rows, cols) => a.transpose(d, out.ptr, out.length, x.ptr, x.length, rows, cols),
    addBiasRows: (y, bias, rows, F) => a.addBiasRows(d, y.ptr, y.length, bias.ptr, bias.length, rows, F),
    sumRows: (dbias, dy, rows, F) => a.sumRows(d, dbias.ptr, dbias.length, dy.ptr, dy.length, rows, F),
    sgdUpdate: (p, g, buf, o: SgdOptions, firstStep) =>
      a.sgdUpdate(
        d,
        p.ptr,
        p.length,
        g.ptr,
        g.length,
        buf.ptr,
        buf.length,
        o.lr,
        o.momentum,
        o.dampening,
        o.weightDecay,
        o.nesterov,
        firstStep,
      ),
  };
}
