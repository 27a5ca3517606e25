import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constant, cosine, cyclicTriangle, multistep, warmup } from '../../src/optim/schedules.js';

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

test('Sup-tickets cyclic triangle: low at the cycle ends, high mid-cycle, the formula of SPEC §6 at every iteration', () => {
  const low = 0.001;
  const high = 0.005;
  const C = 8;
  const iters = 10;
  const s = cyclicTriangle(low, high, C, iters);
  for (let it = 0; it < 3 * C * iters; it++) {
    const epoch = Math.floor(it / iters);
    const t = ((epoch % C) + ((it % iters) + 1) / iters) / C;
    const want = t <= 0.5 ? (1 - 2 * t) * low + 2 * t * high : (2 - 2 * t) * high + (2 * t - 1) * low;
    close(s(it), want, `iteration ${it}`);
  }
  close(s(C * iters - 1), low, 'end of a cycle (t = 1)');
  close(s((C / 2) * iters - 1), high, 'mid-cycle (t = ½)');
});
