// Retraining a lottery round's mask with the tweaks of SPEC §9 (pipelines/retrain.ts), end to end on the synthetic
// dataset: the mask and the rewind point are the pipeline's, the tweaks reach the run (architecture, GradInit, label
// smoothing, KD from the dense round), the jump paths start at their init and stay dense, the provenance names the
// source and the tweaks, and with no tweak the retraining is the round's own training, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isJumpPath, JUMP_INIT } from '../../src/models/residual.js';
import type { RunSummary } from '../../src/run/training.js';
import { tweakSetSchema } from '../../src/run/tweak_config.js';
import { evaluate } from '../../src/run/api.js';
import { retrainTicket } from '../../src/pipelines/retrain.js';
import { loadTicket } from '../../src/tickets/ticket.js';
import type { StepContext } from '../../src/train/hooks.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-retrain-'));
const pipeline = join(runs, 'imp');
const ok = (args: string[]) => {
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  return r;
};

// resnet20 (BasicBlocks and BatchNorm) at width 0.25: dense round 0, then rounds at density 0.5 and 0.25 of the
// convolutions, rewinding to epoch 1 of 2.
ok([
  ...['lottery', '--dataset', 'synthetic', '--model', 'resnet20', '--width', '0.25', '--batch', '64', '--epochs', '2'],
  ...['--rounds', '3', '--rate', '0.5', '--rewind-epoch', '1', '--scope', 'conv-only', '--name', 'imp'],
  ...['--runs-dir', runs, '--threads', '1', '--quiet'],
]);
const round2 = loadTicket(join(pipeline, 'round-02', 'model.safetensors'));

test('no tweak: the retraining is the round itself (same start, mask, seed and recipe), bit for bit', async () => {
  const s = await retrainTicket(join(pipeline, 'round-02'), { tweaks: tweakSetSchema.parse({}), quiet: true });
  assert.equal(s.status, 'completed');
  assert.equal(s.run, join(pipeline, 'retrain-02-vanilla'));
  const t = loadTicket(join(s.run, 'model.safetensors'));
  for (const [name, x] of round2.state) assert.deepEqual(t.state.get(name)!.data, x.data, name);
  assert.deepEqual([...t.masks.keys()], [...round2.masks.keys()]);
});

test('AT + TRT: swish and jump paths built, GradInit run, label smoothing on, the mask and rewind point kept', async () => {
  const r = ok([
    ...['retrain', join(pipeline, 'round-02', 'model.safetensors'), '--at', '--trt', '--gradinit-iterations', '4'],
    ...['--threads', '1', '--quiet', '--json'],
  ]);
  const s = JSON.parse(r.stdout) as RunSummary;
  assert.equal(s.status, 'completed');
  assert.equal(s.run, join(pipeline, 'retrain-02-swish_skips_gradinit_ls0.1'));
  assert.equal(s.iterations, 16, 'rewound to epoch 1 of 2: trains epochs 1…2 (8 iterations each), the count continues');
  const config = JSON.parse(readFileSync(join(s.run, 'config.json'), 'utf8'));
  assert.equal(config.activation, 'swish');
  assert.equal(config.extraSkips, true);
  assert.equal(config.gradinit.iterations, 4);
  assert.equal(config.gradinit.order, 'dense-first');
  assert.equal(config.loss.labelSmoothing, 0.1);
  assert.equal(config.sparse.method, 'static');
  const gi = s.gradinit as { iterations: number; scales: Record<string, number> };
  assert.equal(gi.iterations, 4);
  assert.ok(Object.keys(gi.scales).some(isJumpPath), 'the jump paths are scaled too (every Conv and BN)');
  // The ticket: its provenance names the variant, the source and the tweaks; the masks are the round's.
  const t = loadTicket(join(s.run, 'model.safetensors'));
  assert.equal(t.provenance.activation, 'swish');
  assert.equal(t.provenance.extraSkips, true);
  assert.deepEqual(t.provenance.ingredients, [join(pipeline, 'round-02', 'model.safetensors')]);
  assert.match(
    t.provenance.operation!,
    /IMP round 2.*rewind epoch 1 with swish, extra skips, GradInit \(dense-first\), label smoothing 0\.1/,
  );
  assert.deepEqual([...t.masks.keys()].sort(), [...round2.masks.keys()].sort());
  for (const [name, m] of round2.masks) assert.deepEqual(t.masks.get(name), m, name);
  // The jump paths: new to the ticket, never masked, dense after training.
  const jumps = [...t.state.keys()].filter((n) => /conv_jump[12]\.weight$/.test(n));
  assert.equal(jumps.length, 18);
  for (const n of jumps) {
    assert.ok(!t.masks.has(n), `${n} has no mask`);
    assert.ok(
      (t.state.get(n)!.data as Float32Array).every((v) => v !== 0),
      `${n} is dense`,
    );
  }
  assert.equal((s.retrain as { rewind_epoch: number }).rewind_epoch, 1);
  // The ticket and the checkpoint rebuild the variant from what they record: the run's own test metrics again.
  assert.deepEqual(evaluate(join(s.run, 'model.safetensors')).ensemble, s.final.test);
  const e = ok(['eval', '--checkpoint', join(s.run, 'checkpoints', 'last.safetensors'), '--json']);
  assert.equal(JSON.parse(e.stdout).accuracy, s.final.test.accuracy);
});

