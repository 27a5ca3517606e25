// An image classification dataset held as bytes: images [n, c, h, w] uint8 (the files' own encoding; a
// quarter of the memory of floats) and integer labels. Loaders turn batches into normalised floats.

export class DataError extends Error {
  override name = 'DataError';
}

export interface ImageSet {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  shape: [number, number, number];
}

export function imageSet(images: Uint8Array, labels: Int32Array, shape: [number, number, number]): ImageSet {
  const per = shape[0] * shape[1] * shape[2];
  if (images.length !== labels.length * per)
    throw new DataError(`dataset: ${labels.length} labels but ${images.length / per} images`);
  return { images, labels, n: labels.length, shape };
}

/** Rows [from, to) of a set, sharing memory with it. */
export function slice(set: ImageSet, from: number, to: number): ImageSet {
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return {
    images: set.images.subarray(from * per, to * per),
    labels: set.labels.subarray(from, to),
    n: to - from,
    shape: set.shape,
  };
}

/** Throws a DataError naming the file when a label is outside [0, classes). */
export function checkLabels(labels: Int32Array, classes: number, where: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classes)
      throw new DataError(`${where}: label ${labels[i]} of record ${i} is outside [0, ${classes})`);
  }
}
