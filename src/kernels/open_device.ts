// Opening a device by name: 'cpu', 'cuda' (GPU 0) or 'cuda:N' (device.ts the buffer API, cuda.ts the GPU's).
import { cpuDevice, type Device } from './device.js';
import { cudaDevice, CudaUnavailableError, type CudaDevice } from './cuda.js';

/**
 * The device named by spec: 'cpu', 'cuda' (GPU 0) or 'cuda:N'. A GPU that cannot be used throws a
 * CudaUnavailableError whose message is one line saying why (the CLI prints it and exits 2).
 */
export function openDevice(spec: string): Device | CudaDevice {
  if (spec === 'cpu') return cpuDevice;
  const m = /^cuda(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`unknown device '${spec}' (expected cpu, cuda or cuda:N)`);
  return cudaDevice(m[1] === undefined ? 0 : Number(m[1]));
}

export { cudaDevice, CudaUnavailableError };
export type { CudaDevice };
