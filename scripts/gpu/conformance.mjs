#!/usr/bin/env node
// The conformance suite (test/kernels/conformance.ts, compiled to dist/) on a GPU: prints the device, every failure
// and, last, `N passed, N failed`; exits 1 on any failure (2 when cuda cannot be used at all).
//
//   node scripts/gpu/conformance.mjs [--seed N] [--backend cuda|native|js] [--filter TEXT] [--verbose]
//                                    [--variants default,heuristic,nondeterministic,tf32]
//
// Inputs are drawn fresh from a seed printed first (--seed repeats a run). Variants of the cuda kernels' options:
// default (fp32, deterministic convolutions chosen by timing), heuristic (convolution algorithms from cuDNN's
// heuristics), nondeterministic (any convolution algorithm), tf32 (TF32 tensor cores in sgemm and the convolutions,
// their tolerances ×100). The variants other than default run the sgemm and convolution cases only.
import { cpuDevice } from '../../dist/src/kernels/device.js';
import { cudaDevice, cudaKernels, cudaUnavailable } from '../../dist/src/kernels/cuda.js';
import { jsKernels } from '../../dist/src/kernels/js/index.js';
import { loadAddon, nativeKernels } from '../../dist/src/kernels/native.js';
import { conformanceCases, runConformance } from '../../dist/test/kernels/conformance.js';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const verbose = process.argv.includes('--verbose');
const seed = Number(option('--seed', String(Date.now() % 2147483647)));
const backendName = option('--backend', 'cuda');
const filter = option('--filter', '');
const variants = option('--variants', 'default,heuristic,nondeterministic,tf32').split(',');

const VARIANTS = {
  default: { options: {}, scale: 1, matmulOnly: false },
  heuristic: { options: { convAlgorithm: 'heuristic' }, scale: 1, matmulOnly: true },
  nondeterministic: { options: { deterministic: false }, scale: 1, matmulOnly: true },
  tf32: { options: { tf32: true }, scale: 100, matmulOnly: true },
};

function backends() {
  if (backendName === 'js') return [{ label: 'js', b: { name: 'js', kernels: jsKernels(), device: cpuDevice } }];
  if (backendName === 'native') {
    const addon = loadAddon();
    if (addon instanceof Error) throw addon;
    return [{ label: 'native', b: { name: 'native', kernels: nativeKernels(addon), device: cpuDevice } }];
  }
  const why = cudaUnavailable();
  if (why) {
    console.log(`cuda: ${why}`);
    process.exit(2);
  }
  const device = cudaDevice(0);
  const info = device.info();
  console.log(
    `device: ${info.name} (compute ${info.computeCapability}, ${info.multiprocessors} SMs, ` +
      `${(info.totalMemory / 2 ** 30).toFixed(1)} GiB); CUDA driver ${info.driverVersion}, runtime ` +
      `${info.runtimeVersion}; cuBLAS ${info.cublasVersion} (${info.cublasPath}); cuDNN ${info.cudnnVersion} ` +
      `(${info.cudnnPath})`,
  );
  return variants.map((v) => {
    const spec = VARIANTS[v];
    if (!spec) throw new Error(`unknown variant ${v} (expected ${Object.keys(VARIANTS).join(', ')})`);
    const b = { name: 'cuda', kernels: cudaKernels(device, spec.options), device, matmulToleranceScale: spec.scale };
    return { label: `cuda ${v}`, b, matmulOnly: spec.matmulOnly };
  });
}

console.log(`seed ${seed} (node scripts/gpu/conformance.mjs --seed ${seed} repeats these inputs)`);
let passed = 0;
let failed = 0;
const started = Date.now();
for (const { label, b, matmulOnly } of backends()) {
  let cases = conformanceCases().filter((c) => c.name.includes(filter));
  if (matmulOnly) cases = cases.filter((c) => c.kernel === 'sgemm' || c.kernel.startsWith('conv2d'));
  const t0 = Date.now();
  runConformance(b, seed, cases, (r) => {
    if (r.ok) {
      passed++;
      if (verbose) console.log(`ok   ${label} | ${r.name} | worst ${r.worst.toExponential(2)}`);
    } else {
      failed++;
      console.log(`FAIL ${label} | ${r.name} | ${r.error}`);
    }
  });
  b.device.synchronize();
  console.log(`${label}: ${cases.length} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
