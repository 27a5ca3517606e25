// EDST (FreeTickets, SPEC §8) on small synthetic runs: LR per phase, phase boundaries, q-explorations, tickets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edstSchedule } from '../../src/run/schedule.js';
import type { UpdateRecord } from '../../src/sparse/training.js';
import { edstLearningRate } from '../../src/optim/schedules.js';
import { loadTicket } from '../../src/tickets/ticket.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-edst-'));
const IPE = 8; // 512 synthetic images × 0.9 at batch 64
const base = [
  ...['train', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.5', '--batch', '64', '--epochs', '7'],
  ...['--method', 'rigl', '--update-interval', '3', '--drop-fraction', '0.5', '--drop-schedule', 'constant'],
  ...['--update-end', 'never', '--booster', 'edst', '--explore-epochs', '1', '--members', '3'],
  ...['--runs-dir', runs, '--threads', '1', '--quiet'],
];
const train = (name: string, extra: string[] = []) => {
  const r = runCli([...base, '--name', name, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(join(runs, name, 'summary.json'), 'utf8'));
};

test('EDST LR: lr in exploration, then lr/10 for the first half of each refinement phase and lr/100 for the second', () => {
  const s = { exploreEpochs: 3, refineEpochs: 4 };
  const byEpoch = Array.from({ length: 11 }, (_, e) => edstLearningRate(0.1, e, s));
  assert.deepEqual(byEpoch, [0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.01, 0.01, 0.001, 0.001]);
  const sched = edstSchedule(0.1, 10, 3, 4);
  for (let it = 0; it < 110; it++) assert.equal(sched(it), byEpoch[Math.floor(it / 10)], `iteration ${it}`);
  // An odd phase length: the first half is the epochs before t_re/2 (2 of 5).
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((e) => edstLearningRate(0.1, e, { exploreEpochs: 0, refineEpochs: 5 })),
    [0.01, 0.01, 0.01, 0.001, 0.001],
  );
});

test('a run: M free tickets at the phase ends, a q-exploration of ceil(q·nnz) per layer after the first step of each next phase, DST updates throughout', () => {
  const s = train('e');
  assert.equal(s.edst.members, 3);
  assert.equal(s.edst.refine_epochs, 2);
  const members = [1, 2, 3].map((m) => loadTicket(join(runs, 'e', 'tickets', `member-${m}.safetensors`)));
  // Phase ends: epochs 3, 5, 7 → iterations 24, 40, 56.
  assert.deepEqual(
    members.map((t) => t.provenance.iteration),
    [3 * IPE, 5 * IPE, 7 * IPE],
  );
  const ck = readSafetensors(join(runs, 'e', 'checkpoints', 'last.safetensors'));
  const updates = (JSON.parse(ck.metadata.hooks).sparse as { updates: UpdateRecord[] }).updates;
  const explorations = updates.filter((u) => u.exploration);
  assert.deepEqual(
    explorations.map((u) => u.iteration),
    [3 * IPE + 1, 5 * IPE + 1],
  );
  const perLayer = [...members[0].masks.values()].map((m) => m.reduce((a, b) => a + b, 0));
  const want = perLayer.reduce((a, n) => a + Math.ceil(0.8 * n), 0);
  for (const u of explorations) assert.equal(u.dropped, want);
  const regular = updates.filter((u) => !u.exploration).map((u) => u.iteration);
  assert.equal(regular[regular.length - 1], 54, 'RigL updates run to the end (every 3 iterations)');
  // The members differ in connectivity and in their predictions; the ensemble is the mean of their softmaxes.
  const differ = (a: Uint8Array, b: Uint8Array) => a.some((v, i) => v !== b[i]);
  assert.ok(differ(members[0].masks.get('fc1.weight')!, members[1].masks.get('fc1.weight')!));
  const files = [1, 2, 3].map((m) => join(runs, 'e', 'tickets', `member-${m}.safetensors`));
  const e = runCli(['eval', ...files.flatMap((f) => ['--ticket', f]), '--json', '--threads', '1']);
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual(JSON.parse(e.stdout).ensemble, s.edst.ensemble.test);
  assert.ok(
    s.edst.member_metrics.some(
      (m: { test: { nll: number } }, i: number) => i > 0 && m.test.nll !== s.edst.member_metrics[0].test.nll,
    ),
  );
});

test('resume inside a refinement phase ends exactly as the uninterrupted run; best-val tickets come from their phase', () => {
  const full = train('full');
  const r = runCli([...base, '--name', 'cut', '--halt-after', '35']);
  assert.equal(r.code, 130, r.stderr);
  const r2 = runCli(['train', '--name', 'cut', '--runs-dir', runs, '--resume', '--quiet', '--threads', '1']);
  assert.equal(r2.code, 0, r2.stderr);
  const cut = JSON.parse(readFileSync(join(runs, 'cut', 'summary.json'), 'utf8'));
  assert.deepEqual(cut.edst.ensemble, full.edst.ensemble);
  assert.deepEqual(cut.final, full.final);
  const best = train('best', ['--member-ticket', 'best-val']);
  assert.equal(best.edst.ticket, 'best-val');
  [1, 2, 3].forEach((m) => {
    const t = loadTicket(join(runs, 'best', 'tickets', `member-${m}.safetensors`));
    const epoch = t.provenance.epoch!;
    assert.ok(epoch > 1 + 2 * (m - 1) && epoch <= 1 + 2 * m, `member ${m} from epoch ${epoch}`);
  });
});

test('bad input: one line, exit 2, no run directory', () => {
  const cases: [string[], RegExp][] = [
    [
      ['--epochs', '8'],
      /8 epochs must be --explore-epochs \(1\) \+ --members \(3\) × --refine-epochs \(7\/3\): 7 epochs are left after exploration, which do not split into 3 whole phases/,
    ],
    [['--method', 'static'], /booster edst needs a dynamic sparse method/],
    [['--q', '1.5'], /booster\.q/],
    [['--q', '1'], /booster\.q: q must be in \(0, 1\)/],
    [['--members', '1'], /booster\.members: an ensemble needs at least 2 members/],
    [['--superpose', 'caa'], /Unrecognized key\(s\) in object: 'superpose'/],
  ];
  cases.forEach(([extra, message], i) => {
    const r = runCli([...base, '--name', `bad-${i}`, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!existsSync(join(runs, `bad-${i}`)));
  });
});
