// Layer-wise densities (SPEC §4): uniform, ER and ERK (RigL's get_sparsities_erdos_renyi), plus explicit
// per-layer densities. A layer's mask then holds exactly round((1 − density)·n) zeros.

export type Distribution = 'uniform' | 'er' | 'erk';
export const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'er', 'erk'];

export interface PrunableLayer {
  name: string;
  /** PyTorch layout: Conv2d [out, in, kh, kw], Linear [out, in]. */
  shape: readonly number[];
}

export interface DensityOptions {
  /** Overall sparsity (1 − density), in [0, 1). */
  sparsity: number;
  distribution: Distribution;
  /** Layers kept dense (density 1), e.g. the first and/or the last. */
  dense?: ReadonlySet<string>;
  /** ERK power scale p (default 1). */
  powerScale?: number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Erdős–Rényi score: (n_in + n_out)/(n_in·n_out) from the weight's first two dims (out, in). */
function erScore(shape: readonly number[]): number {
  return (shape[0] + shape[1]) / (shape[0] * shape[1]);
}

/** ERK score: (Σ of all dims / Π of all dims)^p, kernel dims included. */
function erkScore(shape: readonly number[], power: number): number {
  return (shape.reduce((a, b) => a + b, 0) / prod(shape)) ** power;
}

/**
 * Density per layer. For ER/ERK: ε = (Σ_sparse n_l·d − Σ_dense n_l·(1−d)) / Σ_sparse raw_l·n_l; while some
 * layer would exceed density 1 (max raw_l·ε > 1), every layer with the maximal raw score joins the dense set
 * and ε is solved again; density_l = ε·raw_l (1 for dense layers).
 */
export function layerDensities(layers: readonly PrunableLayer[], o: DensityOptions): Map<string, number> {
  const sp = o.sparsity;
  if (!(sp >= 0 && sp < 1)) throw new Error(`sparsity must be in [0, 1), got ${sp}`);
  const d = 1 - sp;
  const dense = new Set(o.dense ?? []);
  const out = new Map<string, number>();
  if (o.distribution === 'uniform') {
    for (const l of layers) out.set(l.name, dense.has(l.name) ? 1 : d);
    return out;
  }
  const power = o.powerScale ?? 1;
  for (;;) {
    let divisor = 0;
    let rhs = 0;
    const raw = new Map<string, number>();
    for (const l of layers) {
      const n = prod(l.shape);
      if (dense.has(l.name)) {
        rhs -= n * sp;
      } else {
        rhs += n * d;
        const score = o.distribution === 'er' ? erScore(l.shape) : erkScore(l.shape, power);
        raw.set(l.name, score);
        divisor += score * n;
      }
    }
    if (raw.size === 0) break;
    const eps = rhs / divisor;
    if (!(eps > 0))
      throw new Error(
        `density ${d} cannot be reached: the layers kept dense already hold more than that fraction of the weights`,
      );
    const maxRaw = Math.max(...raw.values());
    if (maxRaw * eps > 1) {
      for (const [name, score] of raw) if (score === maxRaw) dense.add(name);
      continue;
    }
    for (const l of layers) out.set(l.name, dense.has(l.name) ? 1 : eps * raw.get(l.name)!);
    return out;
  }
  for (const l of layers) out.set(l.name, 1);
  return out;
}

/** Zeros a layer of n weights at density d holds: round((1 − d)·n). */
export function zerosAt(n: number, density: number): number {
  return Math.round((1 - density) * n);
}
