// The device layer: the CPU device's buffer API, device names, and the one-line refusal where cuda cannot run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuDevice } from '../../src/kernels/device.js';
import { openDevice, CudaUnavailableError } from '../../src/kernels/open_device.js';
import { cudaUnavailable } from '../../src/kernels/cuda.js';
import { getKernels } from '../../src/kernels/index.js';

test('cpuDevice: arrays are host typed arrays; upload, download, copy and fill copy with offsets', () => {
  const a = cpuDevice.alloc('f32', 6);
  assert.ok(a instanceof Float32Array && a.length === 6);
  assert.ok(cpuDevice.alloc('i32', 2) instanceof Int32Array);
  assert.ok(cpuDevice.alloc('u8', 2) instanceof Uint8Array);
  const src = Float32Array.of(1, 2, 3);
  cpuDevice.upload(a, src, 2);
  src[0] = 99; // the host array is free again once upload returns
  assert.deepEqual([...a], [0, 0, 1, 2, 3, 0]);
  const part = cpuDevice.download(a, new Float32Array(2), 3);
  assert.deepEqual([...part], [2, 3]);
  const whole = cpuDevice.download(a);
  whole[0] = 7;
  assert.equal(a[0], 0, 'download copies');
  const b = cpuDevice.alloc('f32', 6);
  cpuDevice.copy(b, a);
  assert.deepEqual([...b], [...a]);
  cpuDevice.fill(b, NaN);
  assert.ok(b.every(Number.isNaN));
  const u = cpuDevice.alloc('u8', 2);
  cpuDevice.fill(u, 300);
  assert.deepEqual([...u], [44, 44]);
  assert.throws(
    () => cpuDevice.upload(a, new Float32Array(3), 4),
    /upload: elements \[4, 7\) are outside the array of 6/,
  );
  assert.throws(() => cpuDevice.download(a, new Float32Array(3), 5), /download: elements \[5, 8\)/);
  assert.throws(() => cpuDevice.copy(b, new Float32Array(2)), /copy: the arrays differ/);
  cpuDevice.free(a);
  cpuDevice.synchronize();
  const info = cpuDevice.info();
  assert.equal(info.kind, 'cpu');
  assert.ok(info.totalMemory > 0);
});

test('openDevice: cpu is the CPU device; unknown names are rejected', () => {
  assert.equal(openDevice('cpu'), cpuDevice);
  assert.throws(() => openDevice('gpu'), /unknown device 'gpu' \(expected cpu, cuda or cuda:N\)/);
  assert.throws(() => openDevice('cuda:x'), /unknown device/);
});

test('getKernels: the CPU device keeps the CPU backends', () => {
  assert.equal(getKernels('js', undefined, cpuDevice).name, 'js');
});

const gpu = cudaUnavailable();
test('cuda without a usable GPU: one line saying why, as a CudaUnavailableError', { skip: gpu === null }, () => {
  assert.throws(
    () => openDevice('cuda'),
    (e: unknown) => e instanceof CudaUnavailableError && /^cuda: [^\n]+$/.test((e as Error).message),
  );
  assert.throws(() => openDevice('cuda:3'), CudaUnavailableError);
});

test('cuda where the module is not built: the message says so and how to build it', () => {
  // A fresh process, since the addon is looked up once per process.
  const code = `import { cudaDevice } from ${JSON.stringify(new URL('../../src/kernels/cuda.js', import.meta.url).href)};
    try { cudaDevice(0); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, SPARSETICKETS_CUDA_ADDON: fileURLToPath(new URL('./no-such.node', import.meta.url)) },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout.trim(),
    /^CudaUnavailableError: cuda: the CUDA backend is not built \(\S+no-such\.node is missing; `npm run build:cuda` builds it where nvcc is installed\)$/,
  );
});
