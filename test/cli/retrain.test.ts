// `sparsetickets retrain` and the retraining tweaks at the command line (SPEC §9): --help, --json, and every bad
// input as one line on stderr with exit code 2 before any work — a ticket that is not a pruned round of an IMP/OMP
// pipeline, a ticket whose architecture does not match, tweaks that do not fit the model or each other, and tweaks
// asked of mask finding (lottery) or of a model without BasicBlocks (train).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel } from '../../src/models/index.js';
import { loadTicket, saveTicket, ticketFromModel } from '../../src/tickets/ticket.js';
import { runCli } from '../helpers.js';

const runs = mkdtempSync(join(tmpdir(), 'st-retrain-cli-'));
const run = (args: string[]) => runCli(args, { SPARSETICKETS_THREADS: '1' });
const lottery = (name: string, model: string, ...extra: string[]) => {
  const r = run([
    ...['lottery', '--dataset', 'synthetic', '--model', model, '--batch', '64', '--epochs', '2', '--rounds', '2'],
    ...['--rate', '0.5', '--runs-dir', runs, '--name', name, '--quiet', ...extra],
  ]);
  assert.equal(r.code, 0, r.stderr);
  return join(runs, name);
};
const imp = lottery('imp', 'resnet20', '--width', '0.25', '--rewind-epoch', '1', '--scope', 'conv-only');
const lenet = lottery('lenet', 'lenet5', '--width', '0.25');
const ltr = lottery('ltr', 'lenet300', '--width', '0.25', '--kind', 'ltr');

/** Exit 2, one line 'sparsetickets: …' matching re, no stack trace. */
function refused(args: string[], re: RegExp): void {
  const r = run(args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^sparsetickets: /);
  assert.match(lines[0], re);
}