test('the jump paths start at their init, everything else at the rewind point (masked), at epoch 1', async () => {
  const rewind = loadTicket(join(pipeline, 'rewind.safetensors'), { allowDense: true });
  const round1 = loadTicket(join(pipeline, 'round-01', 'model.safetensors'));
  let first: { epoch: number; state: Map<string, Float32Array> } | undefined;
  const s = await retrainTicket(join(pipeline, 'round-01'), {
    tweaks: tweakSetSchema.parse({ extraSkips: true }),
    quiet: true,
    haltAfter: 1,
    name: 'skips-probe',
    hooks: () => [
      {
        name: 'probe',
        beforeStep: (ctx: StepContext) => {
          first ??= {
            epoch: ctx.epoch,
            state: new Map([...ctx.trainer.model.stateDict()].map(([n, t]) => [n, t.data as Float32Array])),
          };
        },
      },
    ],
  });
  assert.equal(s.status, 'interrupted');
  assert.ok(first);
  assert.equal(first.epoch, 1);
  for (const [name, t] of first.state) {
    if (/conv_jump[12]\.weight$/.test(name))
      assert.ok(
        t.every((v) => v === Math.fround(JUMP_INIT)),
        name,
      );
    else if (/conv_jump[12]_bn\.(weight|running_var)$/.test(name))
      assert.ok(
        t.every((v) => v === 1),
        name,
      );
    else if (/conv_jump[12]_bn\.(bias|running_mean|num_batches_tracked)$/.test(name))
      assert.ok(
        t.every((v) => Number(v) === 0),
        name,
      );
    else {
      const w = rewind.state.get(name)!.data;
      const m = round1.masks.get(name);
      t.forEach((v, i) => assert.ok(Number(v) === (m && !m[i] ? 0 : Number(w[i])), `${name}[${i}]`));
    }
  }
});

test('--kd distils from the pipeline’s dense round; --rewind-epoch 0 retrains from the initialisation', async () => {
  const kd = await retrainTicket(join(pipeline, 'round-02'), {
    tweaks: tweakSetSchema.parse({ activation: 'mish', kd: {} }),
    rewindEpoch: 0,
    quiet: true,
  });
  assert.equal(kd.status, 'completed');
  assert.equal(kd.run, join(pipeline, 'retrain-02-mish_kd-rewind0'));
  assert.equal(kd.iterations, 16, 'epochs 0…2 from the initialisation');
  const config = JSON.parse(readFileSync(join(kd.run, 'config.json'), 'utf8'));
  assert.deepEqual(config.loss.distill, {
    teacher: join(pipeline, 'round-00', 'model.safetensors'),
    alpha: 0.5,
    temperature: 4,
  });
  assert.equal(config.loss.labelSmoothing, 0);
  assert.equal(loadTicket(join(kd.run, 'model.safetensors')).provenance.activation, 'mish');
});
