import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_NAMES, createModel } from '../../src/models/index.js';
import { layerDensities, type PrunableLayer } from '../../src/sparse/distribution.js';

/** A direct transcription of RigL's get_sparsities_erdos_renyi (SPEC §4), independent of the implementation. */
function rigLErk(layers: PrunableLayer[], sparsity: number, dense: Set<string>, er: boolean): Map<string, number> {
  const denseSet = new Set(dense);
  for (;;) {
    let divisor = 0;
    let rhs = 0;
    const raw: Record<string, number> = {};
    for (const { name, shape } of layers) {
      const nParam = shape.reduce((a, b) => a * b, 1);
      if (denseSet.has(name)) rhs -= nParam * sparsity;
      else {
        rhs += nParam * (1 - sparsity);
        raw[name] = er ? (shape[0] + shape[1]) / (shape[0] * shape[1]) : shape.reduce((a, b) => a + b, 0) / nParam;
        divisor += raw[name] * nParam;
      }
    }
    const eps = rhs / divisor;
    const maxProb = Math.max(...Object.values(raw));
    if (maxProb * eps > 1) {
      for (const [name, p] of Object.entries(raw)) if (p === maxProb) denseSet.add(name);
    } else {
      return new Map(layers.map(({ name }) => [name, denseSet.has(name) ? 1 : eps * raw[name]]));
    }
  }
}

const prunable = (model: string, width = 1) =>
  createModel(model, { width })
    .namedParameters()
    .filter(([, p]) => p.prunable)
    .map(([name, p]) => ({ name, shape: p.shape }));

test('ERK and ER densities equal a direct transcription of the formula for the zoo', () => {
  for (const model of MODEL_NAMES) {
    const layers = prunable(model);
    for (const sparsity of [0.5, 0.8, 0.9, 0.95, 0.98]) {
      for (const [distribution, er] of [
        ['erk', false],
        ['er', true],
      ] as const) {
        const got = layerDensities(layers, { sparsity, distribution });
        const want = rigLErk(layers, sparsity, new Set(), er);
        for (const { name } of layers)
          assert.equal(got.get(name), want.get(name), `${model} ${distribution} ${sparsity} ${name}`);
        // The overall density is met: Σ n_l·d_l = (1 − s)·Σ n_l.
        const n = layers.map((l) => l.shape.reduce((a, b) => a * b, 1));
        const kept = layers.reduce((s, l, i) => s + n[i] * got.get(l.name)!, 0);
        const total = n.reduce((a, b) => a + b, 0);
        assert.ok(
          Math.abs(kept / total - (1 - sparsity)) < 1e-9,
          `${model} ${distribution} ${sparsity}: density ${kept / total}`,
        );
        assert.ok([...got.values()].every((d) => d > 0 && d <= 1));
      }
    }
  }
});

test('ERK with dense first/last layers; uniform; impossible requests are errors', () => {
  const layers = prunable('vgg16');
  const dense = new Set([layers[0].name, layers[layers.length - 1].name]);
  const got = layerDensities(layers, { sparsity: 0.9, distribution: 'erk', dense });
  const want = rigLErk(layers, 0.9, dense, false);
  assert.deepEqual(got, want);
  assert.equal(got.get(layers[0].name), 1);
  const uniform = layerDensities(layers, { sparsity: 0.7, distribution: 'uniform', dense });
  assert.equal(uniform.get(layers[3].name), 1 - 0.7);
  assert.equal(uniform.get(layers[0].name), 1);
  assert.throws(() => layerDensities(layers, { sparsity: 1, distribution: 'erk' }), /sparsity must be in \[0, 1\)/);
  const tiny = [
    { name: 'a', shape: [1000, 1000] },
    { name: 'b', shape: [10, 10] },
  ];
  assert.throws(
    () => layerDensities(tiny, { sparsity: 0.9999, distribution: 'erk', dense: new Set(['a']) }),
    /cannot be reached/,
  );
});