test('--help explains the tweaks; --json prints the run summary, the human line goes to stderr', () => {
  const h = run(['retrain', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Usage: sparsetickets retrain TICKET/);
  for (const flag of ['--at', '--trt', '--activation', '--extra-skips', '--gradinit', '--label-smoothing', '--kd'])
    assert.match(h.stdout, new RegExp(`${flag}\\b`));
  const r = run(['retrain', join(imp, 'round-01'), '--activation', 'swish', '--quiet', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.status, 'completed');
  assert.equal(s.run, join(imp, 'retrain-01-swish'));
  assert.match(r.stderr, /IMP round 1.* with swish: test accuracy/);
});

test('a ticket that is not a pruned round of an IMP/OMP pipeline is refused', () => {
  refused(['retrain'], /retrain: expects TICKET \(1\), got 0/);
  refused(['retrain', join(runs, 'nowhere')], /nowhere not found/);
  refused(['retrain', imp], /is not a round of a lottery pipeline/);
  refused(['retrain', join(imp, 'round-00')], /round 0 is the dense network, it has no mask/);
  refused(['retrain', join(ltr, 'round-01')], /an LTR pipeline keeps no rewind point/);
});

test('a ticket whose architecture does not match the model flags or the pipeline is refused', () => {
  refused(['retrain', join(imp, 'round-01'), '--model', 'resnet18'], /--model resnet18 does not match .* resnet20/);
  refused(
    ['retrain', join(imp, 'round-01'), '--width', '0.5'],
    /--width 0\.5 does not match the ticket's width, 0\.25/,
  );
  // A resnet20 ticket of width 0.5 passed off as the round's: its tensors are not the pipeline model's.
  const forged = join(runs, 'forged');
  cpSync(imp, forged, { recursive: true });
  const wide = createModel('resnet20', { width: 0.5, inputShape: [1, 28, 28] });
  const t = loadTicket(join(imp, 'round-01', 'model.safetensors'));
  const masks = new Map(
    wide.namedParameters().flatMap(([n, p]) => (t.masks.has(n) ? [[n, new Float32Array(p.size).fill(1)]] : [])),
  );
  saveTicket(join(forged, 'round-01', 'model.safetensors'), ticketFromModel(wide, masks, { ...t.provenance }));
  refused(['retrain', join(forged, 'round-01')], /differ in architecture or shape/);
  // A retrained (tweaked) ticket put in a round's place is not the round's ticket.
  copyFileSync(join(imp, 'retrain-01-swish', 'model.safetensors'), join(forged, 'round-01', 'model.safetensors'));
  refused(
    ['retrain', join(forged, 'round-01')],
    /a resnet20 \(width 0\.25, swish\) ticket, but the pipeline trains a plain resnet20/,
  );
});

test('tweaks that do not fit the model or each other are refused', () => {
  const before = readdirSync(imp).sort();
  refused(['retrain', join(lenet, 'round-01'), '--extra-skips'], /--extra-skips needs BasicBlocks; lenet5 has none/);
  refused(['retrain', join(lenet, 'round-01'), '--at'], /--extra-skips needs BasicBlocks; lenet5 has none/);
  refused(
    ['retrain', join(imp, 'round-01'), '--rewind-epoch', '2'],
    /kept the state of epoch 1 .* and the initialisation \(0\)/,
  );
  refused(['retrain', join(imp, 'round-01'), '--kd', '--label-smoothing', '0.1'], /--kd replaces label smoothing/);
  refused(['retrain', join(imp, 'round-01'), '--gradinit-order', 'mask-first'], /--gradinit-order .* need --gradinit/);
  refused(['retrain', join(imp, 'round-01'), '--label-smoothing', '1.5'], /labelSmoothing: Number must be less than 1/);
  refused(
    ['retrain', join(imp, 'round-01'), '--activation', 'gelu'],
    /--activation 'gelu' is not one of: relu, swish, mish/,
  );
  refused(['retrain', join(imp, 'round-01'), '--kd-alpha', '0.3'], /--kd-alpha and --kd-temperature need --kd/);
  assert.deepEqual(readdirSync(imp).sort(), before, 'no run directory was made');
});

test('lottery refuses every retraining tweak: flags and config keys (mask finding is never tweaked)', () => {
  const base = ['lottery', '--dataset', 'synthetic', '--model', 'resnet20', '--runs-dir', runs, '--name', 'tweaked'];
  for (const flag of [
    ['--activation', 'swish'],
    ['--extra-skips'],
    ['--gradinit'],
    ['--label-smoothing', '0.1'],
    ['--teacher', join(imp, 'round-00', 'model.safetensors')],
  ])
    refused([...base, ...flag], new RegExp(`lottery: ${flag[0]} is a retraining tweak \\(SPEC §9`));
  const file = join(runs, 'tweaked.yaml');
  writeFileSync(file, 'activation: mish\nextraSkips: true\nepochs: 1\n');
  refused(
    [...base, '--config', file],
    /lottery: activation mish, extraSkips: retraining tweaks \(SPEC §9\) apply when/,
  );
  assert.ok(!existsSync(join(runs, 'tweaked')));
});

test('train: extra skips on a model without BasicBlocks, GradInit with a mask-drawing method, a lone option', () => {
  const base = ['train', '--dataset', 'synthetic', '--epochs', '1', '--runs-dir', runs, '--quiet'];
  refused([...base, '--model', 'lenet300', '--extra-skips'], /extraSkips: needs BasicBlocks; lenet300 has none/);
  refused([...base, '--model', 'resnet50', '--extra-skips'], /extraSkips: needs BasicBlocks; resnet50 has none/);
  refused([...base, '--gradinit', '--method', 'rigl'], /gradinit applies to dense training .* not to method rigl/);
  refused([...base, '--gradinit-order', 'mask-first'], /--gradinit-order and --gradinit-iterations need --gradinit/);
  refused([...base, '--activation', 'gelu'], /train: --activation 'gelu' is not one of: relu, swish, mish/);
});
