// safetensors: round trips of every dtype, metadata, the byte layout, atomic writes, malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type TensorMap,
} from '../../src/util/safetensors.js';
import { fixturePath } from '../helpers.js';

function sample(): TensorMap {
  return new Map([
    ['w', { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) }],
    ['d', { dtype: 'F64', shape: [2], data: Float64Array.of(Math.PI, -1e300) }],
    ['count', { dtype: 'I64', shape: [], data: BigInt64Array.of(-(2n ** 40n)) }],
    ['i', { dtype: 'I32', shape: [1, 2], data: Int32Array.of(-7, 2 ** 31 - 1) }],
    ['w.mask', { dtype: 'U8', shape: [3], data: Uint8Array.of(0, 1, 255) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

test('encode → decode round trip of every dtype, shape and the metadata, in order', () => {
  const bytes = encodeSafetensors(sample(), { format: 'pt', config: '{"lr":0.1}' });
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt', config: '{"lr":0.1}' });
  assert.deepEqual([...tensors.keys()], [...sample().keys()]);
  assert.deepEqual(tensors, sample());
});

test('byte layout: u64 LE header length, space-padded JSON to 8 bytes, offsets relative to the data', () => {
  const bytes = encodeSafetensors(new Map([['a', { dtype: 'F32', shape: [1], data: Float32Array.of(1) }]]));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  assert.deepEqual(header, { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
  assert.equal(bytes.readFloatLE(8 + n), 1);
  assert.equal(bytes.length, 8 + n + 4);
});

test('writeSafetensors writes atomically (temporary file + rename) and readSafetensors reads it back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-safetensors-'));
  try {
    const path = join(dir, 'ckpt.safetensors');
    writeFileSync(path, 'old contents');
    writeSafetensors(path, sample(), { step: '10' });
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors'], 'no temporary file is left behind');
    const { tensors, metadata } = readSafetensors(path);
    assert.deepEqual(tensors, sample());
    assert.equal(metadata.step, '10');
    assert.deepEqual(readFileSync(path), encodeSafetensors(sample(), { step: '10' }));
    assert.throws(
      () => writeSafetensors(join(dir, 'missing-dir', 'x.safetensors'), sample()),
      /cannot write .*missing-dir\/x\.safetensors: no such file or directory/,
    );
    assert.deepEqual(readdirSync(dir), ['ckpt.safetensors']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed files and tensors fail with clear errors', () => {
  assert.throws(() => decodeSafetensors(new Uint8Array(4)), /shorter than its 8-byte header length/);
  const big = Buffer.alloc(16);
  big.writeBigUInt64LE(100n);
  assert.throws(() => decodeSafetensors(big), /header length 100 exceeds the file size 16/);
  const bad = (header: object, dataBytes = 0) => {
    const json = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]);
  };
  assert.throws(
    () => decodeSafetensors(bad({ x: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, 2)),
    /unsupported dtype BF16/,
  );
  assert.throws(
    () => decodeSafetensors(bad({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4)),
    /inconsistent offsets/,
  );
  assert.throws(
    () => decodeSafetensors(bad({ x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 0)),
    /inconsistent offsets/,
  );
  const notJson = Buffer.concat([Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{x}')]);
  assert.throws(() => decodeSafetensors(notJson), /not valid JSON/);
  assert.throws(
    () => encodeSafetensors(new Map([['x', { dtype: 'F32', shape: [3], data: new Float32Array(2) }]])),
    /tensor 'x' has shape \[3\] but 2 elements/,
  );
  assert.throws(
    () => encodeSafetensors(new Map([['x', { dtype: 'F64', shape: [2], data: new Float32Array(2) }]])),
    /declared F64 but holds a Float32Array/,
  );
  assert.throws(() => readSafetensors('/nonexistent/file.safetensors'), /\/nonexistent\/file\.safetensors: /);
});

test('reads the files PyTorch-side scripts write (test fixtures)', () => {
  const { tensors, metadata } = readSafetensors(fixturePath('resnet18.safetensors'));
  assert.equal(metadata.model, 'resnet18');
  assert.equal(tensors.get('target')!.dtype, 'I64');
  assert.deepEqual(tensors.get('input')!.shape, [8, 3, 32, 32]);
  assert.equal(tensors.get('loss')!.dtype, 'F64');
});
