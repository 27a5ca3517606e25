// Where a run begins (run/start.ts): GradInit's two orders on a ticket's start (SPEC §9) — dense-first learns the
// scales on the dense start and masks afterwards, mask-first on the masked weights; either way the first step
// starts from α·(w⊙m) — and a dense run's GradInit scales its own initialisation. GradInit with a method that draws
// its own masks is a usage error before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel } from '../../src/models/index.js';
import { runTraining } from '../../src/run/training.js';
import type { StepContext } from '../../src/train/hooks.js';
import { lcg, syntheticConfig } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-start-'));
const config = (extra: Record<string, unknown>) => syntheticConfig({ epochs: 1, seed: 3, runsDir: runs, ...extra });

/** The state before the first step of a run, and its GradInit scales. */
async function firstStep(extra: Record<string, unknown>, start?: Parameters<typeof runTraining>[1]['start']) {
  let seen: Map<string, Float32Array> | undefined;
  const s = await runTraining(config(extra), { mode: 'fresh', quiet: true, haltAfter: 1, start }, () => [
    {
      name: 'probe',
      beforeStep: (ctx: StepContext) => {
        seen ??= new Map(ctx.trainer.model.namedParameters().map(([n, p]) => [n, p.data.slice()]));
      },
    },
  ]);
  return { weights: seen!, scales: (s.gradinit as { scales: Record<string, number> }).scales };
}

// A start as a lottery round gives it: some other network's state (seed 9) and random masks of the convolutions.
const donor = createModel('resnet20', { width: 0.25, seed: 9, inputShape: [1, 28, 28] });
const r = lcg(4);
const masks = new Map(
  donor
    .namedParameters()
    .filter(([n, p]) => p.prunable && n.endsWith('conv1.weight'))
    .map(([n, p]) => [n, Uint8Array.from(p.data, () => (r() < 0.5 ? 1 : 0))]),
);
const static_ = { method: 'static', sparsity: 0, distribution: 'uniform' };

for (const order of ['dense-first', 'mask-first'] as const) {
  test(`GradInit ${order} on a start: the first step starts from α·(w⊙m), the start's weights scaled and masked`, async () => {
    const { weights, scales } = await firstStep(
      { name: `start-${order}`, sparse: static_, gradinit: { order, iterations: 3 } },
      { state: donor.stateDict(), masks, epoch: 0 },
    );
    let checked = 0;
    for (const [name, p] of donor.namedParameters()) {
      const m = masks.get(name);
      const alpha = scales[name] ?? 1;
      weights.get(name)!.forEach((v, i) => {
        const want = Math.fround(alpha * (m && !m[i] ? 0 : p.data[i]));
        assert.ok(Math.abs(v - want) <= 1e-6 * Math.abs(want), `${name}[${i}]: ${v} vs ${want}`);
        checked++;
      });
    }
    assert.ok(checked > 0 && Object.values(scales).some((a) => Math.abs(a - 1) > 1e-3), 'the scales moved');
  });
}

test('the two orders learn different scales (the dense network and the subnetwork are different objectives)', async () => {
  const a = await firstStep(
    { name: 'order-a', sparse: static_, gradinit: { order: 'dense-first', iterations: 3 } },
    { state: donor.stateDict(), masks, epoch: 0 },
  );
  const b = await firstStep(
    { name: 'order-b', sparse: static_, gradinit: { order: 'mask-first', iterations: 3 } },
    { state: donor.stateDict(), masks, epoch: 0 },
  );
  assert.ok(Object.keys(a.scales).some((n) => Math.abs(a.scales[n] - b.scales[n]) > 1e-4));
});

test('a dense run: GradInit scales the seed’s own initialisation', async () => {
  const { weights, scales } = await firstStep({ name: 'dense-gi', gradinit: { iterations: 3 } });
  const init = createModel('resnet20', { width: 0.25, seed: 3, inputShape: [1, 28, 28] });
  for (const [name, p] of init.namedParameters()) {
    const alpha = scales[name] ?? 1;
    weights.get(name)!.forEach((v, i) => {
      const want = Math.fround(alpha * p.data[i]);
      assert.ok(Math.abs(v - want) <= 1e-6 * Math.abs(want), `${name}[${i}]`);
    });
  }
});

test('GradInit with a method that draws its own masks is refused before any work', async () => {
  await assert.rejects(
    runTraining(config({ name: 'gi-rigl', sparse: { method: 'rigl' }, gradinit: {} }), { mode: 'fresh', quiet: true }),
    /gradinit applies to dense training and to retraining a ticket's mask.*not to method rigl/,
  );
  assert.ok(!existsSync(join(runs, 'gi-rigl')));
});
