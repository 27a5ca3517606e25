// Readers for the external evaluation sets: NumPy `.npy` arrays (CIFAR-10-C / CIFAR-100-C: `<corruption>.npy`
// uint8 [5·N, 32, 32, 3] NHWC, severity s in rows (s−1)·N … s·N, and `labels.npy`) and MATLAB v5 `.mat` files
// (SVHN's test_32x32.mat: X uint8 [32, 32, 3, N] column-major, y [N, 1] with 10 for the digit 0).
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { DataError, type ImageSet } from './dataset.js';
import { CORRUPTIONS, type Corruption } from './corruptions.js';

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: Uint8Array | Int32Array | Float64Array | BigInt64Array;
}

const DTYPES: Record<string, (buf: Buffer) => NpyArray['data']> = {
  '|u1': (b) => new Uint8Array(b.buffer, b.byteOffset, b.length),
  '<u1': (b) => new Uint8Array(b.buffer, b.byteOffset, b.length),
  '|i1': (b) => Int32Array.from(new Int8Array(b.buffer, b.byteOffset, b.length)),
  '<i4': (b) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)),
  '<i8': (b) => new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)),
  '<f8': (b) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)),
};

export interface NpyHeader {
  dtype: string;
  shape: number[];
  /** Byte offset of the data. */
  offset: number;
  itemSize: number;
}

