import { test } from 'node:test';
import { runCli } from '../helpers.js';
import assert from 'node:assert/strict';

const run = (args: string[]) => {
  const r = runCli(args);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
};

test('inspect --json: layers with shapes, params, densities, nnz and FLOPs that add up', () => {
  const r = run(['inspect', '--model', 'lenet5', '--sparsity', '0.9', '--distribution', 'erk', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(
    s.layers.map((l: { name: string }) => l.name),
    ['conv1.weight', 'conv2.weight', 'fc3.weight', 'fc4.weight'],
  );
  const conv1 = s.layers[0];
  assert.deepEqual(conv1.shape, [20, 1, 5, 5]);
  assert.equal(conv1.params, 500);
  // conv1: 24×24 outputs × 20 channels × 25 MACs × 2
  assert.equal(conv1.flops_dense, 2 * 24 * 24 * 20 * 25);
  const fc3 = s.layers[2];
  assert.equal(fc3.flops_dense, 2 * 800 * 500);
  for (const l of s.layers) {
    assert.equal(l.nnz, l.params - Math.round((1 - l.density) * l.params));
    assert.ok(Math.abs(l.flops_sparse - l.flops_dense * l.density) < 1e-6 * l.flops_dense);
  }
  assert.equal(s.params, 500 + 25000 + 400000 + 5000);
  assert.ok(Math.abs(s.density - 0.1) < 1e-3);
  assert.ok(s.flops.forward_sparse < s.flops.forward_dense);
  // Training FLOPs per step ÷ dense (SPEC §4), ΔT 100 by default; --update-interval changes RigL's.
  const { forward_dense: fD, forward_sparse: fS } = s.flops;
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  near(s.training_flops.dense, 1);
  near(s.training_flops.static, fS / fD);
  near(s.training_flops.set, fS / fD);
  near(s.training_flops.rigl, (3 * fS * 100 + 2 * fS + fD) / 101 / (3 * fD));
  near(s.training_flops.snfs, (2 * fS + fD) / (3 * fD));
  const every10 = JSON.parse(
    run(['inspect', '--model', 'lenet5', '--sparsity', '0.9', '--update-interval', '10', '--json']).stdout,
  );
  near(every10.training_flops.rigl, (3 * fS * 10 + 2 * fS + fD) / 11 / (3 * fD));
});

test('inspect: dense model, human table, and bad input', () => {
  const dense = JSON.parse(run(['inspect', '--model', 'resnet18', '--json']).stdout);
  assert.equal(dense.density, 1);
  assert.equal(dense.layers.length, 21); // conv1 + 16 block convs + 3 shortcuts + classifier
  const table = run(['inspect', '--model', 'vgg16', '--sparsity', '0.9']);
  assert.match(table.stdout, /features\.3\.weight\s+\[64, 64, 3, 3\]/);
  const bad = run(['inspect', '--model', 'vgg17']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown model 'vgg17'; valid models:/);
  assert.equal(run(['inspect', '--sparsity', '1.5']).status, 2);
});
