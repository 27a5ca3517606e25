// Where a tensor's numbers live. A Device allocates the arrays a Kernels object works on and moves data between
// them and the host: `cpuDevice` for the CPU backends (its arrays ARE host typed arrays; upload and download copy),
// `cudaDevice(index)` for a GPU (its arrays are device arrays, cuda.ts). The kernels take the device's arrays as
// they are, so a training step runs without copies; the host sees the numbers only when it downloads them
// (checkpoints, tickets, metrics).
import { cpus, totalmem } from 'node:os';

/** Element types: float32 data, int32 indices and labels, bytes (masks). */
export type DType = 'f32' | 'i32' | 'u8';

/** What a device says of itself (the CLI prints it; a cpu device fills what it can). */
export interface DeviceInfo {
  kind: 'cpu' | 'cuda';
  index: number;
  name: string;
  /** Bytes of memory on the device (the host's memory for cpu). */
  totalMemory: number;
  freeMemory?: number;
  /** cuda: e.g. '9.0' for an H100 / H200. */
  computeCapability?: string;
  multiprocessors?: number;
  l2CacheBytes?: number;
  /** cuda: the CUDA version the driver supports, e.g. '13.0'. */
  driverVersion?: string;
  /** cuda: the CUDA runtime linked into the addon. */
  runtimeVersion?: string;
  cublasVersion?: string;
  cudnnVersion?: string;
  /** cuda: the files cuBLAS and cuDNN were loaded from. */
  cublasPath?: string;
  cudnnPath?: string;
}

/**
 * A buffer API over one device. F, I and U are its float32, int32 and byte arrays (host typed arrays on the CPU,
 * device arrays on a GPU); every array has a `length` in elements. Transfers are in elements: `offset` counts
 * elements of the device array.
 */
export interface Device<F = Float32Array, I = Int32Array, U = Uint8Array> {
  readonly kind: 'cpu' | 'cuda';
  readonly index: number;
  /** A new array of n elements (its contents are unspecified: fill or upload before reading). */
  alloc(dtype: 'f32', n: number): F;
  alloc(dtype: 'i32', n: number): I;
  alloc(dtype: 'u8', n: number): U;
  /** dst[offset .. offset + src.length) = src. The host array may be changed as soon as this returns. */
  upload(dst: F, src: Float32Array, offset?: number): void;
  upload(dst: I, src: Int32Array, offset?: number): void;
  upload(dst: U, src: Uint8Array, offset?: number): void;
  /**
   * src[offset .. offset + n) into a host array, complete when it returns: into dst (n = dst.length) or, without dst,
   * into a new array of n = src.length − offset elements. Returns the host array.
   */
  download(src: F, dst?: Float32Array, offset?: number): Float32Array;
  download(src: I, dst?: Int32Array, offset?: number): Int32Array;
  download(src: U, dst?: Uint8Array, offset?: number): Uint8Array;
  /** dst = src, both of one type and length, in the device's order of work (no host round trip). */
  copy(dst: F, src: F): void;
  copy(dst: I, src: I): void;
  copy(dst: U, src: U): void;
  /** Every element = value (bytes take value mod 256). */
  fill(dst: F | I | U, value: number): void;
  /** Gives the array's memory back now (a GPU array is otherwise freed when it is garbage collected). */
  free(a: F | I | U): void;
  /** Waits for all work queued on the device; asynchronous failures surface here as Errors. */
  synchronize(): void;
  info(): DeviceInfo;
}

type HostArray = Float32Array | Int32Array | Uint8Array;

function checkRange(op: string, offset: number, count: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + count > length)
    throw new Error(`${op}: elements [${offset}, ${offset + count}) are outside the array of ${length}`);
}

class CpuDevice implements Device {
  readonly kind = 'cpu' as const;
  readonly index = 0;

  alloc(dtype: 'f32', n: number): Float32Array;
  alloc(dtype: 'i32', n: number): Int32Array;
  alloc(dtype: 'u8', n: number): Uint8Array;
  alloc(dtype: DType, n: number): HostArray {
    if (dtype === 'f32') return new Float32Array(n);
    if (dtype === 'i32') return new Int32Array(n);
    if (dtype === 'u8') return new Uint8Array(n);
    throw new Error(`alloc: dtype must be 'f32', 'i32' or 'u8', got '${String(dtype)}'`);
  }

  upload(dst: Float32Array, src: Float32Array, offset?: number): void;
  upload(dst: Int32Array, src: Int32Array, offset?: number): void;
  upload(dst: Uint8Array, src: Uint8Array, offset?: number): void;
  upload(dst: HostArray, src: HostArray, offset = 0): void {
    if (dst.constructor !== src.constructor) throw new Error('upload: the host and device arrays differ in type');
    checkRange('upload', offset, src.length, dst.length);
    dst.set(src, offset);
  }

  download(src: Float32Array, dst?: Float32Array, offset?: number): Float32Array;
  download(src: Int32Array, dst?: Int32Array, offset?: number): Int32Array;
  download(src: Uint8Array, dst?: Uint8Array, offset?: number): Uint8Array;
  download(src: HostArray, dst?: HostArray, offset = 0): HostArray {
    const n = dst ? dst.length : src.length - offset;
    checkRange('download', offset, n, src.length);
    const part = src.subarray(offset, offset + n);
    if (!dst) return part.slice();
    if (dst.constructor !== src.constructor) throw new Error('download: the host and device arrays differ in type');
    dst.set(part);
    return dst;
  }

  copy(dst: Float32Array, src: Float32Array): void;
  copy(dst: Int32Array, src: Int32Array): void;
  copy(dst: Uint8Array, src: Uint8Array): void;
  copy(dst: HostArray, src: HostArray): void {
    if (dst.constructor !== src.constructor || dst.length !== src.length)
      throw new Error(`copy: the arrays differ in type or length (${dst.length} and ${src.length})`);
    dst.set(src);
  }

  fill(dst: HostArray, value: number): void {
    dst.fill(value);
  }

  free(): void {}

  synchronize(): void {}

  info(): DeviceInfo {
    return { kind: 'cpu', index: 0, name: cpus()[0]?.model ?? 'cpu', totalMemory: totalmem() };
  }
}

/** The CPU: arrays are host typed arrays (the js and native kernels work on these). */
export const cpuDevice: Device = new CpuDevice();
