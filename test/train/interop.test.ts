// Interop with the real PyTorch (Debian's python3-torch, installed by .ci/run): a checkpoint written here
// loads into the PyTorch module with load_state_dict(strict=True) and predicts the same logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, modelInputShape } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { SGD } from '../../src/optim/sgd.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { assertClose, native, randomArray, randomInts } from '../helpers.js';

const script = fileURLToPath(new URL('../../../python/interop_check.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'st-interop-'));
const k = native();

const cases: [string, number][] = [
  ['lenet300', 1],
  ['lenet5', 1],
  ['vgg16', 0.125],
  ['resnet20', 0.5],
  ['resnet18', 0.125],
  ['wrn-16-8', 0.125],
  ['mobilenet', 0.125],
];

for (const [name, width] of cases) {
  test(`${name} (width ${width}): checkpoint loads strictly into PyTorch and gives the same predictions`, () => {
    const model = createModel(name, { width, seed: 3 }).useKernels(k);
    const shape = [8, ...modelInputShape(name)];
    const n = shape.reduce((a, b) => a * b, 1);
    // A few training steps so that BatchNorm running statistics and weights are not at their init.
    const sgd = new SGD(k, model.namedParameters(), { lr: 0.05, momentum: 0.9 });
    const ce = new CrossEntropyLoss(0, k);
    model.train();
    for (let s = 0; s < 3; s++) {
      model.zeroGrad();
      const logits = model.forward({ data: randomArray(n, 10 + s), shape });
      model.backward(ce.compute(logits, randomInts(shape[0], 20 + s, 10)).dlogits);
      sgd.step();
    }
    const ckpt = join(dir, `${name}.safetensors`);
    saveCheckpoint(ckpt, { model, optimizer: sgd, modelName: name });
    const x = randomArray(n, 99);
    const input = join(dir, `${name}.f32`);
    writeFileSync(input, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    model.eval();
    const ours = model.forward({ data: x, shape }).data.slice();
    const r = spawnSync(
      '/usr/bin/python3',
      [script, ckpt, input, '--model', name, '--width', String(width), '--shape', ...shape.map(String)],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(
      r.status,
      0,
      `PyTorch side failed (is python3-torch installed? apt-get install -y python3-torch):\n${r.stderr}`,
    );
    const theirs = JSON.parse(r.stdout) as { logits: number[]; shape: number[] };
    assert.deepEqual(theirs.shape, [shape[0], 10]);
    assertClose(ours, theirs.logits, 1e-4, `${name} logits`);
    for (let i = 0; i < shape[0]; i++) {
      const row = (a: ArrayLike<number>) => Array.from({ length: 10 }, (_, c) => a[i * 10 + c]);
      const argmax = (v: number[]) => v.indexOf(Math.max(...v));
      assert.equal(argmax(row(ours)), argmax(row(theirs.logits)), `${name}: prediction of sample ${i}`);
    }
  });
}
