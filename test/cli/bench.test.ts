import { test } from 'node:test';
import { runCli } from '../helpers.js';
import assert from 'node:assert/strict';

const run = runCli;

test('bench --json prints one object with the fields the checks rely on', () => {
  const r = run([
    'bench',
    '--model',
    'lenet300',
    '--batch',
    '16',
    '--threads',
    '1',
    '--steps',
    '3',
    '--warmup',
    '1',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'stdout must hold exactly one JSON document');
  const o = JSON.parse(lines[0]);
  for (const key of ['model', 'batch', 'threads', 'mode', 'sparsity', 'steps', 'ms_per_step', 'samples_per_s'])
    assert.ok(key in o, `missing ${key}`);
  assert.equal(o.model, 'lenet300');
  assert.equal(o.batch, 16);
  assert.equal(o.threads, 1);
  assert.equal(o.mode, 'dense');
  assert.equal(o.steps, 3);
  assert.ok(o.ms_per_step > 0);
  assert.ok(Math.abs(o.samples_per_s - (16 / o.ms_per_step) * 1000) / o.samples_per_s < 1e-3);
});

test('bench --sparsity selects masked mode', () => {
  const r = run([
    'bench',
    '--model',
    'lenet300',
    '--batch',
    '8',
    '--steps',
    '1',
    '--warmup',
    '0',
    '--sparsity',
    '0.9',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.mode, 'masked');
  assert.equal(o.sparsity, 0.9);
});

test('bad input: one line, exit code 2, valid names listed', () => {
  const unknownModel = run(['bench', '--model', 'alexnet']);
  assert.equal(unknownModel.code, 2);
  assert.match(unknownModel.stderr, /unknown model 'alexnet'; valid models: .*lenet300.*vgg16.*resnet18/);
  assert.equal(unknownModel.stderr.trim().split('\n').length, 1);

  const unknownOption = run(['bench', '--modle', 'vgg16']);
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /--modle.*valid options: .*--model/);

  const unknownCommand = run(['trian']);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command 'trian'; valid commands: .*bench/);

  for (const [args, pattern] of [
    [['--sparsity', '1'], /--sparsity must be < 1/],
    [['--sparsity', '-0.1'], /--sparsity must be ≥ 0/],
    [['--batch', '0'], /--batch must be ≥ 1/],
    [['--batch', '2.5'], /--batch must be an integer/],
    [['--mode', 'fast'], /--mode 'fast' is not one of: dense, masked, sparse, auto/],
    [['--mode', 'dense', '--sparsity', '0.5'], /--mode dense has no masks/],
    [
      ['--model', 'mobilenet', '--sparsity', '0.9', '--mode', 'sparse'],
      /^sparsetickets: bench: --mode sparse: layer layers\.0\.conv1\.weight cannot run sparse: it is a grouped convolution/,
    ],
  ] as const) {
    const r = run(['bench', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});

test('bench --mode sparse and auto time RigL steps with the update amortised; auto reports its choices', () => {
  for (const mode of ['masked', 'sparse', 'auto']) {
    const args = ['bench', '--model', 'lenet300', '--batch', '16', '--steps', '3', '--warmup', '1'];
    const r = run([...args, '--sparsity', '0.9', '--mode', mode, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.mode, mode);
    assert.ok(j.ms_update_step > 0 && j.ms_plain_step > 0 && j.peak_rss_mb > 0);
    const { gradient, selection, rebuild } = j.update_ms;
    assert.ok(selection > 0 && gradient + selection + rebuild <= j.ms_update_step, JSON.stringify(j.update_ms));
    // Only compressed layers compute their dense gradient and rebuild their pattern at the update.
    if (mode === 'sparse') assert.ok(gradient > 0 && rebuild > 0);
    if (mode === 'masked') assert.ok(gradient === 0 && rebuild === 0);
    assert.ok(j.ms_after_update_step > 0);
    const excess = j.ms_update_step - j.ms_plain_step + (j.ms_after_update_step - j.ms_plain_step);
    const amortised = j.ms_plain_step + excess / 100;
    assert.ok(Math.abs(j.ms_per_step - amortised) < 2e-3, `${j.ms_per_step} vs ${amortised}`);
    if (mode === 'auto') {
      for (const layer of ['fc1.weight', 'fc2.weight', 'fc3.weight']) {
        assert.match(
          r.stderr,
          new RegExp(`auto: ${layer} density [0-9.]+: masked [0-9.]+ ms, sparse [0-9.]+ ms → (masked|sparse)`),
        );
        assert.ok(['masked', 'sparse'].includes(j.layers[layer]));
      }
    }
  }
});

test('bench: in sparse mode the training state of the masked layers shrinks with their density', () => {
  const state = (sparsity: number, mode: string) => {
    const args = ['bench', '--model', 'lenet300', '--batch', '16', '--steps', '2', '--warmup', '1', '--json'];
    const r = run([...args, '--sparsity', String(sparsity), '--mode', mode]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.step_peak_rss_mb > 0, 'the peak RSS of the timed steps is reported');
    return j.state_mb as number;
  };
  const dense = state(0, 'dense');
  // dense: weight, gradient, momentum (12 bytes a weight); masked adds a float mask; compressed: per nonzero its
  // value, gradient, momentum, column, and the CSC view's row and value position (24 bytes), about 2·density·dense.
  assert.ok(Math.abs(state(0.9, 'masked') / dense - 16 / 12) < 0.01);
  const at90 = state(0.9, 'sparse') / dense;
  const at98 = state(0.98, 'sparse') / dense;
  assert.ok(at90 > 0.15 && at90 < 0.25, `state at density 0.1: ${at90} of dense`);
  assert.ok(at98 > 0.03 && at98 < 0.06, `state at density 0.02: ${at98} of dense`);
});

test('bench --profile splits the step by kind of layer; compressed layers are their own kind', () => {
  const args = ['bench', '--model', 'lenet300', '--batch', '16', '--steps', '3', '--warmup', '1', '--profile'];
  const r = run([...args, '--sparsity', '0.9', '--mode', 'sparse', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j.profile).sort(), ['Activation', 'Flatten', 'Linear compressed', 'other']);
  const total = Object.values(j.profile as Record<string, { forward_ms: number; backward_ms: number }>).reduce(
    (a, t) => a + t.forward_ms + t.backward_ms,
    0,
  );
  assert.ok(total > 0 && total <= 1.5 * j.ms_max, `profiled ${total} ms of steps of at most ${j.ms_max} ms`);
  const human = run([...args, '--model', 'lenet5']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stderr, /^Conv2d +[0-9.]+ +[0-9.]+$/m);
});

test('bench --help explains the options', () => {
  const r = run(['bench', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: sparsetickets bench/);
  for (const opt of ['--model', '--batch', '--threads', '--sparsity', '--mode', '--json'])
    assert.ok(r.stdout.includes(opt));
});

test('a missing addon: loud one-time warning and the TypeScript fallback; --backend native is an error', () => {
  const env = { SPARSETICKETS_ADDON: '/nonexistent/sparsetickets.node' };
  const fallback = run(
    ['bench', '--model', 'lenet300', '--batch', '4', '--steps', '1', '--warmup', '0', '--json'],
    env,
  );
  assert.equal(fallback.code, 0, fallback.stderr);
  assert.match(fallback.stderr, /WARNING: the native addon is not built/);
  assert.equal(fallback.stderr.match(/WARNING/g)?.length, 1);
  assert.equal(JSON.parse(fallback.stdout).backend, 'js');

  const strict = run(['bench', '--model', 'lenet300', '--backend', 'native'], env);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--backend native: the native addon is not built .*npm run build:native/);
});