function parseHeader(buf: Buffer, path: string): NpyHeader {
  if (buf.length < 10 || buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new DataError(`${path}: not a .npy file (bad magic)`);
  const major = buf.readUInt8(6);
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (buf.length < start + hlen) throw new DataError(`${path}: truncated .npy header`);
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new DataError(`${path}: malformed .npy header`);
  if (fortran === 'True') throw new DataError(`${path}: Fortran-ordered arrays are not supported`);
  if (!DTYPES[descr])
    throw new DataError(`${path}: dtype ${descr} is not supported (uint8, int8, int32, int64, float64)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataError(`${path}: malformed shape (${shapeText})`);
  return { dtype: descr, shape, offset: start + hlen, itemSize: Number(descr.slice(2)) };
}

/** The header of a .npy file and its size check, without reading the data. */
export function readNpyHeader(path: string): NpyHeader {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DataError(`${path}: cannot read (${(e as Error).message})`);
  }
  try {
    const buf = Buffer.alloc(4096);
    const got = readSync(fd, buf, 0, buf.length, 0);
    const h = parseHeader(buf.subarray(0, got), path);
    const bytes = fstatSync(fd).size - h.offset;
    const need = h.shape.reduce((a, b) => a * b, 1) * h.itemSize;
    if (bytes !== need)
      throw new DataError(`${path}: ${bytes} data bytes, the header's shape [${h.shape}] needs ${need}`);
    return h;
  } finally {
    closeSync(fd);
  }
}

/** Parses a .npy file (format 1.x/2.x/3.x, C order, dtypes uint8, int8, int32, int64, float64). */
export function readNpy(path: string): NpyArray {
  const h = readNpyHeader(path);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read (${(e as Error).message})`);
  }
  return { dtype: h.dtype, shape: h.shape, data: DTYPES[h.dtype](buf.subarray(h.offset)) };
}

function toLabels(a: NpyArray, path: string): Int32Array {
  if (a.shape.length !== 1) throw new DataError(`${path}: labels must be one-dimensional, shape is [${a.shape}]`);
  return Int32Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** NHWC uint8 [n, h, w, c] → channel-major [n, c, h, w]. */
export function nhwcToNchw(src: Uint8Array, n: number, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((i * c + ch) * h + y) * w + x] = src[((i * h + y) * w + x) * c + ch];
  return out;
}

/** The real CIFAR-10-C / CIFAR-100-C files of a directory, checked before any work: every requested type's file
 * and labels.npy present, uint8 NHWC of the image shape, rows a multiple of 5 matching the labels. */
export class CorruptionFiles {
  readonly labels: Int32Array;
  readonly perSeverity: number;

  constructor(
    readonly dir: string,
    readonly types: readonly Corruption[],
    readonly shape: [number, number, number],
    classes: number,
  ) {
    const lp = join(dir, 'labels.npy');
    if (!existsSync(lp)) throw new DataError(`${dir}: labels.npy is missing`);
    this.labels = toLabels(readNpy(lp), lp);
    if (this.labels.length % 5 !== 0)
      throw new DataError(`${lp}: ${this.labels.length} labels is not 5 severities of equal size`);
    this.perSeverity = this.labels.length / 5;
    for (const l of this.labels)
      if (l < 0 || l >= classes) throw new DataError(`${lp}: label ${l} is outside [0, ${classes})`);
    const missing = types.filter((t) => !existsSync(join(dir, `${t}.npy`)));
    if (missing.length) throw new DataError(`${dir}: missing ${missing.map((t) => `${t}.npy`).join(', ')}`);
    for (const t of types) this.checkHeader(t);
  }

  private checkHeader(t: Corruption): void {
    // read the header only (a full type is 150 MB)
    const p = join(this.dir, `${t}.npy`);
    const a = readNpyHeader(p);
    const [c, h, w] = this.shape;
    if (a.dtype !== '|u1' && a.dtype !== '<u1') throw new DataError(`${p}: dtype ${a.dtype}, expected uint8`);
    if (a.shape.length !== 4 || a.shape[1] !== h || a.shape[2] !== w || a.shape[3] !== c)
      throw new DataError(`${p}: shape [${a.shape}], expected [${this.labels.length}, ${h}, ${w}, ${c}] (NHWC)`);
    if (a.shape[0] !== this.labels.length)
      throw new DataError(`${p}: ${a.shape[0]} images but labels.npy has ${this.labels.length}`);
  }

  /** Severity s of type t as an ImageSet. */
  load(t: Corruption, s: number): ImageSet {
    const p = join(this.dir, `${t}.npy`);
    const a = readNpy(p);
    const [c, h, w] = this.shape;
    const per = h * w * c;
    const n = this.perSeverity;
    const rows = (a.data as Uint8Array).subarray((s - 1) * n * per, s * n * per);
    return {
      images: nhwcToNchw(rows, n, h, w, c),
      labels: this.labels.slice((s - 1) * n, s * n),
      n,
      shape: this.shape,
    };
  }
}

export const ALL_CORRUPTIONS = CORRUPTIONS;

// ---------- MATLAB v5 ----------
export interface MatVar {
  name: string;
  dims: number[];
  data: ArrayLike<number>;
}

const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  MATRIX: 14,
  COMPRESSED: 15,
};

function numeric(type: number, b: Buffer): ArrayLike<number> {
  const copy = (n: number) => b.buffer.slice(b.byteOffset, b.byteOffset + Math.floor(b.length / n) * n);
  switch (type) {
    case MI.INT8:
      return new Int8Array(copy(1));
    case MI.UINT8:
      return new Uint8Array(copy(1));
    case MI.INT16:
      return new Int16Array(copy(2));
    case MI.UINT16:
      return new Uint16Array(copy(2));
    case MI.INT32:
      return new Int32Array(copy(4));
    case MI.UINT32:
      return new Uint32Array(copy(4));
    case MI.SINGLE:
      return new Float32Array(copy(4));
    case MI.DOUBLE:
      return new Float64Array(copy(8));
    default:
      throw new DataError(`.mat: data type ${type} is not supported`);
  }
}

/** Data elements of a buffer: [type, payload] with the small-element form and 8-byte padding. */
function* elements(b: Buffer, where: string): Generator<[number, Buffer]> {
  let at = 0;
  while (at + 8 <= b.length) {
    const first = b.readUInt32LE(at);
    if (first >>> 16 !== 0) {
      const type = first & 0xffff;
      const n = first >>> 16;
      yield [type, b.subarray(at + 4, at + 4 + n)];
      at += 8;
      continue;
    }
    const n = b.readUInt32LE(at + 4);
    if (at + 8 + n > b.length) throw new DataError(`${where}: truncated data element`);
    yield [first, b.subarray(at + 8, at + 8 + n)];
    at += 8 + (first === MI.COMPRESSED ? n : Math.ceil(n / 8) * 8);
  }
}

function parseMatrix(b: Buffer, where: string): MatVar | null {
  const parts = [...elements(b, where)];
  if (parts.length < 4) return null;
  const cls = parts[0][1].readUInt32LE(0) & 0xff;
  if (cls < 6 || cls > 15) return null; // not a numeric array
  const dimsRaw = numeric(parts[1][0], parts[1][1]);
  const name = parts[2][1].toString('latin1');
  return { name, dims: Array.from(dimsRaw), data: numeric(parts[3][0], parts[3][1]) };
}

/** The numeric variables of a MATLAB v5 file (compressed or not). */
export function readMat(path: string): Map<string, MatVar> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read (${(e as Error).message})`);
  }
  if (buf.length < 128 || buf.toString('latin1', 126, 128) !== 'IM')
    throw new DataError(`${path}: not a little-endian MATLAB v5 .mat file (v7.3/HDF5 files are not supported)`);
  const vars = new Map<string, MatVar>();
  const visit = (type: number, payload: Buffer) => {
    if (type === MI.COMPRESSED) {
      let inner: Buffer;
      try {
        inner = inflateSync(payload);
      } catch {
        throw new DataError(`${path}: a compressed element does not inflate`);
      }
      for (const [t, p] of elements(inner, path)) visit(t, p);
    } else if (type === MI.MATRIX) {
      const v = parseMatrix(payload, path);
      if (v) vars.set(v.name, v);
    }
  };
  for (const [t, p] of elements(buf.subarray(128), path)) visit(t, p);
  return vars;
}

/** SVHN cropped digits (test_32x32.mat): X [32, 32, 3, N] uint8, y [N, 1] (10 → 0). */
export function readSvhnMat(path: string): ImageSet {
  const vars = readMat(path);
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X || !y) throw new DataError(`${path}: needs variables X and y (SVHN format)`);
  if (X.dims.length !== 4 || X.dims[2] !== 3)
    throw new DataError(`${path}: X has shape [${X.dims}], expected [h, w, 3, N]`);
  const [h, w, c, n] = X.dims;
  if (y.data.length !== n) throw new DataError(`${path}: ${y.data.length} labels for ${n} images`);
  const images = new Uint8Array(n * c * h * w);
  const src = X.data;
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < h; r++)
        for (let col = 0; col < w; col++)
          images[((i * c + ch) * h + r) * w + col] = src[r + h * (col + w * (ch + c * i))];
  const labels = Int32Array.from(y.data, (v) => (v === 10 ? 0 : v));
  return { images, labels, n, shape: [c, h, w] };
}
