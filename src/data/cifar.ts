// CIFAR binary batches (SPEC §2). CIFAR-10: records of 1 label byte + 3072 pixel bytes (1024 R, 1024 G,
// 1024 B, each 32×32 row-major), CIFAR-100: coarse label byte, fine label byte, 3072 pixel bytes.
import { DataError, checkLabels, imageSet, type ImageSet } from './dataset.js';
import { readMaybeGz } from './files.js';

const PIXELS = 3 * 32 * 32;

export function parseCifar(buffers: { path: string; data: Uint8Array }[], variant: 10 | 100): ImageSet {
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + PIXELS;
  let n = 0;
  for (const { path, data } of buffers) {
    if (data.length === 0 || data.length % record !== 0)
      throw new DataError(
        `${path}: ${data.length} bytes is not a whole number of CIFAR-${variant} records of ${record} bytes (truncated or wrong file)`,
      );
    n += data.length / record;
  }
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let row = 0;
  for (const { path, data } of buffers) {
    const rows = data.length / record;
    for (let r = 0; r < rows; r++, row++) {
      const off = r * record;
      labels[row] = data[off + labelBytes - 1]; // the fine label for CIFAR-100
      images.set(data.subarray(off + labelBytes, off + record), row * PIXELS);
    }
    checkLabels(labels.subarray(row - rows, row), variant, path);
  }
  return imageSet(images, labels, [3, 32, 32]);
}

export function readCifarFiles(paths: string[], variant: 10 | 100): ImageSet {
  return parseCifar(
    paths.map((path) => ({ path, data: readMaybeGz(path) })),
    variant,
  );
}
