// Binary masks over the prunable weights (Conv2d/Linear weights, SPEC §4) and the mask discipline applied
// every step: gradients of pruned weights are zeroed before the optimiser step, weights and momentum are
// multiplied by the mask after it, so pruned weights never move. Masks are 0/1 Float32Arrays (the engine
// multiplies by them); checkpoints store them as uint8 tensors '<param>.mask'.
// A layer can also run compressed (truly sparse execution): its weight then lives in CSR (Parameter.csr), the
// pattern IS the mask, and mask is null — no dense array of the layer's size is kept.
import type { Kernels } from '../kernels/kernels.js';
import type { Parameter } from '../nn/module.js';
import { countNonzeros } from '../util/nonzeros.js';
import { Rng } from '../util/rng.js';
import type { TensorMap } from '../util/safetensors.js';
import { zerosAt } from './distribution.js';

export interface MaskedLayer {
  name: string;
  param: Parameter;
  /** The 0/1 mask, or null while the weight is compressed (its CSR pattern is the mask). */
  mask: Float32Array | null;
}

/** The optimiser state of a parameter, to be moved along when a layer changes layout. */
export type RemapState = (name: string, f: (b: Float32Array) => Float32Array) => void;

export class Masks {
  readonly layers: MaskedLayer[];
  private readonly byName: Map<string, MaskedLayer>;

  constructor(layers: MaskedLayer[]) {
    this.layers = layers;
    this.byName = new Map(layers.map((l) => [l.name, l]));
  }

  /** Masks with exactly round((1 − d_l)·n_l) zeros per layer, chosen by a seeded shuffle (not Bernoulli draws). */
  static random(params: [string, Parameter][], densities: Map<string, number>, seed: number): Masks {
    return new Masks(
      params
        .filter(([name]) => densities.has(name))
        .map(([name, param]) => {
          const n = param.size;
          const mask = new Float32Array(n).fill(1);
          const order = Rng.derive(seed, `mask:${name}`).permutation(n);
          const zeros = zerosAt(n, densities.get(name)!);
          for (let i = 0; i < zeros; i++) mask[order[i]] = 0;
          return { name, param, mask };
        }),
    );
  }

  get(name: string): MaskedLayer | undefined {
    return this.byName.get(name);
  }

  nnz(layer: MaskedLayer): number {
    const W = layer.param.csr;
    return W ? W.rowPtr[W.M] : countNonzeros(layer.mask!);
  }

  /** The layer's mask as a dense 0/1 array (a new one for a compressed layer). */
  denseMask(layer: MaskedLayer): Float32Array {
    if (layer.mask) return layer.mask;
    const W = layer.param.csr!;
    const mask = new Float32Array(layer.param.size);
    for (let r = 0; r < W.M; r++) for (let j = W.rowPtr[r]; j < W.rowPtr[r + 1]; j++) mask[r * W.K + W.colIdx[j]] = 1;
    return mask;
  }

  /** Stores the layer's weight compressed (CSR of the kept positions) and its optimiser state in the same order. */
  compress(layer: MaskedLayer, remap?: RemapState): void {
    if (!layer.mask) return;
    layer.param.compress(layer.mask);
    remap?.(layer.name, (b) => layer.param.fromDense(b));
    layer.mask = null;
  }

  /** Back to a dense weight with a mask. */
  decompress(layer: MaskedLayer, remap?: RemapState): void {
    if (layer.mask) return;
    const mask = this.denseMask(layer);
    remap?.(layer.name, (b) => layer.param.toDense(b));
    layer.param.decompress();
    layer.mask = mask;
  }

  /** Per-layer and overall density. */
  densities(): { layers: Map<string, number>; overall: number } {
    const layers = new Map<string, number>();
    let kept = 0;
    let total = 0;
    for (const l of this.layers) {
      const nnz = this.nnz(l);
      layers.set(l.name, nnz / l.param.size);
      kept += nnz;
      total += l.param.size;
    }
    return { layers, overall: total ? kept / total : 1 };
  }

  /** Compressed layers need nothing: their gradients and weights exist only at the kept positions. */
  maskGradients(k: Kernels): void {
    for (const l of this.layers) if (l.mask) k.mul(l.param.grad, l.param.grad, l.mask);
  }

  /** Weights and (when given) the optimiser's per-parameter buffers, e.g. SGD momentum. */
  maskWeights(k: Kernels, buffers?: (name: string) => Float32Array[]): void {
    for (const l of this.layers) {
      if (!l.mask) continue;
      k.mul(l.param.data, l.param.data, l.mask);
      for (const b of buffers?.(l.name) ?? []) k.mul(b, b, l.mask);
    }
  }

  stateTensors(): TensorMap {
    const out: TensorMap = new Map();
    for (const l of this.layers) {
      out.set(`${l.name}.mask`, { dtype: 'U8', shape: [...l.param.shape], data: Uint8Array.from(this.denseMask(l)) });
    }
    return out;
  }

  loadStateTensors(t: TensorMap): void {
    for (const l of this.layers) {
      const m = t.get(`${l.name}.mask`);
      if (!m) throw new Error(`checkpoint has no mask '${l.name}.mask'`);
      if (!l.mask) throw new Error(`masks: '${l.name}' is compressed; load masks before compressing`);
      if (m.data.length !== l.mask.length)
        throw new Error(`mask '${l.name}.mask' has ${m.data.length} entries, expected ${l.mask.length}`);
      for (let i = 0; i < l.mask.length; i++) l.mask[i] = Number(m.data[i]) ? 1 : 0;
    }
  }
}
