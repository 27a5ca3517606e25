// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}
// padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor bytes, offsets relative to
// the end of the header. Files are written to a temporary name and renamed, so a reader never sees half a
// file. Tensors are read into fresh, aligned typed arrays.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileError } from './errors.js';

export type DType = 'F32' | 'F64' | 'I64' | 'I32' | 'U8';
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface SafeTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** Named tensors in file order. */
export type TensorMap = Map<string, SafeTensor>;

export interface SafetensorsFile {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

const ITEM_SIZE: Record<DType, number> = { F32: 4, F64: 8, I64: 8, I32: 4, U8: 1 };

function checkHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');
}

function arrayFor(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'F32':
      return new Float32Array(n);
    case 'F64':
      return new Float64Array(n);
    case 'I64':
      return new BigInt64Array(n);
    case 'I32':
      return new Int32Array(n);
    case 'U8':
      return new Uint8Array(n);
  }
}

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validate(name: string, t: SafeTensor): void {
  if (dtypeOf(t.data) !== t.dtype) {
    throw new Error(`safetensors: tensor '${name}' is declared ${t.dtype} but holds a ${t.data.constructor.name}`);
  }
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0) || elementCount(t.shape) !== t.data.length) {
    throw new Error(`safetensors: tensor '${name}' has shape [${t.shape}] but ${t.data.length} elements`);
  }
}

/** The header bytes (length prefix + padded JSON) for tensors laid out back to back in map order. */
function encodeHeader(tensors: TensorMap, metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata value of '${k}' must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error("safetensors: '__metadata__' is not a valid tensor name");
    validate(name, t);
    const end = offset + t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(body.length));
  return Buffer.concat([prefix, body]);
}

function bytesOf(data: TensorData): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The whole file in memory. */
export function encodeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Buffer {
  checkHost();
  return Buffer.concat([encodeHeader(tensors, metadata), ...[...tensors.values()].map((t) => bytesOf(t.data))]);
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  checkHost();
  if (bytes.length < 8) throw new Error('safetensors: file is shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    throw new Error(`safetensors: header length ${headerLen} exceeds the file size ${bytes.length}`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`safetensors: the header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: TensorMap = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: number[] };
    if (!(dtype in ITEM_SIZE)) {
      throw new Error(
        `safetensors: tensor '${name}' has unsupported dtype ${dtype} (supported: ${Object.keys(ITEM_SIZE)})`,
      );
    }
    const [begin, end] = offsets;
    const n = elementCount(shape);
    if (!(begin >= 0 && end <= dataLen && end - begin === n * ITEM_SIZE[dtype as DType])) {
      throw new Error(`safetensors: tensor '${name}' has inconsistent offsets [${begin}, ${end}] for shape [${shape}]`);
    }
    const data = arrayFor(dtype as DType, n);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype: dtype as DType, shape: [...shape], data });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  try {
    return decodeSafetensors(readFileSync(path));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes all of b; in pieces of at most 1 GiB, as one write(2) takes less than 2 GiB. */
function writeAll(fd: number, b: Buffer): void {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, Math.min(b.length - done, 2 ** 30));
}

/** Writes to a temporary file in the same directory, flushes it, then renames it over `path`. */
export function writeSafetensors(path: string, tensors: TensorMap, metadata: Record<string, string> = {}): void {
  checkHost();
  const header = encodeHeader(tensors, metadata);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw fileError(e, 'write', path);
  }
  try {
    writeAll(fd, header);
    for (const t of tensors.values()) writeAll(fd, bytesOf(t.data));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created or already renamed
    }
    throw fileError(e, 'write', path);
  }
}
