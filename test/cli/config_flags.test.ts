// The command line generated from the run config's schema: every key carries a description and a flag, a
// command takes the flags of exactly the groups it names, and each flag's text lands typed at its key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { TRAIN_SETTINGS, trainConfigSchema } from '../../src/run/config.js';
import { setting, settingsOf, type Setting } from '../../src/run/config_settings.js';
import { tweaksFromConfig } from '../../src/run/tweak_config.js';
import { helpText, parseCommand, type CommandSpec, type ParsedOptions } from '../../src/cli/args.js';
import { flagsToConfig, selectedSettings, type SettingSelection } from '../../src/cli/config_flags.js';
import { spec as trainSpec, TRAIN_SELECTION, trainFlagsToConfig } from '../../src/cli/commands/train.js';
import { spec as lotterySpec, ROUND_SELECTION } from '../../src/cli/commands/lottery.js';
import { flagsToTweaks, RETRAIN_SELECTION, spec as retrainSpec } from '../../src/cli/commands/retrain.js';
import { planSweep } from '../../src/experiments/sweep_file.js';

const COMMANDS: [CommandSpec, SettingSelection][] = [
  [trainSpec, TRAIN_SELECTION],
  [lotterySpec, ROUND_SELECTION],
  [retrainSpec, RETRAIN_SELECTION],
];

const byPath = new Map(TRAIN_SETTINGS.map((s) => [s.path, s]));

/** A valid flag text for a setting, and the value it must become. */
function sample(s: Setting): { argv: string[]; value: unknown } {
  const flag = `--${s.flag}`;
  const text = s.choices?.[0] ?? (typeof s.schemaDefault === 'string' ? s.schemaDefault : 'x');
  const table: Record<Setting['kind'], { argv: string[]; value: unknown }> = {
    text: { argv: [flag, text], value: text },
    number: { argv: [flag, '0.25'], value: 0.25 },
    integer: { argv: [flag, '3'], value: 3 },
    flag: { argv: [flag], value: true },
    switch: { argv: [flag], value: {} },
    negatable: { argv: [`--no-${s.flag}`], value: false },
    numbers: { argv: [flag, '0.25,.5'], value: [0.25, 0.5] },
    texts: { argv: [flag, 'a.*, b'], value: ['a.*', 'b'] },
    files: { argv: [flag, 'a.safetensors,b.safetensors'], value: ['a.safetensors', 'b.safetensors'] },
    densities: { argv: [flag, 'fc1.*=0.5,fc2.weight=1'], value: { 'fc1.*': 0.5, 'fc2.weight': 1 } },
    'number-or-never': { argv: [flag, 'never'], value: null },
  };
  return table[s.kind];
}

/** The switch a setting needs (gradinit for gradinit.lr), as flags. */
const switchOf = (s: Setting) =>
  TRAIN_SETTINGS.filter((x) => x.section && s.path.startsWith(x.path + '.')).map((x) => `--${x.flag}`);

const valueAt = (o: unknown, path: string) =>
  path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);

function leafPaths(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length
      ? leafPaths(v as Record<string, unknown>, `${prefix}${k}.`)
      : [prefix + k],
  );
}

test('every key of the run config has a description and a flag; only the pipeline is file-only', () => {
  const { settings, undescribed } = settingsOf(trainConfigSchema);
  assert.deepEqual(undescribed, [], 'keys without a description, group and flag');
  for (const s of settings) assert.notEqual(s.description.trim(), '', `${s.path}: a description`);
  assert.deepEqual(
    settings.filter((s) => !s.flag).map((s) => s.path),
    ['pipeline'],
    'settings without a flag',
  );
  const flags = settings.flatMap((s) => (s.kind === 'negatable' ? [s.flag, `no-${s.flag}`] : s.flag ? [s.flag] : []));
  assert.deepEqual(
    flags.filter((f, i) => flags.indexOf(f) !== i),
    [],
    'a flag given to two settings',
  );
});

test('the walk finds a key without a description, in an object and in an option of a union', () => {
  const m = { group: 'data', description: 'described' } as const;
  const schema = z.object({
    a: setting(z.number(), m),
    b: z.number().optional(),
    c: z.discriminatedUnion('kind', [
      z.object({ kind: setting(z.literal('x'), m), d: setting(z.string(), m) }),
      z.object({ kind: setting(z.literal('y'), m), d: z.string(), e: z.boolean() }),
    ]),
  });
  const { settings, undescribed } = settingsOf(schema);
  assert.deepEqual(undescribed, ['b', 'c.d', 'c.e']);
  assert.deepEqual(
    settings.map((s) => [s.path, s.flag, s.kind]),
    [
      ['a', 'a', 'number'],
      ['c.kind', 'kind', 'text'],
      ['c.d', 'd', 'text'],
    ],
  );
});

