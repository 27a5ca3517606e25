// Sup-tickets (SPEC §6) end to end on small synthetic runs: budget, schedule, explorations, tickets, resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, DEFAULT_TRAIN, mergeConfig } from '../../src/run/config.js';
import { supTicketsSchedule } from '../../src/run/schedule.js';
import { supTicketsBudget } from '../../src/tickets/suptickets.js';
import { loadTicket, maskNonzeros } from '../../src/tickets/ticket.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import type { UpdateRecord } from '../../src/sparse/training.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-sup-'));
// 512 synthetic training images at batch 64 with the default 10% validation: 8 iterations per epoch.
const IPE = 8;
const base = [
  ...['train', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.5', '--batch', '64', '--epochs', '6'],
  ...['--method', 'rigl', '--sparsity', '0.9', '--update-interval', '3', '--drop-fraction', '0.5'],
  ...['--drop-schedule', 'constant', '--booster', 'suptickets', '--cycle-epochs', '1', '--cycle-rate', '0.5'],
  ...['--runs-dir', runs, '--threads', '1', '--quiet'],
];

function train(name: string, extra: string[] = []) {
  const r = runCli([...base, '--name', name, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(join(runs, name, 'summary.json'), 'utf8'));
}

test('budget: cyclic = floor(epochs·rate/C)·C, the rest normal, M = cyclic/C (250 epochs → 226 + 24, M 3)', () => {
  assert.deepEqual(supTicketsBudget(250, 0.1, 8), { normalEpochs: 226, cyclicEpochs: 24, tickets: 3 });
  assert.deepEqual(supTicketsBudget(160, 0.1, 8), { normalEpochs: 144, cyclicEpochs: 16, tickets: 2 });
  assert.deepEqual(supTicketsBudget(100, 0.1, 2), { normalEpochs: 90, cyclicEpochs: 10, tickets: 5 });
  assert.deepEqual(supTicketsBudget(30, 0.1, 1), { normalEpochs: 27, cyclicEpochs: 3, tickets: 3 });
  assert.equal(supTicketsBudget(79, 0.1, 8).tickets, 0);
});

test("the run's LR: multistep at 50%/75% of the normal phase (113, 169 of 226), then the triangle at every iteration", () => {
  const c = validateConfig(
    mergeConfig(DEFAULT_TRAIN as Record<string, unknown>, {
      epochs: 250,
      sparse: { method: 'rigl' },
      booster: { kind: 'suptickets' },
    }),
    'test',
  );
  const ipe = 10;
  const s = supTicketsSchedule(c, ipe, 226);
  // Milestones are fractions of the phase's iterations: 0.5·2260 = 1130 (epoch 113), 0.75·2260 = 1695 (epoch
  // 169.5; the reference code's int() puts it at epoch 169).
  assert.equal(s(113 * ipe - 1), 0.1);
  assert.ok(Math.abs(s(113 * ipe) - 0.01) < 1e-12);
  assert.ok(Math.abs(s(1694) - 0.01) < 1e-12);
  assert.ok(Math.abs(s(1695) - 0.001) < 1e-12);
  assert.ok(Math.abs(s(226 * ipe - 1) - 0.001) < 1e-12);
  const [low, high, C] = [0.001, 0.005, 8];
  for (let it = 226 * ipe; it < 250 * ipe; it++) {
    const epoch = Math.floor(it / ipe);
    const b = it % ipe;
    const t = (((epoch - 226) % C) + b / ipe) / C;
    const want = t < 0.5 ? (1 - 2 * t) * low + 2 * t * high : (2 - 2 * t) * high + (2 * t - 1) * low;
    assert.ok(Math.abs(s(it) - want) < 1e-15, `iteration ${it}: ${s(it)} vs ${want}`);
    if ((epoch - 226) % C === 0 && b === 0) assert.equal(s(it), low, 'a cycle starts at exactly a_low');
  }
});

test('a run: M cheap tickets, explorations of ceil(0.5·nnz) per layer at each cycle start, regular updates paused, ultimate nnz = budget', () => {
  const s = train('rigl');
  const sup = s.suptickets;
  assert.deepEqual([sup.normal_epochs, sup.cyclic_epochs, sup.tickets], [3, 3, 3]);
  assert.deepEqual(readdirSync(join(runs, 'rigl', 'tickets')).sort(), [
    'cheap-1.safetensors',
    'cheap-2.safetensors',
    'cheap-3.safetensors',
    'ultimate.safetensors',
  ]);
  const ultimate = loadTicket(join(runs, 'rigl', 'tickets', 'ultimate.safetensors'));
  const cheap = [1, 2, 3].map((j) => loadTicket(join(runs, 'rigl', 'tickets', `cheap-${j}.safetensors`)));
  assert.equal(sup.ultimate_nnz, sup.budget);
  assert.equal(maskNonzeros(ultimate), sup.budget);
  for (const t of cheap) assert.equal(maskNonzeros(t), sup.budget, 'every cheap ticket holds the budget');
  assert.deepEqual(ultimate.provenance.ingredients, ['cheap-1', 'cheap-2', 'cheap-3']);
  assert.ok(
    cheap.some((t, j) => j > 0 && [...t.masks].some(([n, m]) => m.some((v, i) => v !== cheap[0].masks.get(n)![i]))),
    'the cheap tickets differ in connectivity',
  );
  for (const key of ['ultimate', 'last', 'ensemble'])
    assert.ok(sup[key].test.accuracy >= 0 && sup[key].test.nll > 0, key);

  // The sparse hook's update log, from the checkpoint: RigL's regular updates every 3 iterations until 75% of the
  // normal phase (the base method unchanged over its 24 iterations: the last at 18), none in the cyclic phase;
  // explorations exactly at the cycle starts 24, 32, 40 with k = Σ_l ceil(0.5·nnz_l).
  const ck = readSafetensors(join(runs, 'rigl', 'checkpoints', 'last.safetensors'));
  const updates = (JSON.parse(ck.metadata.hooks).sparse as { updates: UpdateRecord[] }).updates;
  const regular = updates.filter((u) => !u.exploration).map((u) => u.iteration);
  assert.deepEqual(regular, [3, 6, 9, 12, 15, 18]);
  const explorations = updates.filter((u) => u.exploration);
  assert.deepEqual(
    explorations.map((u) => u.iteration),
    [3 * IPE, 4 * IPE, 5 * IPE],
  );
  const perLayer = [...cheap[0].masks.values()].map((m) => m.reduce((a, b) => a + b, 0));
  const ceilSum = perLayer.reduce((a, n) => a + Math.ceil(0.5 * n), 0);
  assert.ok(
    perLayer.some((n) => n % 2 === 1),
    'a layer with odd nnz tells ceil from floor',
  );
  for (const u of explorations) {
    assert.equal(u.dropped, ceilSum);
    assert.equal(u.grown, ceilSum);
    assert.equal(u.dropFraction, 0.5);
  }
});

test("KD from the run's cheap tickets into one sparse student: --teacher takes the tickets, their ensemble teaches", () => {
  const tickets = [1, 2, 3].map((j) => join(runs, 'rigl', 'tickets', `cheap-${j}.safetensors`));
  const r = runCli([
    ...base.slice(0, 11),
    ...['--method', 'rigl', '--sparsity', '0.9', '--teacher', tickets.join(','), '--kd-alpha', '0.5'],
    ...['--runs-dir', runs, '--threads', '1', '--quiet', '--name', 'student'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(runs, 'student', 'config.json'), 'utf8'));
  assert.deepEqual(config.loss.distill.teacher, tickets);
  const bad = runCli([
    ...base.slice(0, 11),
    '--teacher',
    join(runs, 'nope.safetensors'),
    '--runs-dir',
    runs,
    '--name',
    'bad-kd',
  ]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /loss\.distill\.teacher/);
});

test('resume in the middle of the cyclic phase ends exactly where the uninterrupted run does', () => {
  const full = train('full', ['--superpose', 'caa']);
  // Interrupted after 37 iterations (mid cycle 2, after one superposition), then resumed.
  const r = runCli([...base, '--name', 'cut', '--superpose', 'caa', '--halt-after', '37']);
  assert.equal(r.code, 130, r.stderr);
  const r2 = runCli(['train', '--name', 'cut', '--runs-dir', runs, '--resume', '--quiet', '--threads', '1']);
  assert.equal(r2.code, 0, r2.stderr);
  const cut = JSON.parse(readFileSync(join(runs, 'cut', 'summary.json'), 'utf8'));
  assert.deepEqual(cut.suptickets.ultimate, full.suptickets.ultimate);
  assert.deepEqual(cut.suptickets.ensemble, full.suptickets.ensemble);
  assert.deepEqual(cut.final, full.final);
  const a = readSafetensors(join(runs, 'full', 'tickets', 'ultimate.safetensors')).tensors;
  const b = readSafetensors(join(runs, 'cut', 'tickets', 'ultimate.safetensors')).tensors;
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});

test('--mode sparse follows the masked run; BU, CIMA, SET, GraNet, static, SNIP and GMP all boost', () => {
  const masked = train('m', ['--mode', 'masked']);
  const sparse = train('s', ['--mode', 'sparse']);
  assert.ok(Math.abs(masked.suptickets.ultimate.test.nll - sparse.suptickets.ultimate.test.nll) < 1e-3);
  assert.equal(sparse.suptickets.ultimate_nnz, masked.suptickets.ultimate_nnz);
  const bu = train('bu', ['--bn', 'bu', '--superpose', 'cima']);
  assert.equal(bu.suptickets.bn, 'bu');
  for (const method of ['set', 'granet', 'static', 'snip', 'gmp']) {
    const s = train(`m-${method}`, ['--method', method]);
    assert.equal(s.suptickets.tickets, 3, method);
    assert.equal(s.suptickets.ultimate_nnz, s.suptickets.budget, method);
    const ultimate = loadTicket(join(runs, `m-${method}`, 'tickets', 'ultimate.safetensors'));
    assert.equal(ultimate.provenance.method, `${method}+suptickets`);
  }
});

test('bad input: each one line, exit 2, before any training, no run directory', () => {
  const dense = runCli([...base.slice(0, 11), '--booster', 'suptickets', '--runs-dir', runs, '--name', 'bad-dense']);
  assert.equal(dense.code, 2, dense.stderr);
  assert.match(dense.stderr, /^sparsetickets: booster suptickets needs a sparse method[^\n]*\n$/);
  assert.ok(!existsSync(join(runs, 'bad-dense')));
  const cases: [string[], RegExp][] = [
    [['--epochs', '1'], /no tickets \(need at least 2 epochs/],
    [['--schedule', 'cyclic'], /brings its own LR schedule; drop --schedule cyclic/],
    [['--superpose', 'avg'], /superpose/],
    [['--booster', 'edst'], /booster/],
  ];
  cases.forEach(([extra, message], i) => {
    const r = runCli([...base, '--name', `bad-${i}`, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(join(runs, `bad-${i}`)), 'nothing written');
  });
});
