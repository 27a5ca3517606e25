// The averaging functions (torch.optim.swa_utils' avg_fn style) that Sup-tickets' superposition and the Lottery
// Pools search share: their formulas, to the bit, and their checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AVG_FNS, swaWeight } from '../../src/tickets/averaging.js';
import { TicketError } from '../../src/tickets/ticket.js';
import { randomArray } from '../helpers.js';

const avgs = randomArray(1000, 1);
const xs = randomArray(1000, 2);

test('mean and swa: the same mean in two forms that round differently, each kept', () => {
  const mean = AVG_FNS.mean();
  const swa = AVG_FNS.swa();
  let differ = 0;
  avgs.forEach((avg, i) => {
    const n = 1 + (i % 7);
    assert.equal(mean(avg, xs[i], n), (n * avg + xs[i]) / (n + 1));
    assert.equal(swa(avg, xs[i], n), swaWeight(n) * xs[i] + (1 - swaWeight(n)) * avg);
    if (mean(avg, xs[i], n) !== swa(avg, xs[i], n)) differ++;
  });
  assert.ok(differ > 0);
});

test('ema weights the past; ema(1 − α) is the step of weight α ≥ 0.5 to the bit (Lottery Pools’ EMA)', () => {
  const cima = AVG_FNS.ema(0.8);
  const pools = AVG_FNS.ema(1 - 0.95);
  const lerp = AVG_FNS.lerp(0.95);
  avgs.forEach((avg, i) => {
    assert.equal(cima(avg, xs[i], i), 0.8 * avg + (1 - 0.8) * xs[i]);
    assert.equal(pools(avg, xs[i], i), 0.95 * xs[i] + (1 - 0.95) * avg);
    assert.equal(pools(avg, xs[i], i), lerp(avg, xs[i], i));
  });
});

test('activeMean: the mean over the active tickets; an inactive one leaves it', () => {
  const f = AVG_FNS.activeMean();
  assert.equal(f(0, 0.5, 0), 0.5);
  assert.equal(f(0.5, 1.5, 1), 1);
  assert.equal(f(0.25, 0, 3), 0.25);
  assert.equal(f(0, 0, 0), 0);
});

test('lerp and ema check their parameter in [0, 1], naming it', () => {
  assert.throws(
    () => AVG_FNS.ema(1.5),
    (e: Error) => e instanceof TicketError && /EMA decay must be in \[0, 1\]/.test(e.message),
  );
  assert.throws(() => AVG_FNS.ema(-0.1, 'CIMA β'), /CIMA β must be in \[0, 1\], got -0.1/);
  assert.throws(() => AVG_FNS.lerp(Number.NaN), /α must be in \[0, 1\]/);
});
