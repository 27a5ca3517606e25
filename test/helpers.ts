// Shared test utilities: seeded random data, error measures, and the two kernel backends.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsKernels } from '../src/kernels/js/index.js';
import { loadAddon, nativeKernels } from '../src/kernels/native.js';
import { outSize, type ConvShape, type Kernels } from '../src/kernels/kernels.js';
import { DEFAULT_TRAIN, mergeConfig, validateConfig, type TrainConfig } from '../src/run/config.js';

/** A small deterministic generator for test data (not the project's RNG). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function randomInts(n: number, seed: number, hi: number): Int32Array {
  const r = lcg(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * hi);
  return a;
}

/** max |a-b| / max(1e-6, max|b|): a relative error that is robust to entries near zero. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `length mismatch ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const e = relError(actual, expected);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(3)} > ${tol}`);
}

/** A random 0/1 mask [M, K] of the given density, with rows emptyEvery·i left empty (when emptyEvery > 0). */
export function randomMask(M: number, K: number, density: number, seed: number, emptyEvery = 0): Float32Array {
  const r = lcg(seed);
  const mask = new Float32Array(M * K);
  for (let i = 0; i < M; i++) {
    if (emptyEvery > 0 && i % emptyEvery === 0) continue;
    for (let k = 0; k < K; k++) mask[i * K + k] = r() < density ? 1 : 0;
  }
  return mask;
}

/** [N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups] */
export type ConvDims = [number, number, number, number, number, number, number, number, number, number, number, number];

export function convShape([N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups]: ConvDims): ConvShape {
  return { N, C, H, W, K, R, S, strideH, strideW, padH, padW, groups };
}

/** Lengths of a convolution's x, w and y. */
export function convSizes(s: ConvShape): { x: number; w: number; y: number } {
  const OH = outSize(s.H, s.R, s.strideH, s.padH);
  const OW = outSize(s.W, s.S, s.strideW, s.padW);
  return { x: s.N * s.C * s.H * s.W, w: (s.K * s.C * s.R * s.S) / s.groups, y: s.N * s.K * OH * OW };
}

export const js: Kernels = jsKernels();

/** The native kernels; tests that need them fail loudly if the addon is not built. */
export function native(): Kernels {
  const addon = loadAddon();
  if (addon instanceof Error) throw addon;
  return nativeKernels(addon);
}

/** fn() run with k set to n threads (restored afterwards). */
export function withThreads<T>(k: Kernels, n: number, fn: () => T): T {
  const before = k.threads();
  k.setThreads(n);
  try {
    return fn();
  } finally {
    k.setThreads(before);
  }
}

/** Absolute path of a file in test/fixtures (the tests run from dist/test/…, the fixtures stay in test/). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));
}

/** Path of the compiled `sparsetickets` command. */
export const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Runs the CLI synchronously; returns its exit code and output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Writes an MNIST-style IDX dataset (train/t10k images and labels, uncompressed) into dir, with images of the
 * given [count, height, width] (pixel bytes from a seeded generator, labels i mod 10), for --data-dir.
 */
export function writeIdxDataset(dir: string, train: [number, number, number], test: [number, number, number]): void {
  const file = (magic: number, dims: number[], data: Uint8Array) => {
    const b = Buffer.alloc(4 + 4 * dims.length + data.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    b.set(data, 4 + 4 * dims.length);
    return b;
  };
  for (const [prefix, [n, h, w]] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    const r = lcg(n * h * w);
    const pixels = Uint8Array.from({ length: n * h * w }, () => Math.floor(256 * r()));
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), file(2051, [n, h, w], pixels));
    writeFileSync(
      join(dir, `${prefix}-labels-idx1-ubyte`),
      file(
        2049,
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 10),
      ),
    );
  }
}

/** The files beside the checkout (../shared): only the CIFAR-10 copy, for the tests that say so. */
export const SHARED_DIR = join(process.cwd(), '..', 'shared');

/**
 * For `test(name, { skip: needs(...) }, …)`: false when everything the test needs is here, else the message the
 * skipped test shows (what it needs and where). With SPARSETICKETS_TEST_ALL=1 (set by .ci/run, which installs
 * them) it never skips: a missing file then fails the test instead of hiding it.
 */
export function needs(what: { files?: string[]; torch?: boolean }): string | false {
  if (process.env.SPARSETICKETS_TEST_ALL === '1') return false;
  const missing = (what.files ?? []).filter((f) => !existsSync(f));
  if (what.torch && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    missing.push("PyTorch (Debian's python3-torch)");
  return missing.length ? `needs ${missing.join(', ')} (not here; .ci/run installs it or CI has it)` : false;
}

/** A validated config of a small run on the synthetic dataset (resnet20 at width 0.25, batch 64, one thread), with
 * the given keys replaced. */
export function syntheticConfig(overrides: Record<string, unknown>): TrainConfig {
  const base = { model: 'resnet20', width: 0.25, dataset: 'synthetic', batch: 64, threads: 1 };
  return validateConfig(mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, { ...base, ...overrides }), 'test');
}
