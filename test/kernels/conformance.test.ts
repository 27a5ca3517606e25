// The conformance suite (conformance.ts) on every backend here: js and native on the CPU device, cuda on GPU 0
// where the CUDA backend is built and a GPU is visible (skipped with one line otherwise; scripts/gpu/conformance.mjs
// runs it on a GPU machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsKernels } from '../../src/kernels/js/index.js';
import { cpuDevice } from '../../src/kernels/device.js';
import { cudaDevice, cudaKernels, cudaUnavailable } from '../../src/kernels/cuda.js';
import { native } from '../helpers.js';
import { runConformance, type ConformanceBackend } from './conformance.js';

function check(b: ConformanceBackend): void {
  const results = runConformance(b);
  const failed = results.filter((r) => !r.ok);
  assert.ok(results.length > 0, 'no cases ran');
  assert.equal(failed.length, 0, failed.map((r) => `${b.name} ${r.name}: ${r.error}`).join('\n'));
}

test('conformance: js (the reference in float32 against itself in float64)', () => {
  check({ name: 'js', kernels: jsKernels(), device: cpuDevice });
});

test('conformance: native', () => {
  check({ name: 'native', kernels: native(), device: cpuDevice });
});

const gpu = cudaUnavailable();
test('conformance: cuda', { skip: gpu ? `needs a GPU: ${gpu}` : false }, () => {
  const device = cudaDevice(0);
  check({ name: 'cuda', kernels: cudaKernels(device), device });
});
