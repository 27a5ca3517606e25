// `sparsetickets ticket …` and `eval --ticket`: the algebra at the command line equals the training's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** Runs each case and asserts exit 2, one line on stderr matching `message`, and that `dir` (listing, sizes and
 * modification times) is unchanged. */
function refusedWithoutChange(dir: string, cases: [string[], RegExp][]): void {
  const snapshot = () =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .sort()
      .map((f) => {
        const st = statSync(join(dir, f));
        return `${f} ${st.size} ${st.mtimeMs}`;
      });
  for (const [args, message] of cases) {
    const before = snapshot();
    const r = runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.deepEqual(snapshot(), before, `${args.join(' ')} changed ${dir}`);
  }
}

test('--out: an existing file is refused unless --overwrite, an input always (even through a link), before any work', () => {
  const dir = join(runs, 'outrule');
  mkdirSync(dir);
  const [a, b] = [join(dir, 'a.safetensors'), join(dir, 'b.safetensors')];
  copyFileSync(T('a', 'model.safetensors'), a);
  copyFileSync(T('b', 'model.safetensors'), b);
  const existing = join(dir, 'existing.safetensors');
  copyFileSync(T('a', 'tickets/cheap-1.safetensors'), existing);
  const link = join(dir, 'link.safetensors');
  symlinkSync(a, link);
  // A fake lottery pipeline: pool checks its --out against the pipeline's files before loading any of them.
  const pipe = join(dir, 'pipe');
  mkdirSync(pipe);
  writeFileSync(join(pipe, 'lottery.json'), JSON.stringify({ settings: { scope: 'all' } }));
  writeFileSync(join(pipe, 'rounds.json'), JSON.stringify([{ status: 'completed', ticket: 't0.safetensors' }]));
  copyFileSync(a, join(pipe, 't0.safetensors'));
  const report = join(dir, 'report.json');
  writeFileSync(report, '{}\n');
  refusedWithoutChange(dir, [
    [
      ['ticket', 'superpose', a, b, '--out', existing],
      /ticket superpose: --out .*existing\.safetensors exists; --overwrite replaces it/,
    ],
    [['ticket', 'superpose', a, b, '--out', a, '--overwrite'], /--out .*a\.safetensors is an input of this command/],
    [['ticket', 'interpolate', a, b, '--alpha', '0.5', '--out', existing], /exists; --overwrite replaces it/],
    [['ticket', 'interpolate', a, b, '--alpha', '0.5', '--out', link, '--overwrite'], /link\.safetensors is an input/],
    [['ticket', 'prune', a, '--density', '0.5', '--out', existing], /ticket prune: --out .* exists; --overwrite/],
    [['ticket', 'prune', a, '--density', '0.5', '--out', a, '--overwrite'], /is an input of this command/],
    [['pool', pipe, '--target', '0', '--out', existing], /pool: --out .* exists; --overwrite replaces it/],
    [['pool', pipe, '--target', '0', '--out', join(pipe, 't0.safetensors'), '--overwrite'], /is an input/],
    [['ensemble', a, b, '--out', report], /ensemble: --out .*report\.json exists; --overwrite replaces it/],
    [['ensemble', a, b, '--out', b, '--overwrite'], /ensemble: --out .*b\.safetensors is an input/],
    [['ensemble', T('a', ''), b, '--out', T('a', 'summary.json'), '--overwrite'], /summary\.json is an input/],
  ]);
  // With --overwrite an existing output that is no input is replaced (atomically: no temporary file is left).
  ok(['ticket', 'prune', a, '--density', '0.05', '--out', existing, '--overwrite']);
  assert.equal(loadTicket(existing).provenance.kind, 'pruned');
  assert.deepEqual(
    readdirSync(dir).filter((f) => /tmp/.test(f)),
    [],
  );
});

test('count flags are bounded: one line naming the flag and its range, nothing written', () => {
  const dir = join(runs, 'bounds');
  mkdirSync(dir);
  const [a, b] = [T('a', 'model.safetensors'), T('b', 'model.safetensors')];
  const out = join(dir, 'never.safetensors');
  const [ja, jb] = [join(dir, 'a.json'), join(dir, 'b.json')];
  writeFileSync(ja, JSON.stringify({ final: { test: { accuracy: 0.5 } } }));
  writeFileSync(jb, JSON.stringify({ final: { test: { accuracy: 0.6 } } }));
  refusedWithoutChange(dir, [
    [['interpolate', a, b, '--steps', '1e9'], /interpolate: --steps must be an integer from 2 to 1,001 .*got 1e9/],
    [['interpolate', a, b, '--steps', '1'], /--steps must be an integer from 2 to 1,001/],
    [
      ['stats', '--a', ja, '--b', jb, '--resamples', '1e12'],
      /stats: --resamples must be an integer from 100 to 10,000,000/,
    ],
    [
      ['ticket', 'superpose', a, b, '--threads', '0', '--out', out],
      /ticket superpose: --threads must be an integer from 1/,
    ],
    [
      ['ticket', 'interpolate', a, b, '--alpha', '0.5', '--threads', '-1', '--out', out],
      /--threads must be an integer from 1/,
    ],
    [
      ['ticket', 'prune', a, '--density', '1e-9', '--out', out],
      /ticket prune: --density 1e-9 keeps no weight in layer \S+/,
    ],
    [['ticket', 'prune', a, '--density', '1e-9', '--pruning', 'layerwise', '--out', out], /keeps no weight in layer/],
    [['ensemble', a, b, '--ood-samples', '1e9'], /ensemble: --ood-samples must be an integer from 1 to 1,000,000/],
    [
      ['eval', '--ticket', a, '--metrics', 'ood', '--ood-samples', '0'],
      /eval: --ood-samples must be an integer from 1/,
    ],
  ]);
  assert.ok(!existsSync(out));
  // stats still works within the bound.
  ok(['stats', '--a', ja, '--b', jb, '--resamples', '1000']);
});
