// The counter-based RNG: fixed golden values (which a C++ transcription must reproduce), determinism,
// independence of derived streams, and the distributions of the derived draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashString, mix32, Rng } from '../../src/util/rng.js';

// Checked against a direct C transcription (uint32_t arithmetic) of src/util/rng.ts.
const GOLDEN = {
  mix1: 1753845952,
  hash: 2994878762,
  seed42stream7: [4064086020, 759662872, 2746023356, 514590097],
  bigSeedHighCounter: 2333021086,
};

test('golden values: the exact bits every implementation must produce', () => {
  assert.equal(mix32(0), 0);
  assert.equal(mix32(1), GOLDEN.mix1);
  assert.equal(hashString('layer1.0.conv1.weight'), GOLDEN.hash);
  const r = new Rng(42, 7);
  assert.deepEqual(
    Array.from({ length: 4 }, () => r.uint32()),
    GOLDEN.seed42stream7,
  );
  const big = new Rng(2 ** 40 + 3);
  big.counter = 2 ** 32 + 5; // the high counter word takes part
  assert.equal(big.uint32(), GOLDEN.bigSeedHighCounter);
});

test('same (seed, stream, counter) → same draws; a resumed state continues the sequence', () => {
  const a = new Rng(123, 4);
  const b = new Rng(123, 4);
  const seqA = Array.from({ length: 100 }, () => a.uint32());
  const seqB = Array.from({ length: 100 }, () => b.uint32());
  assert.deepEqual(seqA, seqB);
  const c = new Rng(123, 4);
  for (let i = 0; i < 50; i++) c.uint32();
  const d = Rng.fromState(c.state());
  assert.deepEqual(
    Array.from({ length: 50 }, () => d.uint32()),
    seqA.slice(50),
  );
  assert.deepEqual(Rng.derive(5, 'mask:fc1.weight').state(), new Rng(5, hashString('mask:fc1.weight')).state());
});

test('different seeds, streams and keys give unrelated sequences', () => {
  const seqs = [new Rng(1, 0), new Rng(2, 0), new Rng(1, 1), Rng.derive(1, 'a'), Rng.derive(1, 'b')].map((r) =>
    Array.from({ length: 64 }, () => r.uint32()),
  );
  for (let i = 0; i < seqs.length; i++) {
    for (let j = i + 1; j < seqs.length; j++) {
      const same = seqs[i].filter((v, k) => v === seqs[j][k]).length;
      assert.ok(same === 0, `streams ${i} and ${j} share ${same} values`);
    }
  }
});

test('float is uniform on [0, 1); normal has mean 0 and variance 1; each bit is fair', () => {
  const r = new Rng(9);
  const n = 200000;
  let sum = 0;
  let sq = 0;
  const bins = new Array(10).fill(0);
  const bits = new Array(32).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.uint32();
    for (let b = 0; b < 32; b++) bits[b] += (u >>> b) & 1;
    const f = u / 4294967296;
    assert.ok(f >= 0 && f < 1);
    bins[Math.floor(f * 10)]++;
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  for (const b of bins) assert.ok(Math.abs(b / n - 0.1) < 0.005, `bin ${b / n}`);
  for (const b of bits) assert.ok(Math.abs(b / n - 0.5) < 0.005, `bit ${b / n}`);
  assert.ok(Math.abs(sum / n) < 0.01, `mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.02, `variance ${sq / n}`);
});

test('int(n) covers [0, n) evenly; shuffle and permutation are permutations', () => {
  const r = new Rng(3);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c / 70000 - 1 / 7) < 0.01);
  assert.equal(r.int(1), 0);
  assert.throws(() => r.int(0), /n must be an integer/);
  const p = r.permutation(1000);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual(
    [...p],
    Array.from({ length: 1000 }, (_, i) => i),
  );
  const arr = ['a', 'b', 'c', 'd'];
  assert.deepEqual(new Rng(1).shuffle([...arr]), new Rng(1).shuffle([...arr]));
  assert.deepEqual([...new Rng(1).shuffle([...arr])].sort(), arr);
  // every position of a 3-element shuffle is equally likely
  const first = new Map<string, number>();
  for (let i = 0; i < 60000; i++) {
    const s = r.shuffle(['x', 'y', 'z']).join('');
    first.set(s, (first.get(s) ?? 0) + 1);
  }
  assert.equal(first.size, 6);
  for (const c of first.values()) assert.ok(Math.abs(c / 60000 - 1 / 6) < 0.01);
});

test('invalid seeds and streams are rejected', () => {
  assert.throws(() => new Rng(-1), /seed must be a non-negative integer/);
  assert.throws(() => new Rng(1.5), /seed must be a non-negative integer/);
  assert.throws(() => new Rng(1, 2 ** 32), /stream must be a 32-bit unsigned integer/);
});
