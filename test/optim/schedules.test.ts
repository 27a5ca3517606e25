import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constant, cosine, cyclicTriangle, multistep, phased, warmup } from '../../src/optim/schedules.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('multistep ×0.1 at its milestones', () => {
  const s = multistep(0.1, [50, 75]);
  close(s(0), 0.1, 'start');
  close(s(49), 0.1, 'before first');
  close(s(50), 0.01, 'at first');
  close(s(75), 0.001, 'at second');
});

test('cosine from lr to min over total, flat after', () => {
  const s = cosine(0.1, 100, 0.001);
  close(s(0), 0.1, 'start');
  close(s(50), 0.001 + (0.099 * (1 + Math.cos(Math.PI / 2))) / 2, 'middle');
  close(s(100), 0.001, 'end');
  close(s(150), 0.001, 'after');
});

test('linear warm-up reaches the inner schedule', () => {
  const s = warmup(constant(0.4), 3);
  close(s(0), 0.1, 'first');
  close(s(2), 0.3, 'third');
  close(s(3), 0.4, 'after');
});

test('Sup-tickets cyclic triangle: exactly low at the first batch of each cycle, high mid-cycle, SPEC §6 (0-based batch index) at every iteration', () => {
  const low = 0.001;
  const high = 0.005;
  const C = 8;
  const iters = 10;
  const s = cyclicTriangle(low, high, C, iters);
  for (let it = 0; it < 3 * C * iters; it++) {
    const epoch = Math.floor(it / iters);
    const t = ((epoch % C) + (it % iters) / iters) / C;
    const want = t < 0.5 ? (1 - 2 * t) * low + 2 * t * high : (2 - 2 * t) * high + (2 * t - 1) * low;
    close(s(it), want, `iteration ${it}`);
  }
  for (let cycle = 0; cycle < 3; cycle++) assert.equal(s(cycle * C * iters), low, 'the first batch of a cycle');
  close(s((C / 2) * iters), high, 'mid-cycle (t = ½)');
  close(s(C * iters - 1), low + (2 * (high - low)) / (C * iters), 'the last batch of a cycle, one step above low');
});

test('phased: the first schedule before the switch, the second counted from 0 after it', () => {
  const s = phased(multistep(0.1, [5], 0.1), 10, (it) => it);
  assert.deepEqual(
    [0, 4, 5, 9, 10, 11, 13].map(s).map((v) => +v.toFixed(6)),
    [0.1, 0.1, 0.01, 0.01, 0, 1, 3],
  );
});
