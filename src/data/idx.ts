// The IDX format of MNIST and Fashion-MNIST (SPEC §2): big-endian header 0, 0, type, ndim, then ndim
// int32 dimensions, then the data. Only unsigned bytes (type 0x08) occur in these datasets.
import { DataError } from './dataset.js';
import { readMaybeGz } from './files.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export const IDX_IMAGES_MAGIC = 2051; // 0x00000803: ubyte, 3 dims
export const IDX_LABELS_MAGIC = 2049; // 0x00000801: ubyte, 1 dim

export function parseIdx(buf: Uint8Array, where: string, expectedMagic?: number): IdxArray {
  if (buf.length < 4) throw new DataError(`${where}: truncated IDX file (${buf.length} bytes, no header)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08 || (expectedMagic !== undefined && magic !== expectedMagic)) {
    const want = expectedMagic !== undefined ? String(expectedMagic) : '0x000008NN (unsigned bytes)';
    throw new DataError(
      `${where}: wrong IDX magic ${magic} (0x${magic.toString(16).padStart(8, '0')}), expected ${want}`,
    );
  }
  const ndim = buf[3];
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw new DataError(`${where}: truncated IDX header (${buf.length} bytes)`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length - header !== count) {
    const what = buf.length - header < count ? 'truncated' : 'has trailing bytes';
    throw new DataError(
      `${where}: ${what}: header says [${dims.join('×')}] = ${count} bytes of data, file has ${buf.length - header}`,
    );
  }
  return { dims, data: buf.subarray(header) };
}

export function readIdxFile(path: string, expectedMagic?: number): IdxArray {
  return parseIdx(readMaybeGz(path), path, expectedMagic);
}
