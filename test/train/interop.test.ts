// Interop with the real PyTorch (Debian's python3-torch, installed by .ci/run): a checkpoint written here
// loads into the PyTorch module with load_state_dict(strict=True) and predicts the same logits — a sparse-trained
// one too, whose masks and method state python/interop_check.py sets aside — and so do the AT tweak's variants
// (SPEC §9: swish or mish in every ReLU's place, the BasicBlocks' jump paths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createModel, modelInputShape, type Architecture } from '../../src/models/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss.js';
import { SGD } from '../../src/optim/sgd.js';
import { loadModelState, readCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { applyTicket, loadTicket } from '../../src/tickets/ticket.js';
import { assertClose, native, needs, randomArray, randomInts, runCli } from '../helpers.js';

const script = fileURLToPath(new URL('../../../python/interop_check.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'st-interop-'));
const k = native();

const cases: [string, number, Architecture][] = [
  ['lenet300', 1, {}],
  ['lenet5', 1, {}],
  ['vgg16', 0.125, {}],
  ['resnet20', 0.5, {}],
  ['resnet18', 0.125, {}],
  ['wrn-16-8', 0.125, {}],
  ['mobilenet', 0.125, {}],
  ['resnet20', 0.5, { activation: 'swish', extraSkips: true }],
  ['resnet18', 0.125, { activation: 'mish', extraSkips: true }],
  ['resnet34', 0.0625, { extraSkips: true }],
  ['vgg16', 0.125, { activation: 'swish' }],
  ['lenet300', 1, { activation: 'mish' }],
];

for (const [name, width, arch] of cases) {
  const variant = arch.activation || arch.extraSkips ? ` [${JSON.stringify(arch)}]` : '';
  test(
    `${name} (width ${width})${variant}: checkpoint loads strictly into PyTorch and gives the same predictions`,
    { skip: needs({ torch: true }) },
    () => {
      const model = createModel(name, { width, seed: 3, ...arch }).useKernels(k);
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
      const ckpt = join(
        dir,
        `${name}${variant ? `-${arch.activation ?? 'relu'}${arch.extraSkips ? '-skips' : ''}` : ''}.safetensors`,
      );
      saveCheckpoint(ckpt, { model, optimizer: sgd, modelName: name });
      const x = randomArray(n, 99);
      model.eval();
      const ours = model.forward({ data: x, shape }).data.slice();
      assertSamePredictions(name, ours, pytorchLogits(ckpt, name, width, shape, x, false, arch), shape[0]);
    },
  );
}

test('lenet300 trained with --method snfs: the masked checkpoint loads strictly into PyTorch, same predictions', () => {
  const runs = join(dir, 'runs');
  const r = runCli(
    [
      ...['train', '--dataset', 'synthetic', '--model', 'lenet300', '--epochs', '1', '--batch', '64'],
      ...['--method', 'snfs', '--update-interval', '2', '--runs-dir', runs, '--name', 'snfs', '--quiet'],
    ],
    { SPARSETICKETS_THREADS: '2' },
  );
  assert.equal(r.code, 0, r.stderr);
  const ckpt = join(runs, 'snfs', 'checkpoints', 'last.safetensors');
  const ck = readCheckpoint(ckpt);
  // What the PyTorch side has to set aside: masks, the optimiser's and SNFS's own state.
  assert.ok(ck.extra.has('fc1.weight.mask') && ck.extra.has('sparse.snfs_momentum.fc1.weight'));
  assert.ok(ck.optimizerState.size > 0);
  const w = ck.modelState.get('fc1.weight')!.data as Float32Array;
  assert.ok(w.filter((v) => v === 0).length > 0.8 * w.length, 'fc1.weight is sparse');

  const model = createModel('lenet300').useKernels(k);
  loadModelState(model, ck);
  model.eval();
  const shape = [8, ...modelInputShape('lenet300')];
  const x = randomArray(
    shape.reduce((a, b) => a * b, 1),
    98,
  );
  const ours = model.forward({ data: x, shape }).data.slice();
  assertSamePredictions('snfs lenet300', ours, pytorchLogits(ckpt, 'lenet300', 1, shape, x), shape[0]);
});

test('resnet20 + Sup-tickets: model.safetensors and every ticket load strictly into PyTorch as they are (no filtering), same predictions', () => {
  const runs = join(dir, 'runs');
  const r = runCli([
    ...['train', '--dataset', 'synthetic', '--model', 'resnet20', '--width', '0.25', '--epochs', '2', '--batch', '64'],
    ...['--method', 'rigl', '--update-interval', '2', '--booster', 'suptickets', '--cycle-epochs', '1'],
    ...['--cycle-rate', '0.5', '--superpose', 'caa', '--runs-dir', runs, '--name', 'sup', '--quiet', '--threads', '1'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  // The synthetic dataset's images are 1×28×28.
  const shape = [4, 1, 28, 28];
  const x = randomArray(4 * 28 * 28, 97);
  for (const file of ['model.safetensors', 'tickets/cheap-1.safetensors', 'tickets/ultimate.safetensors']) {
    const path = join(runs, 'sup', file);
    const ticket = loadTicket(path);
    assert.ok(ticket.masks.size > 0, `${file} carries masks`);
    const model = createModel('resnet20', { width: 0.25, inputShape: [1, 28, 28] }).useKernels(k);
    applyTicket(model, ticket);
    model.eval();
    const ours = model.forward({ data: x, shape }).data.slice();
    assertSamePredictions(file, ours, pytorchLogits(path, 'resnet20', 0.25, shape, x, true), shape[0]);
  }
});

/** The logits of the PyTorch module loaded (strictly) from a checkpoint, on input x; `noFilter`: every tensor of
 * the file goes to load_state_dict, as a user's load_file would give them. */
function pytorchLogits(
  ckpt: string,
  name: string,
  width: number,
  shape: number[],
  x: Float32Array,
  noFilter = false,
  arch: Architecture = {},
): number[] {
  const input = `${ckpt}.input.f32`;
  writeFileSync(input, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const r = spawnSync(
    '/usr/bin/python3',
    [
      ...[script, ckpt, input, '--model', name, '--width', String(width), '--shape', ...shape.map(String)],
      ...(noFilter ? ['--no-filter'] : []),
      ...(arch.activation ? ['--activation', arch.activation] : []),
      ...(arch.extraSkips ? ['--extra-skips'] : []),
    ],
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
  return theirs.logits;
}

function assertSamePredictions(name: string, ours: Float32Array, theirs: number[], n: number): void {
  assertClose(ours, theirs, 1e-4, `${name} logits`);
  for (let i = 0; i < n; i++) {
    const row = (a: ArrayLike<number>) => Array.from({ length: 10 }, (_, c) => a[i * 10 + c]);
    const argmax = (v: number[]) => v.indexOf(Math.max(...v));
    assert.equal(argmax(row(ours)), argmax(row(theirs)), `${name}: prediction of sample ${i}`);
  }
}