test('a command offers the flags of exactly the groups it names, and parses nothing outside them', () => {
  for (const [spec, sel] of COMMANDS) {
    const groups = new Set(sel.groups);
    for (const [name, o] of Object.entries(spec.options)) {
      if (!o.setting) continue;
      const s = byPath.get(o.setting);
      assert.ok(s, `${spec.name} --${name}: ${o.setting} is a setting`);
      assert.ok(groups.has(s.group), `${spec.name} takes --${name} of group ${s.group}, not one of its groups`);
    }
    for (const s of selectedSettings(sel))
      assert.equal(spec.options[s.flag!]?.setting, s.path, `${spec.name} offers --${s.flag} (${s.path})`);
    // Every flag of the command given at once: the partial config holds settings of its groups only.
    // (a switch is in the groups of the settings it switches on)
    const argv = selectedSettings(sel).flatMap((s) => sample(s).argv);
    const v = parseCommand(spec, [...(spec.positionals ? ['x'] : []), ...argv]) as ParsedOptions;
    const partial = flagsToConfig(v, sel, spec.name);
    for (const path of leafPaths(partial)) {
      const s = TRAIN_SETTINGS.find((x) => path === x.path || path.startsWith(x.path + '.'));
      assert.ok(s && groups.has(s.group), `${spec.name}: ${path} is outside its groups`);
    }
  }
  // The rounds of a lottery take no sparse method, booster or tweak.
  for (const flag of ['method', 'sparsity', 'booster', 'members', 'q', 'activation', 'gradinit-lr', 'teacher'])
    assert.equal(lotterySpec.options[flag], undefined, `lottery --${flag}`);
});

test("each flag's text lands typed at its setting's path, and only there", () => {
  for (const s of TRAIN_SETTINGS.filter((x) => x.flag)) {
    const { argv, value } = sample(s);
    const v = parseCommand(trainSpec, [...switchOf(s), ...argv]) as ParsedOptions;
    const partial = trainFlagsToConfig(v);
    assert.deepEqual(valueAt(partial, s.path), value, s.path);
    const others = leafPaths(partial).filter(
      (p) => p !== s.path && !s.path.startsWith(p + '.') && !p.startsWith(s.path + '.'),
    );
    assert.deepEqual(others, [], `${s.path}: nothing else set`);
  }
  assert.equal(valueAt(trainFlagsToConfig({ teacher: 'one.safetensors' }), 'loss.distill.teacher'), 'one.safetensors');
  assert.equal(valueAt(trainFlagsToConfig({ 'update-end': '0.5' }), 'sparse.updateEnd'), 0.5);
  assert.equal(valueAt(trainFlagsToConfig({ augment: true }), 'augment'), true);
  assert.deepEqual(trainFlagsToConfig({}), {});
});

test('a flag of a switched section needs its switch; --augment and --no-augment contradict', () => {
  assert.throws(
    () => trainFlagsToConfig({ 'gradinit-lr': '0.1' }),
    /train: --gradinit-lr, .* --gradinit-order and --gradinit-iterations need --gradinit$/,
  );
  assert.throws(() => trainFlagsToConfig({ augment: true, 'no-augment': true }), /contradict each other/);
  assert.throws(() => trainFlagsToConfig({ lr: '1e' }), /train: --lr must be a decimal number, got '1e'/);
  assert.throws(() => trainFlagsToConfig({ 'update-end': 'sometimes' }), /--update-end must be a decimal number/);
});

test('retrain places every tweak flag it takes in a tweak set; a setting without a place is refused', () => {
  for (const s of selectedSettings(RETRAIN_SELECTION)) {
    const argv = [...switchOf(s), ...(s.path.startsWith('loss.distill.') ? ['--kd'] : []), ...sample(s).argv];
    const v = parseCommand(retrainSpec, ['x', ...argv]) as ParsedOptions;
    assert.doesNotThrow(() => flagsToTweaks(v), `retrain ${argv.join(' ')}`);
  }
  assert.deepEqual(flagsToTweaks({ kd: true, 'kd-alpha': '0.25' }).kd, { alpha: 0.25, temperature: 4 });
  assert.equal(flagsToTweaks({ trt: true }).labelSmoothing, 0.1);
  assert.equal(flagsToTweaks({ trt: true, kd: true }).labelSmoothing, undefined);
  assert.deepEqual(flagsToTweaks({ at: true }), { activation: 'swish', extraSkips: true });
  assert.throws(() => tweaksFromConfig({ loss: { distill: { alpha: 0.5 }, focal: 2 } }), /without a place .*loss/);
  assert.throws(() => tweaksFromConfig({ epochs: 3 }), /without a place .*epochs/);
});

test('sweep overrides and grid keys: settings of the groups a sweep varies only', () => {
  const base = { model: 'lenet300', dataset: 'synthetic', epochs: 1 };
  const plan = planSweep({ name: 'x', base }, ['seed=0,1', 'sparse.layerDensities.fc1*=0.5', 'sparse.method=rigl']);
  assert.equal(plan.runs.length, 2);
  assert.throws(() => planSweep({ name: 'x', base }, ['name=y']), /-o name: a setting of group output/);
  assert.throws(() => planSweep({ name: 'x', base }, ['runsDir=elsewhere']), /-o runsDir: a setting of group output/);
  assert.throws(() => planSweep({ name: 'x', base, grid: { name: ['a', 'b'] } }), /grid\.name: a setting of group/);
  assert.throws(() => planSweep({ name: 'x', base }, ['nosuch=1']), /-o nosuch: not a setting of a run config/);
});

test('--help lists every option of train, lottery and retrain with its description', () => {
  for (const [spec] of COMMANDS) {
    const help = helpText(spec);
    for (const [name, o] of Object.entries(spec.options)) {
      const line = help.split('\n').find((l) => l.startsWith(`  --${name} `) || l.includes(`, --${name} `));
      assert.ok(line, `${spec.name} --help lists --${name}`);
      assert.ok(help.includes(o.description.split('\n')[0]), `${spec.name} --help describes --${name}`);
    }
  }
});
