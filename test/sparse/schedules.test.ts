import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_DROP_FLOOR,
  DROP_SCHEDULES,
  cubicSparsity,
  dropFraction,
  isUpdateIteration,
  type DropSchedule,
} from '../../src/sparse/schedules.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);

test('DROP_SCHEDULES lists the three schedules; unknown names throw', () => {
  assert.deepEqual([...DROP_SCHEDULES], ['cosine', 'cosine-floor', 'constant']);
  assert.throws(() => dropFraction('linear' as DropSchedule, 0.3, 10, 100), /unknown schedule/);
  assert.throws(() => dropFraction('cosine', 1.2, 10, 100), /p0/);
  assert.throws(() => dropFraction('cosine', 0.3, 10, 0), /end/);
  assert.throws(() => dropFraction('cosine', 0.3, -1, 100), /iteration/);
});

test('RigL run: updates every ΔT until 75% of training, cosine from p0 to 0', () => {
  const total = 39100; // 100 epochs × 391 steps
  const interval = 100;
  const end = Math.floor(0.75 * total);
  const p0 = 0.3;
  const updates: number[] = [];
  for (let it = 0; it <= total; it++) {
    if (!isUpdateIteration(it, interval, end)) continue;
    updates.push(it);
    close(dropFraction('cosine', p0, it, end), (p0 / 2) * (1 + Math.cos((Math.PI * it) / end)), `cosine at ${it}`);
  }
  assert.deepEqual(
    updates,
    Array.from({ length: Math.floor(end / interval) }, (_, i) => (i + 1) * interval),
  );
  assert.equal(dropFraction('cosine', p0, 0, end), p0);
  close(dropFraction('cosine', p0, end / 2, end), p0 / 2, 'half way');
  assert.equal(dropFraction('cosine', p0, end, end), 0);
  assert.equal(dropFraction('cosine', p0, end + 1, end), 0);
  assert.equal(dropFraction('cosine', p0, 5, Infinity), p0);
});

test('GraNet run: updates never stop, cosine from p0 down onto the 0.005 floor at the last iteration', () => {
  const total = 25000;
  const interval = 100;
  const p0 = 0.5;
  const floor = DEFAULT_DROP_FLOOR;
  assert.equal(floor, 0.005);
  let previous = Infinity;
  let updates = 0;
  for (let it = 0; it <= total; it++) {
    if (!isUpdateIteration(it, interval, Infinity)) continue;
    updates++;
    const want = floor + ((p0 - floor) / 2) * (1 + Math.cos((Math.PI * it) / total));
    const got = dropFraction('cosine-floor', p0, it, total);
    close(got, want, `cosine-floor at ${it}`);
    assert.ok(got <= previous && got >= floor, `monotone and above the floor at ${it}`);
    previous = got;
  }
  assert.equal(updates, total / interval);
  assert.equal(dropFraction('cosine-floor', p0, 0, total), p0);
  close(dropFraction('cosine-floor', p0, total, total), floor, 'lands on the floor');
  assert.equal(dropFraction('cosine-floor', p0, total + 700, total), floor);
  assert.equal(dropFraction('cosine-floor', p0, total, total, 0.02), 0.02);
});

test('constant schedule (FreeTickets) is p0 at every update', () => {
  for (let it = 0; it <= 5000; it++) {
    if (isUpdateIteration(it, 250, Infinity)) assert.equal(dropFraction('constant', 0.2, it, 1000), 0.2);
  }
});

test('isUpdateIteration: from the first interval, multiples only, end inclusive', () => {
  assert.equal(isUpdateIteration(0, 100, Infinity), false);
  assert.equal(isUpdateIteration(99, 100, Infinity), false);
  assert.equal(isUpdateIteration(100, 100, Infinity), true);
  assert.equal(isUpdateIteration(150, 100, Infinity), false);
  assert.equal(isUpdateIteration(1e9, 100, Infinity), true);
  assert.equal(isUpdateIteration(700, 100, 700), true);
  assert.equal(isUpdateIteration(800, 100, 750), false);
  assert.throws(() => isUpdateIteration(100, 0, Infinity), /interval/);
  assert.throws(() => isUpdateIteration(100, 2.5, Infinity), /interval/);
});

test('cubicSparsity equals the Zhu–Gupta formula at every update index, clamps outside, and is monotone', () => {
  for (const [ci, cf, di, df] of [
    [0, 390, 0.5, 0.05],
    [10, 200, 1, 0.1],
    [3, 4, 0.8, 0.01],
  ]) {
    let previous = -Infinity;
    for (let c = 0; c <= cf + 20; c++) {
      const got = cubicSparsity(c, ci, cf, di, df);
      let want: number;
      if (c < ci) want = 1 - di;
      else if (c > cf) want = 1 - df;
      else want = 1 - di + (di - df) * (1 - Math.pow(1 - (c - ci) / (cf - ci), 3));
      close(got, want, `c=${c} (${ci}..${cf})`);
      assert.ok(got >= previous, `monotone at c=${c}`);
      previous = got;
    }
    close(cubicSparsity(ci, ci, cf, di, df), 1 - di, 'starts at 1 − d_i');
    close(cubicSparsity(cf, ci, cf, di, df), 1 - df, 'ends at 1 − d_f');
  }
  // Half way the remaining (d_i − d_f) has been pruned by 1 − (1/2)³ = 7/8.
  close(cubicSparsity(50, 0, 100, 0.5, 0.1), 0.5 + 0.4 * (7 / 8), 'midpoint');
  assert.equal(cubicSparsity(5, 5, 5, 0.5, 0.1), 0.9, 'ci = cf: one-shot to the final sparsity');
  assert.equal(cubicSparsity(4, 5, 5, 0.5, 0.1), 0.5);
  assert.throws(() => cubicSparsity(5, 10, 5, 0.5, 0.1), /cf >= ci/);
  assert.throws(() => cubicSparsity(5, 0, 10, 1.5, 0.1), /initialDensity/);
});
