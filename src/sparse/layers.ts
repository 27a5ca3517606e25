// Which weights are masked and at what density: the distribution (uniform/ER/ERK), layers kept dense
// (first/last, glob patterns) and explicit per-layer densities. Every pattern must match a layer.
import type { Parameter } from '../nn/module.js';
import { layerDensities, zerosAt } from './distribution.js';
import type { SparseSettings } from './method.js';

/** A glob over weight names: '*' any run of characters (dots included), '?' one character. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function prunableParams(params: [string, Parameter][]): [string, Parameter][] {
  return params.filter(([, p]) => p.prunable);
}

type LayerChoice = Pick<SparseSettings, 'denseFirst' | 'denseLast' | 'denseLayers'>;

function matcher(names: string[]) {
  return (pattern: string, what: string) => {
    const re = globToRegExp(pattern);
    const hits = names.filter((n) => re.test(n));
    if (hits.length === 0)
      throw new Error(`${what} '${pattern}' matches no prunable layer; layers: ${names.join(', ')}`);
    return hits;
  };
}

/** The layers the settings keep dense (first, last, by pattern); throws on a pattern that matches nothing. */
export function denseLayerNames(prunable: [string, Parameter][], s: LayerChoice): Set<string> {
  const names = prunable.map(([n]) => n);
  const matching = matcher(names);
  const dense = new Set<string>();
  if (s.denseFirst && names.length) dense.add(names[0]);
  if (s.denseLast && names.length) dense.add(names[names.length - 1]);
  for (const p of s.denseLayers) for (const n of matching(p, 'dense layer pattern')) dense.add(n);
  return dense;
}

/** Densities of the prunable layers at `sparsity` for the settings; throws on a pattern that matches nothing and
 * on a density that leaves a layer without a single weight. */
export function plannedDensities(
  prunable: [string, Parameter][],
  s: LayerChoice & Pick<SparseSettings, 'distribution' | 'layerDensities' | 'erkPower'>,
  sparsity: number,
): Map<string, number> {
  const names = prunable.map(([n]) => n);
  const matching = matcher(names);
  const dense = denseLayerNames(prunable, s);
  const fixed = new Map<string, number>();
  for (const [p, d] of Object.entries(s.layerDensities)) {
    if (!(d > 0 && d <= 1)) throw new Error(`layer density for '${p}' must be in (0, 1], got ${d}`);
    for (const n of matching(p, 'layer density pattern')) fixed.set(n, d);
  }
  // Explicitly set layers are taken out of the distribution: the others share what remains of the budget.
  const free = prunable.filter(([n]) => !fixed.has(n));
  const total = prunable.reduce((a, [, p]) => a + p.size, 0);
  const fixedKept = prunable.reduce((a, [n, p]) => a + (fixed.has(n) ? fixed.get(n)! * p.size : 0), 0);
  const freeTotal = total - prunable.reduce((a, [n, p]) => a + (fixed.has(n) ? p.size : 0), 0);
  const out = new Map<string, number>();
  if (free.length > 0) {
    const freeSparsity = fixed.size === 0 ? sparsity : 1 - ((1 - sparsity) * total - fixedKept) / freeTotal;
    if (!(freeSparsity >= 0 && freeSparsity < 1))
      throw new Error(
        `the explicit layer densities leave no room for overall sparsity ${sparsity} in the other layers`,
      );
    const shared = layerDensities(
      free.map(([name, p]) => ({ name, shape: p.shape })),
      { sparsity: freeSparsity, distribution: s.distribution, dense, powerScale: s.erkPower },
    );
    for (const [n, d] of shared) out.set(n, d);
  }
  for (const [n, d] of fixed) out.set(n, d);
  for (const [n, p] of prunable) {
    const d = out.get(n)!;
    if (p.size - zerosAt(p.size, d) < 1)
      throw new Error(`density ${+d.toPrecision(4)} leaves ${n} (${p.size} weights) without a single weight`);
  }
  return new Map(names.map((n) => [n, out.get(n)!]));
}
