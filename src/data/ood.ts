// Out-of-distribution sets (SPEC §10). Generated: Gaussian noise (N(0, 0.5²) clipped to ±1, then ×0.5 + 0.5, as the
// FreeTickets code makes it) and uniform noise U[0, 1], both quantised to uint8 like images; from files: a dataset
// directory (CIFAR-100's / CIFAR-10's binary batches, MNIST / Fashion-MNIST IDX files), SVHN's test_32x32.mat.
// Labels of OOD sets are irrelevant (0). Every set must have the model's input shape: no resizing.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { DataError, type ImageSet } from './dataset.js';
import { readSvhnMat } from './npy.js';
import { FASHION_MNIST_DIR, loadDataset, type DatasetName } from './registry.js';

export function gaussianNoiseSet(n: number, shape: [number, number, number], seed: number): ImageSet {
  const rng = new Rng(seed, 0x6a05);
  const per = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * per);
  for (let i = 0; i < images.length; i++) {
    const v = Math.min(1, Math.max(-1, 0.5 * rng.normal())) * 0.5 + 0.5;
    images[i] = Math.round(v * 255);
  }
  return { images, labels: new Int32Array(n), n, shape };
}

export function uniformNoiseSet(n: number, shape: [number, number, number], seed: number): ImageSet {
  const rng = new Rng(seed, 0x0417);
  const per = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(n * per);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  return { images, labels: new Int32Array(n), n, shape };
}

/**
 * OOD sets named NAME=PATH: `svhn=FILE.mat`, or a dataset name of the registry with its directory
 * (`cifar100=DIR`, `cifar10=DIR`, `mnist=DIR`, `fashion-mnist=DIR`): its test split. Checked against the model's
 * input shape before any work.
 */
export function loadOodSet(spec: string, shape: [number, number, number]): { name: string; set: ImageSet } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new DataError(`OOD set '${spec}': write NAME=PATH (svhn=test_32x32.mat, cifar100=DIR, …)`);
  const name = spec.slice(0, eq);
  const path = spec.slice(eq + 1);
  if (!existsSync(path)) throw new DataError(`OOD set ${name}: ${path} not found`);
  let set: ImageSet;
  if (name === 'svhn') {
    const file = statSync(path).isDirectory() ? join(path, 'test_32x32.mat') : path;
    set = readSvhnMat(file);
  } else if (['cifar10', 'cifar100', 'mnist', 'fashion-mnist'].includes(name)) {
    set = loadDataset(name as DatasetName, { dataDir: path }).test;
  } else throw new DataError(`OOD set '${name}': unknown; use svhn, cifar10, cifar100, mnist or fashion-mnist`);
  checkShape(name, set.shape, shape);
  return { name, set };
}

/** The natural OOD partner of a dataset when this machine has it: MNIST ↔ Fashion-MNIST (Debian's copy). */
export function partnerOodSets(dataset: string): { name: string; set: ImageSet }[] {
  try {
    if (dataset === 'mnist')
      return [{ name: 'fashion-mnist', set: loadDataset('fashion-mnist', { dataDir: FASHION_MNIST_DIR }).test }];
    if (dataset === 'fashion-mnist') return [{ name: 'mnist', set: loadDataset('mnist').test }];
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
  }
  return [];
}

export function checkShape(name: string, got: readonly number[], want: readonly number[]): void {
  if (got.join('x') !== want.join('x'))
    throw new DataError(
      `OOD set ${name}: images are [${got.join(', ')}], the model takes [${want.join(', ')}]; ` +
        'sets are not resized (SPEC §10)',
    );
}
