// Linear and Conv2d with a compressed weight (Parameter.csr) compute what they compute with the masked dense
// weight: forward, input gradient, and the weight gradient at the kept positions; weightGradientRows gives the
// dense weight gradient a block of rows at a time. On both backends.
import { test } from 'node:test';
import { Conv2d } from '../../src/nn/layers/conv.js';
import { Linear } from '../../src/nn/layers/linear.js';
import { assertClose, js, native, randomArray } from '../helpers.js';

type Layer = Linear | Conv2d;

function check(make: () => Layer, inShape: number[], density: number, what: string): void {
  for (const k of [js, native()]) {
    const dense = make().initialize(1).useKernels(k);
    const sparse = make().initialize(1).useKernels(k);
    const w = dense.weight;
    const mask = randomArray(w.size, 7, 0, 1).map((u) => (u < density ? 1 : 0));
    for (let i = 0; i < w.size; i++) w.data[i] *= mask[i];
    sparse.weight.compress(mask);
    const x = {
      data: randomArray(
        inShape.reduce((a, b) => a * b, 1),
        2,
      ),
      shape: inShape,
    };
    const y0 = dense.forward(x);
    const y1 = sparse.forward(x);
    assertClose(y1.data, y0.data, 1e-4, `${what} ${k.name}: forward`);
    const dy = { data: randomArray(y0.data.length, 3), shape: y0.shape };
    dense.zeroGrad();
    sparse.zeroGrad();
    const dx0 = dense.backward(dy).data.slice();
    const dx1 = sparse.backward(dy).data;
    assertClose(dx1, dx0, 1e-4, `${what} ${k.name}: input gradient`);
    assertClose(sparse.weight.grad, sparse.weight.fromDense(w.grad), 1e-4, `${what} ${k.name}: weight gradient`);
    assertClose(sparse.bias!.grad, dense.bias!.grad, 1e-4, `${what} ${k.name}: bias gradient`);
    // dense weight gradient by row blocks, from either storage
    const M = w.shape[0];
    const K = w.size / M;
    for (const layer of [dense, sparse]) {
      const rows = new Float32Array(w.size);
      for (let r0 = 0; r0 < M; r0 += 3) {
        const r1 = Math.min(M, r0 + 3);
        layer.weightGradientRows(r0, r1, rows.subarray(r0 * K, r1 * K));
      }
      assertClose(rows, w.grad, 1e-4, `${what} ${k.name}: weightGradientRows`);
    }
  }
}

test('Linear with a compressed weight equals the masked dense Linear', () => {
  check(() => new Linear(37, 11), [9, 37], 0.2, 'linear 37→11');
  check(() => new Linear(64, 20), [1, 64], 0.05, 'linear 64→20, batch 1');
});

test('Conv2d with a compressed weight equals the masked dense Conv2d', () => {
  check(() => new Conv2d(5, 8, 3, { padding: 1 }), [3, 5, 9, 7], 0.3, 'conv 3×3 pad 1');
  check(() => new Conv2d(6, 10, 3, { stride: 2 }), [2, 6, 11, 11], 0.1, 'conv 3×3 stride 2');
  check(() => new Conv2d(8, 4, 1), [5, 8, 4, 4], 0.5, 'conv 1×1');
});
