// `sparsetickets ticket …` and `eval --ticket`: the algebra at the command line equals the training's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTicket, maskNonzeros } from '../../src/tickets/ticket.js';
import { readSafetensors } from '../../src/util/safetensors.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-ticket-cli-'));
const common = [
  ...['train', '--dataset', 'synthetic', '--model', 'lenet300', '--width', '0.5', '--batch', '64', '--epochs', '4'],
  ...['--method', 'set', '--sparsity', '0.9', '--update-interval', '3', '--runs-dir', runs, '--threads', '1'],
  '--quiet',
];
const sup = ['--booster', 'suptickets', '--cycle-epochs', '1', '--cycle-rate', '0.5', '--superpose', 'caa'];
const ok = (args: string[]) => {
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  return r;
};
ok([...common, ...sup, '--name', 'a']);
ok([...common, '--name', 'b', '--seed', '1']);
ok([...common, '--model', 'lenet5', '--width', '0.25', '--name', 'other']);
ok([...common.slice(0, 11), '--runs-dir', runs, '--threads', '1', '--quiet', '--name', 'dense']);
const T = (run: string, f: string) => join(runs, run, f);

test('ticket superpose of a run’s cheap tickets reproduces its ultimate ticket tensor for tensor', () => {
  const out = join(runs, 'sup.safetensors');
  ok([
    'ticket',
    'superpose',
    T('a', 'tickets/cheap-1.safetensors'),
    T('a', 'tickets/cheap-2.safetensors'),
    '--superpose',
    'caa',
    '--out',
    out,
  ]);
  const mine = readSafetensors(out).tensors;
  const run = readSafetensors(T('a', 'tickets/ultimate.safetensors')).tensors;
  assert.deepEqual([...mine.keys()], [...run.keys()]);
  for (const [name, t] of run) assert.deepEqual(mine.get(name)!.data, t.data, name);
  const p = loadTicket(out).provenance;
  assert.deepEqual(p.ingredients, ['cheap-1.safetensors', 'cheap-2.safetensors']);
  assert.equal(p.kind, 'superposed');
});

test('ticket superpose --density, interpolate --alpha, prune --density: the counts and formulas hold', () => {
  const s = join(runs, 's05.safetensors');
  ok([
    'ticket',
    'superpose',
    T('a', 'model.safetensors'),
    T('b', 'model.safetensors'),
    '--density',
    '0.05',
    '--out',
    s,
  ]);
  const st = loadTicket(s);
  const total = [...st.masks.values()].reduce((a, m) => a + m.length, 0);
  assert.equal(maskNonzeros(st), total - Math.round(0.95 * total));

  const i = join(runs, 'i.safetensors');
  ok(['ticket', 'interpolate', T('a', 'model.safetensors'), T('b', 'model.safetensors'), '--alpha', '0.3', '--out', i]);
  const [ta, tb, ti] = [T('a', 'model.safetensors'), T('b', 'model.safetensors'), i].map((f) => loadTicket(f));
  const w = (t: typeof ta) => t.state.get('fc2.bias')!.data as Float32Array;
  w(ti).forEach((v, k) => assert.ok(Math.abs(v - (0.3 * w(ta)[k] + 0.7 * w(tb)[k])) < 1e-6));

  const p = join(runs, 'p.safetensors');
  const r = ok([
    'ticket',
    'prune',
    T('b', 'model.safetensors'),
    '--density',
    '0.02',
    '--pruning',
    'layerwise',
    '--out',
    p,
    '--json',
  ]);
  const doc = JSON.parse(r.stdout);
  // Each layer (all at 10% or more before) keeps exactly n − round(0.98·n).
  for (const l of doc.layers) assert.equal(l.nnz, l.params - Math.round(0.98 * l.params), l.name);
});

test('ticket show and eval --ticket: layers, provenance; an ensemble reports each member and the mean of softmaxes', () => {
  const show = JSON.parse(ok(['ticket', 'show', T('a', 'tickets/ultimate.safetensors'), '--json']).stdout);
  assert.equal(show.provenance.method, 'set+suptickets');
  assert.equal(show.provenance.kind, 'ultimate');
  assert.ok(show.layers.every((l: { masked: boolean }) => l.masked));
  const e = JSON.parse(
    ok([
      'eval',
      '--ticket',
      T('a', 'tickets/cheap-1.safetensors'),
      '--ticket',
      T('a', 'tickets/cheap-2.safetensors'),
      '--json',
    ]).stdout,
  );
  assert.equal(e.members.length, 2);
  assert.ok(e.ensemble.nll > 0 && e.ensemble.accuracy >= 0);
  // The run's own report of the same ensemble on the test split.
  const summary = JSON.parse(readFileSync(T('a', 'summary.json'), 'utf8'));
  assert.deepEqual(e.ensemble, summary.suptickets.ensemble.test);
});

test('bad input: one line, exit 2, nothing written', () => {
  const out = join(runs, 'never.safetensors');
  const cases: [string[], RegExp][] = [
    [
      ['ticket', 'superpose', T('a', 'model.safetensors'), T('other', 'model.safetensors'), '--out', out],
      /differ in architecture or shape/,
    ],
    [
      ['ticket', 'superpose', T('a', 'checkpoints/last.safetensors'), T('b', 'model.safetensors'), '--out', out],
      /not a ticket/,
    ],
    [
      ['ticket', 'superpose', T('a', 'model.safetensors'), '--out', out],
      /expects TICKET TICKET\.\.\. \(2 or more\), got 1/,
    ],
    [['ticket', 'superpose', T('a', 'model.safetensors'), T('b', 'model.safetensors')], /--out FILE is required/],
    [
      [
        'ticket',
        'interpolate',
        T('a', 'model.safetensors'),
        T('b', 'model.safetensors'),
        '--alpha',
        '1.5',
        '--out',
        out,
      ],
      /--alpha must be ≤ 1/,
    ],
    [['ticket', 'prune', T('a', 'model.safetensors'), '--out', out], /--density is required/],
    [['ticket', 'frobnicate'], /unknown subcommand 'frobnicate'/],
    [
      ['eval', '--ticket', T('a', 'model.safetensors'), '--ticket', T('other', 'model.safetensors')],
      /differ in architecture/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!existsSync(out));
});
