// AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW: decoupled weight decay p ← p − lr·wd·p, then
// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
import type { Optimizer } from './optimizer.js';
import { denseState, storedState, type OptimParam } from './sgd.js';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW implements Optimizer {
  readonly kind = 'adamw';
  readonly options: AdamWOptions;
  private readonly params: [string, OptimParam][];
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  private t = 0;

  constructor(params: Iterable<[string, OptimParam]>, options: Partial<AdamWOptions> & { lr: number }) {
    this.params = [...params];
    this.options = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, ...options };
    const o = this.options;
    if (!(o.lr >= 0)) throw new Error(`AdamW: learning rate must be ≥ 0, got ${o.lr}`);
    if (!(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1))
      throw new Error('AdamW: betas must be in [0, 1)');
    if (!(o.weightDecay >= 0)) throw new Error(`AdamW: weight decay must be ≥ 0, got ${o.weightDecay}`);
    for (const [name, p] of this.params) {
      this.m.set(name, new Float32Array(p.data.length));
      this.v.set(name, new Float32Array(p.data.length));
    }
  }

  step(lr = this.options.lr): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    const decay = 1 - lr * weightDecay;
    for (const [name, p] of this.params) {
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      const w = p.data;
      const g = p.grad;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        w[i] = w[i] * decay - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }

  buffers(name: string): Float32Array[] {
    return [this.m.get(name), this.v.get(name)].filter((b): b is Float32Array => b !== undefined);
  }

  remapState(name: string, f: (b: Float32Array) => Float32Array): void {
    for (const slot of [this.m, this.v]) {
      const b = slot.get(name);
      if (b) slot.set(name, f(b));
    }
  }

  stateTensors(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of this.params) {
      out.set(`exp_avg.${name}`, denseState(p, this.m.get(name)!));
      out.set(`exp_avg_sq.${name}`, denseState(p, this.v.get(name)!));
    }
    return out;
  }

  loadStateTensors(t: Map<string, Float32Array>): void {
    for (const [key, buf] of t) {
      const [slot, ...rest] = key.split('.');
      const name = rest.join('.');
      const target = slot === 'exp_avg' ? this.m : slot === 'exp_avg_sq' ? this.v : undefined;
      if (!target?.has(name)) throw new Error(`AdamW: unexpected state '${key}'`);
      target.set(name, storedState(this.params.find(([n]) => n === name)![1], buf).slice());
    }
  }

  saveScalars(): Record<string, number> {
    return { step: this.t };
  }

  loadScalars(s: Record<string, number>): void {
    this.t = s.step ?? 0;
  }
}
