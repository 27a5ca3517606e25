import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseIdx, readIdxFile, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from '../../src/data/idx.js';
import { readCifarFiles } from '../../src/data/cifar.js';
import { loadDataset } from '../../src/data/registry.js';
import { splitValidation } from '../../src/data/split.js';
import { DataError } from '../../src/data/dataset.js';
import { needs, SHARED_DIR, writeIdxDataset } from '../helpers.js';

function idx(magic: number, dims: number[], data: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length + data.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  Buffer.from(data).copy(b, 4 + 4 * dims.length);
  return b;
}

const dir = mkdtempSync(join(tmpdir(), 'st-data-'));

test('IDX: reads plain and gzipped files; header dims and bytes as written', () => {
  const img = idx(IDX_IMAGES_MAGIC, [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  writeFileSync(join(dir, 'a-idx3-ubyte'), img);
  writeFileSync(join(dir, 'a-idx3-ubyte.gz'), gzipSync(img));
  for (const f of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
    const r = readIdxFile(join(dir, f), IDX_IMAGES_MAGIC);
    assert.deepEqual(r.dims, [2, 2, 3]);
    assert.deepEqual([...r.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  }
});

test('IDX: wrong magic, truncated data and missing files are errors naming the file', () => {
  const labels = idx(IDX_LABELS_MAGIC, [3], [1, 2, 3]);
  assert.throws(() => parseIdx(labels, 'x.idx', IDX_IMAGES_MAGIC), /x\.idx: wrong IDX magic 2049 .*expected 2051/);
  assert.throws(
    () => parseIdx(labels.subarray(0, labels.length - 1), 'y.idx'),
    /y\.idx: truncated: header says \[3\] = 3 bytes of data, file has 2/,
  );
  assert.throws(() => parseIdx(Buffer.from([0, 0]), 'z.idx'), /z\.idx: truncated IDX file/);
  assert.throws(() => readIdxFile(join(dir, 'nope')), /nope: file not found/);
  writeFileSync(join(dir, 'bad.gz'), Buffer.from('not gzip'));
  assert.throws(() => readIdxFile(join(dir, 'bad.gz')), /bad\.gz: not a valid gzip file/);
});

test('IDX datasets: train and test images of different sizes, or labels not matching images, are errors naming the files', () => {
  const d = join(dir, 'mixed');
  mkdirSync(d);
  writeIdxDataset(d, [4, 32, 32], [2, 28, 28]);
  const err = (pattern: RegExp) => (e: unknown) => e instanceof DataError && pattern.test(e.message);
  assert.throws(
    () => loadDataset('mnist', { dataDir: d }),
    err(/mixed\/t10k-images-idx3-ubyte: images of 28×28 but .*mixed\/train-images-idx3-ubyte has images of 32×32/),
  );
  writeIdxDataset(d, [4, 32, 32], [2, 32, 32]);
  const ok = loadDataset('mnist', { dataDir: d });
  assert.deepEqual(ok.shape, [1, 32, 32]);
  assert.deepEqual([ok.train.n, ok.test.n], [4, 2]);
  writeFileSync(join(d, 't10k-labels-idx1-ubyte'), idx(IDX_LABELS_MAGIC, [3], [0, 1, 2]));
  assert.throws(
    () => loadDataset('mnist', { dataDir: d }),
    err(/t10k-labels-idx1-ubyte: 3 labels but .*t10k-images-idx3-ubyte has 2 images/),
  );
});

test('CIFAR-10 and CIFAR-100 records: labels and channel planes in order; truncation and bad labels are errors', () => {
  const rec10 = (label: number, fill: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, fill)]);
  writeFileSync(join(dir, 'c10.bin'), Buffer.concat([rec10(3, 7), rec10(9, 200)]));
  writeFileSync(join(dir, 'c10.bin.gz'), gzipSync(Buffer.concat([rec10(1, 5)])));
  const s = readCifarFiles([join(dir, 'c10.bin'), join(dir, 'c10.bin.gz')], 10);
  assert.equal(s.n, 3);
  assert.deepEqual([...s.labels], [3, 9, 1]);
  assert.equal(s.images[3072 + 100], 200);
  assert.equal(s.images[2 * 3072 + 3071], 5);

  const rec100 = Buffer.concat([Buffer.from([4, 87]), Buffer.alloc(3072, 1)]);
  writeFileSync(join(dir, 'c100.bin'), rec100);
  assert.deepEqual([...readCifarFiles([join(dir, 'c100.bin')], 100).labels], [87]);

  writeFileSync(join(dir, 'short.bin'), rec10(1, 1).subarray(0, 3000));
  assert.throws(
    () => readCifarFiles([join(dir, 'short.bin')], 10),
    /short\.bin: 3000 bytes is not a whole number of CIFAR-10 records/,
  );
  writeFileSync(join(dir, 'label.bin'), rec10(12, 0));
  assert.throws(
    () => readCifarFiles([join(dir, 'label.bin')], 10),
    /label\.bin: label 12 of record 0 is outside \[0, 10\)/,
  );
});

test('MNIST is embedded: 60,000 + 10,000 images of 28×28 with labels 0..9', () => {
  const d = loadDataset('mnist');
  assert.equal(d.train.n, 60000);
  assert.equal(d.test.n, 10000);
  assert.deepEqual(d.shape, [1, 28, 28]);
  assert.deepEqual([...d.train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]); // the well-known first labels
  const { train, val } = splitValidation(d.train);
  assert.equal(train.n, 54000);
  assert.equal(val.n, 6000);
  assert.equal(val.labels[0], d.train.labels[54000]);
});

const sharedCifar = join(SHARED_DIR, 'datasets', 'cifar10-jpeg');

test('the shared CIFAR-10 copy loads through the binary reader', { skip: needs({ files: [sharedCifar] }) }, () => {
  const shared = sharedCifar;
  const d = loadDataset('cifar10', { dataDir: shared });
  assert.equal(d.train.n, 50000);
  assert.equal(d.test.n, 10000);
  const counts = new Array(10).fill(0);
  for (const y of d.test.labels) counts[y]++;
  assert.ok(
    counts.every((c) => c > 800 && c < 1200),
    `unbalanced test labels ${counts}`,
  );
});

test(
  "Fashion-MNIST loads from Debian's dataset-fashion-mnist (gzipped IDX)",
  { skip: needs({ files: ['/usr/share/datasets/fashion-mnist'] }) },
  () => {
    const d = loadDataset('fashion-mnist');
    assert.equal(d.train.n, 60000);
    assert.equal(d.test.n, 10000);
    assert.deepEqual(d.shape, [1, 28, 28]);
    const counts = new Array(10).fill(0);
    for (const y of d.test.labels) counts[y]++;
    assert.deepEqual(counts, new Array(10).fill(1000)); // the test set is balanced, 1,000 per class
  },
);

test('cifar10 without --data-dir says so', () => {
  assert.throws(() => loadDataset('cifar10'), /cifar10: needs --data-dir/);
});
