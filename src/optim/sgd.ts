// SGD with momentum, dampening, Nesterov and (coupled) weight decay, exactly as torch.optim.SGD
// (SPEC §3). Optimiser state lives here, separate from the modules, keyed by parameter name.
import type { Kernels, SgdOptions } from '../kernels/kernels.js';
import type { Optimizer } from './optimizer.js';

export interface OptimParam {
  data: Float32Array;
  grad: Float32Array;
  /** For parameters whose storage may be compressed (nn's Parameter): state ↔ the dense layout. */
  toDense?(values: Float32Array): Float32Array;
  fromDense?(dense: Float32Array): Float32Array;
}

/** A state buffer of p in p's dense layout. */
export function denseState(p: OptimParam, b: Float32Array): Float32Array {
  return p.toDense ? p.toDense(b) : b;
}

/** A dense-layout state tensor in p's current storage layout. */
export function storedState(p: OptimParam, dense: Float32Array): Float32Array {
  return p.fromDense && dense.length !== p.data.length ? p.fromDense(dense) : dense;
}

export class SGD implements Optimizer {
  readonly kind = 'sgd';
  readonly options: SgdOptions;
  /** Momentum buffers by parameter name (absent before a parameter's first step). */
  readonly momentum = new Map<string, Float32Array>();
  private readonly params: [string, OptimParam][];

  constructor(
    private readonly kernels: Kernels,
    params: Iterable<[string, OptimParam]>,
    options: Partial<SgdOptions> & { lr: number },
  ) {
    this.params = [...params];
    this.options = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...options };
    const o = this.options;
    if (!(o.lr >= 0)) throw new Error(`SGD: learning rate must be ≥ 0, got ${o.lr}`);
    if (!(o.momentum >= 0)) throw new Error(`SGD: momentum must be ≥ 0, got ${o.momentum}`);
    if (!(o.weightDecay >= 0)) throw new Error(`SGD: weight decay must be ≥ 0, got ${o.weightDecay}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0))
      throw new Error('SGD: Nesterov momentum requires momentum > 0 and dampening = 0');
  }

  /** One update of every parameter; `lr` overrides the configured rate (schedules set it per iteration). */
  step(lr = this.options.lr): void {
    const opt = lr === this.options.lr ? this.options : { ...this.options, lr };
    for (const [name, p] of this.params) {
      let buf = this.momentum.get(name);
      const first = buf === undefined;
      if (buf === undefined) {
        buf = new Float32Array(p.data.length);
        this.momentum.set(name, buf);
      }
      this.kernels.sgdUpdate(p.data, p.grad, buf, opt, first);
    }
  }

  buffers(name: string): Float32Array[] {
    const b = this.momentum.get(name);
    return b ? [b] : [];
  }

  remapState(name: string, f: (b: Float32Array) => Float32Array): void {
    const b = this.momentum.get(name);
    if (b) this.momentum.set(name, f(b));
  }

  stateTensors(): Map<string, Float32Array> {
    const byName = new Map(this.params);
    return new Map(
      [...this.momentum].map(([name, buf]) => [`momentum_buffer.${name}`, denseState(byName.get(name)!, buf)]),
    );
  }

  loadStateTensors(t: Map<string, Float32Array>): void {
    this.momentum.clear();
    const names = new Set(this.params.map(([n]) => n));
    for (const [key, buf] of t) {
      const name = key.replace(/^momentum_buffer\./, '');
      if (!key.startsWith('momentum_buffer.') || !names.has(name)) throw new Error(`SGD: unexpected state '${key}'`);
      this.momentum.set(name, storedState(this.params.find(([n]) => n === name)![1], buf));
    }
  }

  saveScalars(): Record<string, number> {
    return {};
  }

  loadScalars(): void {}
}
