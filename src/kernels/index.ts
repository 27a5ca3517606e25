// Backend selection: the native addon when it is built, else the TypeScript reference with a loud
// one-time warning. `backend: 'native'` makes a missing addon an error; `backend: 'js'` forces the reference.
// The GPU is chosen only through an explicit device: getKernels(backend, threads, cudaDevice(i)) gives the cuda
// kernels on that device's arrays (cuda.ts); cudaDevice throws a CudaUnavailableError (one line) where it cannot.
import type { Kernels } from './kernels.js';
import type { Device } from './device.js';
import { CudaDevice, cudaKernels, type CudaKernels } from './cuda.js';
import { jsKernels } from './js/index.js';
import { loadAddon, nativeKernels } from './native.js';

export type Backend = 'auto' | 'native' | 'js';
export const BACKENDS: readonly Backend[] = ['auto', 'native', 'js'];

let cached: Kernels | undefined;
let cachedBackend: Backend | undefined;
let warned = false;

const cudaCached = new Map<CudaDevice, CudaKernels>();

export function getKernels(backend?: Backend, threads?: number): Kernels;
export function getKernels(backend: Backend, threads: number | undefined, device: CudaDevice): CudaKernels;
export function getKernels(backend: Backend, threads: number | undefined, device: Device): Kernels;
export function getKernels(
  backend: Backend = 'auto',
  threads?: number,
  device?: Device | CudaDevice,
): Kernels | CudaKernels {
  if (device instanceof CudaDevice) {
    if (backend !== 'auto')
      throw new Error(
        `--backend ${backend} runs on the CPU; a cuda device runs the cuda kernels (leave --backend auto)`,
      );
    let k = cudaCached.get(device);
    if (!k) cudaCached.set(device, (k = cudaKernels(device)));
    return k;
  }
  if (!cached || cachedBackend !== backend) {
    cached = selectKernels(backend);
    cachedBackend = backend;
  }
  const envThreads = Number(process.env.SPARSETICKETS_THREADS);
  const want = threads ?? (Number.isInteger(envThreads) && envThreads > 0 ? envThreads : undefined);
  if (want !== undefined && cached.threads() !== want) {
    cached.setThreads(want);
    // The system may refuse threads (a process limit): the pool then runs with those it got, said once here.
    const got = cached.threads();
    if (got < want)
      process.stderr.write(
        `sparsetickets: could start only ${got} of the ${want} threads asked for (a system limit on threads); continuing with ${got}\n`,
      );
  }
  return cached;
}

function selectKernels(backend: Backend): Kernels {
  if (backend === 'js') return jsKernels();
  const addon = loadAddon();
  if (!(addon instanceof Error)) return nativeKernels(addon);
  if (backend === 'native') throw new Error(`--backend native: ${addon.message}`);
  if (!warned) {
    warned = true;
    process.stderr.write(
      `\n*** sparsetickets WARNING: ${addon.message}.\n` +
        '*** Falling back to the plain TypeScript kernels, which are 10-100x slower. ' +
        'Pass --backend native to make this an error.\n\n',
    );
  }
  return jsKernels();
}

export type { Kernels } from './kernels.js';
export type { CudaKernels } from './cuda.js';
