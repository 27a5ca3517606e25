// The ticket algebra against direct transcriptions of SPEC §6/§7's formulas, on small hand-made tickets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate } from '../../src/tickets/interpolate.js';
import { prunableNames, pruneTicket } from '../../src/tickets/prune.js';
import { superpose, Superposition } from '../../src/tickets/superpose.js';
import { cloneTicket, TicketError, type Ticket } from '../../src/tickets/ticket.js';
import type { TensorMap } from '../../src/util/safetensors.js';
import { lcg } from '../helpers.js';

/** A ticket of a conv [4,2,3,3] + BN [4] + linear [3,8] net, weights seeded, masks of the given density. */
function ticket(seed: number, density = 0.5): Ticket {
  const r = lcg(seed);
  const t = (shape: number[], f: () => number) => ({
    dtype: 'F32' as const,
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f),
  });
  const state: TensorMap = new Map();
  state.set(
    'conv.weight',
    t([4, 2, 3, 3], () => 2 * r() - 1),
  );
  state.set(
    'bn.weight',
    t([4], () => 1 + r()),
  );
  state.set(
    'bn.bias',
    t([4], () => r() - 0.5),
  );
  state.set(
    'bn.running_mean',
    t([4], () => r()),
  );
  state.set(
    'bn.running_var',
    t([4], () => 1 + r()),
  );
  state.set('bn.num_batches_tracked', { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(seed)) });
  state.set(
    'fc.weight',
    t([3, 8], () => 2 * r() - 1),
  );
  state.set(
    'fc.bias',
    t([3], () => r()),
  );
  const masks = new Map<string, Uint8Array>();
  for (const name of ['conv.weight', 'fc.weight']) {
    const w = state.get(name)!.data as Float32Array;
    const m = Uint8Array.from(w, () => (r() < density ? 1 : 0));
    w.forEach((_, i) => (w[i] *= m[i]));
    masks.set(name, m);
  }
  return { state, masks, provenance: { model: 'toy', width: 1, classes: 3, method: 'rigl', density } };
}

const f32 = (t: Ticket, name: string) => t.state.get(name)!.data as Float32Array;
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

test('CIA: the running form equals the plain mean over tickets, absent connections counting as 0 (every float tensor)', () => {
  const ts = [ticket(1), ticket(2), ticket(3)];
  const s = superpose(ts, { kind: 'cia' });
  for (const [name, st] of s.state) {
    if (st.dtype !== 'F32') continue;
    const got = st.data as Float32Array;
    for (let i = 0; i < got.length; i++)
      close(got[i], ts.reduce((a, t) => a + f32(t, name)[i], 0) / 3, `${name}[${i}]`);
  }
  assert.equal((s.state.get('bn.num_batches_tracked')!.data as BigInt64Array)[0], 3n, 'the latest ticket’s count');
});

test('CAA: each connection is the mean over the tickets it is active in; CIA and CAA differ exactly there', () => {
  const ts = [ticket(4), ticket(5), ticket(6)];
  const caa = superpose(ts, { kind: 'caa' });
  const cia = superpose(ts, { kind: 'cia' });
  let differ = 0;
  for (const name of ['conv.weight', 'fc.weight']) {
    const got = f32(caa, name);
    for (let i = 0; i < got.length; i++) {
      const active = ts.filter((t) => f32(t, name)[i] !== 0);
      const want = active.length ? active.reduce((a, t) => a + f32(t, name)[i], 0) / active.length : 0;
      close(got[i], want, `${name}[${i}]`);
      if (active.length > 0 && active.length < 3) {
        differ++;
        assert.ok(Math.abs(got[i] - f32(cia, name)[i]) > 1e-7, `${name}[${i}] absent from some tickets`);
      } else close(got[i], f32(cia, name)[i], `${name}[${i}] active in all or none`);
    }
  }
  assert.ok(differ > 10);
  // Tensors without masks take CIA's formula.
  for (const name of ['bn.weight', 'bn.running_var', 'fc.bias'])
    f32(caa, name).forEach((v, i) => close(v, f32(cia, name)[i], name));
});

test('CAA forgets the count of a connection the prune removes (SPEC §6 running form)', () => {
  const [a, b] = [ticket(7), ticket(8)];
  const s = new Superposition({ kind: 'caa' });
  s.add(a);
  s.prune({ scope: 'masked', pruning: 'global', keep: 10 });
  const kept = s.current!.masks.get('conv.weight')!.slice();
  const counts = s.activeCounts.get('conv.weight')!;
  kept.forEach((m, i) => assert.equal(counts[i], m ? 1 : 0, `count ${i}`));
  s.add(b);
  const x = f32(b, 'conv.weight');
  const avgBefore = f32(a, 'conv.weight').map((v, i) => v * kept[i]);
  f32(s.current!, 'conv.weight').forEach((v, i) => {
    const k = kept[i] && avgBefore[i] !== 0 ? 1 : 0;
    const want = (k * avgBefore[i] + x[i]) / Math.max(1, k + (x[i] !== 0 ? 1 : 0));
    close(v, want, `conv.weight[${i}]`);
  });
});

