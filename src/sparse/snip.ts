// SNIP (Lee et al. 2019, "Single-shot network pruning based on connection sensitivity"; SPEC §4): prune once at
// initialisation by the connection sensitivity |g·w| from one batch. The paper normalises the scores by their
// sum, which does not change the ranking, so it is left out.
import { zerosAt } from './distribution.js';
import { topKIndices, topKSegments } from './topk.js';

interface SnipLayer {
  name: string;
  weight: Float32Array;
  grad: Float32Array;
}

/** 0/1 masks keeping, per layer, n_l − round((1 − density_l)·n_l) weights of largest |g·w| ('layerwise', the
 * same counts as the random ERK masks), or the top Σ_l of those counts over all layers together ('global', the
 * densities then only fix the total). Ties by lower index, and earlier layer for 'global'; scores are float32. */
export function snipMasks(
  layers: SnipLayer[],
  densities: Map<string, number>,
  mode: 'layerwise' | 'global',
): Map<string, Float32Array> {
  if (mode !== 'layerwise' && mode !== 'global') throw new Error(`snipMasks: unknown mode '${mode as string}'`);
  const scores = layers.map(sensitivity);
  const counts = layers.map(({ name, weight }) => {
    const d = densities.get(name);
    if (d === undefined) throw new Error(`snipMasks: no density for layer '${name}'`);
    if (!(d >= 0 && d <= 1)) throw new Error(`snipMasks: density of '${name}' must be in [0, 1], got ${d}`);
    return weight.length - zerosAt(weight.length, d);
  });
  const kept =
    mode === 'layerwise'
      ? scores.map((s, l) => topKIndices(s, counts[l], true))
      : topKSegments(
          scores.map((s) => ({ scores: s })),
          counts.reduce((a, b) => a + b, 0),
          true,
        );
  return new Map(
    layers.map(({ name, weight }, l) => {
      const mask = new Float32Array(weight.length);
      for (const i of kept[l]) mask[i] = 1;
      return [name, mask];
    }),
  );
}

function sensitivity({ name, weight, grad }: SnipLayer): Float32Array {
  if (grad.length !== weight.length)
    throw new Error(`snipMasks: '${name}' grad ${grad.length} != weight ${weight.length}`);
  const s = new Float32Array(weight.length);
  for (let i = 0; i < s.length; i++) s[i] = Math.abs(grad[i] * weight[i]);
  return s;
}