test('CIMA: θ̃¹ = θ¹, then β·θ̃ + (1−β)·θ — β weights the previous (the paper’s orientation)', () => {
  const ts = [ticket(9), ticket(10), ticket(11)];
  const beta = 0.8;
  const s = superpose(ts, { kind: 'cima', beta });
  for (const name of ['conv.weight', 'bn.bias', 'bn.running_mean']) {
    const want = f32(ts[0], name).slice();
    for (const t of ts.slice(1)) want.forEach((v, i) => (want[i] = beta * v + (1 - beta) * f32(t, name)[i]));
    f32(s, name).forEach((v, i) => close(v, want[i], `${name}[${i}]`));
  }
  const two = superpose(ts.slice(0, 2), { kind: 'cima', beta });
  close(f32(two, 'fc.bias')[0], 0.8 * f32(ts[0], 'fc.bias')[0] + 0.2 * f32(ts[1], 'fc.bias')[0], 'orientation');
});

test('superpose with a prune after each: the next step starts from the pruned superposition; nnz = keep', () => {
  const ts = [ticket(12), ticket(13), ticket(14)];
  const keep = 20;
  const s = superpose(ts, { kind: 'cia', prune: { scope: 'masked', pruning: 'global', keep } });
  // Transcription: θ̃ ← prune(((t−1)·θ̃ + θᵗ)/t) by global |·| over the masked weights, keeping `keep`.
  const names = ['conv.weight', 'fc.weight'];
  let cur = names.map((n) => f32(ts[0], n).slice());
  const pruneTo = (ws: Float32Array[]) => {
    const all = ws.flatMap((w, l) => [...w].map((v, i) => ({ a: Math.abs(v), l, i })));
    all.sort((x, y) => y.a - x.a || x.l - y.l || x.i - y.i);
    const keepSet = new Set(all.slice(0, keep).map((e) => `${e.l}:${e.i}`));
    return ws.map((w, l) => w.map((v, i) => (keepSet.has(`${l}:${i}`) ? v : 0)));
  };
  cur = pruneTo(cur);
  for (let t = 2; t <= 3; t++)
    cur = pruneTo(cur.map((w, l) => w.map((v, i) => ((t - 1) * v + f32(ts[t - 1], names[l])[i]) / t)));
  names.forEach((n, l) => f32(s, n).forEach((v, i) => close(v, cur[l][i], `${n}[${i}]`)));
  const nnz = [...s.masks.values()].reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0);
  assert.equal(nnz, keep);
});

test('superposing tickets of different shapes is an error naming the tensor', () => {
  const a = ticket(15);
  const b = ticket(16);
  b.state.set('fc.weight', { dtype: 'F32', shape: [3, 9], data: new Float32Array(27) });
  assert.throws(
    () => superpose([a, b], { kind: 'cia' }),
    (e: Error) => e instanceof TicketError && /fc\.weight 3×8 vs 3×9/.test(e.message),
  );
});

test('interpolate: α·A + (1−α)·B over every float tensor; masks are the union; integers are B’s', () => {
  const [a, b] = [ticket(17), ticket(18)];
  const t = interpolate(a, b, 0.3);
  for (const [name, s] of t.state) {
    if (s.dtype !== 'F32') continue;
    (s.data as Float32Array).forEach((v, i) => close(v, 0.3 * f32(a, name)[i] + 0.7 * f32(b, name)[i], name));
  }
  t.masks
    .get('conv.weight')!
    .forEach((m, i) => assert.equal(m, a.masks.get('conv.weight')![i] | b.masks.get('conv.weight')![i]));
  assert.equal((t.state.get('bn.num_batches_tracked')!.data as BigInt64Array)[0], 18n);
  assert.throws(() => interpolate(a, b, 1.5), /α must be in \[0, 1\]/);
});

test('prune: global keeps the largest |w| of the active weights over the scope; layer-wise each layer; conv-only leaves Linear', () => {
  const base = ticket(19, 0.8);
  const g = pruneTicket(cloneTicket(base), { scope: 'masked', pruning: 'global', density: 0.25 });
  const total = 72 + 24;
  const kept = [...g.masks.values()].reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0);
  assert.equal(kept, total - Math.round(0.75 * total));
  const survivors = ['conv.weight', 'fc.weight'].flatMap((n) => [...f32(g, n)].filter((v) => v !== 0).map(Math.abs));
  const dropped = ['conv.weight', 'fc.weight'].flatMap((n) =>
    [...f32(base, n)].filter((v, i) => v !== 0 && !g.masks.get(n)![i]).map(Math.abs),
  );
  assert.ok(Math.min(...survivors) >= Math.max(...dropped), 'every survivor outweighs every pruned weight');
  // A pruned connection never returns: pruning is among the active weights only.
  for (const n of ['conv.weight', 'fc.weight'])
    g.masks.get(n)!.forEach((m, i) => assert.ok(!m || base.masks.get(n)![i], `${n}[${i}] was inactive`));

  const lw = pruneTicket(cloneTicket(base), { scope: 'masked', pruning: 'layerwise', density: 0.25 });
  assert.equal(
    lw.masks.get('conv.weight')!.reduce((a, b) => a + b, 0),
    72 - 54,
  );
  assert.equal(
    lw.masks.get('fc.weight')!.reduce((a, b) => a + b, 0),
    24 - 18,
  );

  const conv = pruneTicket(cloneTicket(base), { scope: 'conv-only', pruning: 'global', density: 0.25 });
  assert.equal(
    conv.masks.get('conv.weight')!.reduce((a, b) => a + b, 0),
    18,
  );
  assert.deepEqual(conv.masks.get('fc.weight'), base.masks.get('fc.weight'), 'Linear untouched');
  assert.deepEqual(prunableNames(base, 'all'), ['conv.weight', 'fc.weight'], 'BatchNorm weights are never prunable');
});
