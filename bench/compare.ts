// Interleaved speed comparison with the PyTorch anchor (bench/pytorch_reference.py).
// Each round runs, per model and sparsity, `sparsetickets bench --json` and the PyTorch script one after
// the other (alternating which goes first), so both see the same machine load; the report quotes the
// median over rounds of each engine's median step time and of the per-round ratio ours ÷ PyTorch.
// With --sparsity > 0 PyTorch runs masked (dense weights × masks) and ours in --mode (masked, sparse or auto);
// the report adds the speed-up PyTorch ÷ ours and the bound it is measured against: the forward-FLOP ratio
// sparse ÷ dense of the ERK masks, as `sparsetickets inspect` reports it.
//
//   node dist/bench/compare.js [--models lenet300,vgg16] [--sparsity 0,0.9] [--mode masked] [--threads 2]
//                              [--rounds 3] [--batch 128] [--out bench/results/latest.json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuDescription } from '../src/util/cpu.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'lenet300,lenet5,mlp-cifar,vgg16,resnet18' },
    sparsity: { type: 'string', default: '0' },
    mode: { type: 'string', default: 'masked' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '128' },
    reference: { type: 'string', default: join(root, 'bench', 'pytorch_reference.py') },
    python: { type: 'string', default: '/usr/bin/python3' },
    out: { type: 'string', default: join(root, 'bench', 'results', 'latest.json') },
  },
});

interface Row {
  model: string;
  sparsity: number;
  mode: string;
  ours: number[];
  pytorch: number[];
  ratios: number[];
  /** Forward FLOPs with the ERK masks ÷ dense (1 when dense). */
  flops_ratio: number;
  /** Of our last run: peak RSS (whole process, and of the timed steps), bytes of the training state, and (auto)
   * how each layer ran. */
  peak_rss_mb?: number;
  step_peak_rss_mb?: number;
  /** Of the anchor's last run: its process's peak RSS (Python and PyTorch included). */
  pytorch_peak_rss_mb?: number;
  state_mb?: number;
  layers?: Record<string, string>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv): Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function ours(row: Row): number {
  const args = [cli, 'bench', '--model', row.model, '--batch', values.batch!];
  args.push('--threads', values.threads!, '--sparsity', String(row.sparsity), '--json', '--mode', row.mode);
  const j = runJson(process.execPath, args, process.env);
  row.peak_rss_mb = j.peak_rss_mb as number;
  row.step_peak_rss_mb = j.step_peak_rss_mb as number | undefined;
  row.state_mb = j.state_mb as number;
  if (j.layers) row.layers = j.layers as Record<string, string>;
  return j.ms_per_step as number;
}

function flopsRatio(model: string, sparsity: number): number {
  if (sparsity === 0) return 1;
  const j = runJson(process.execPath, [cli, 'inspect', '--model', model, '--sparsity', String(sparsity), '--json'], {
    ...process.env,
  });
  const f = j.flops as { forward_dense: number; forward_sparse: number };
  return f.forward_sparse / f.forward_dense;
}

// Runs the anchor unchanged as __main__ and then prints the process's peak resident memory as a last JSON line.
const PEAK_RSS_WRAPPER = [
  'import json, resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  "runpy.run_path(sys.argv[0], run_name='__main__')",
  "print(json.dumps({'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))",
].join('\n');

function pytorch(row: Row): number {
  // The anchor picks OpenBLAS's core type from the CPU flags unless the environment presets one; an
  // inherited OPENBLAS_CORETYPE (some machines preset Haswell on AVX-512 CPUs) would slow PyTorch down.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  const args = ['-c', PEAK_RSS_WRAPPER, values.reference!, '--model', row.model, '--batch', values.batch!];
  args.push('--threads', values.threads!, '--sparsity', String(row.sparsity));
  const r = spawnSync(values.python!, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${values.python} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const [measured, memory] = r.stdout
    .trim()
    .split('\n')
    .slice(-2)
    .map((l) => JSON.parse(l) as Record<string, number>);
  row.pytorch_peak_rss_mb = memory.peak_rss_mb;
  return measured.ms_per_step;
}

if (!existsSync(values.reference!)) {
  console.error(`bench: the PyTorch anchor ${values.reference} does not exist (pass --reference)`);
  process.exit(2);
}
const models = values.models!.split(',');
const sparsities = values.sparsity!.split(',').map(Number);
const rounds = Number(values.rounds);
const rows: Row[] = [];
for (const model of models)
  for (const sparsity of sparsities)
    rows.push({
      model,
      sparsity,
      mode: sparsity > 0 ? values.mode! : 'dense',
      ours: [],
      pytorch: [],
      ratios: [],
      flops_ratio: flopsRatio(model, sparsity),
    });

for (let r = 0; r < rounds; r++) {
  for (const row of rows) {
    const oursFirst = r % 2 === 0;
    let o = 0;
    let p = 0;
    if (oursFirst) o = ours(row);
    p = pytorch(row);
    if (!oursFirst) o = ours(row);
    row.ours.push(o);
    row.pytorch.push(p);
    row.ratios.push(o / p);
    console.error(
      `round ${r + 1}/${rounds} ${row.model} sparsity ${row.sparsity}: ours ${o.toFixed(2)} ms, ` +
        `pytorch ${p.toFixed(2)} ms, ratio ${(o / p).toFixed(3)}`,
    );
  }
}

const cpu = cpuDescription();
const report = {
  date: new Date().toISOString(),
  cpu,
  threads: Number(values.threads),
  batch: Number(values.batch),
  rounds,
  rows: rows.map((r) => ({
    ...r,
    ours_ms: median(r.ours),
    pytorch_ms: median(r.pytorch),
    ratio_ours_over_pytorch: median(r.ratios),
    speedup_pytorch_over_ours: median(r.ratios.map((x) => 1 / x)),
  })),
};
mkdirSync(dirname(values.out!), { recursive: true });
writeFileSync(values.out! + '.tmp', JSON.stringify(report, null, 2) + '\n');
renameSync(values.out! + '.tmp', values.out!);

console.log(
  `CPU: ${cpu.model} (${cpu.cores} cores), threads ${values.threads}, batch ${values.batch}, ${rounds} rounds`,
);
console.log(
  '| model | sparsity | mode | ours ms/step | PyTorch ms/step | ours ÷ PyTorch | PyTorch ÷ ours | FLOPs sparse ÷ dense | state MiB | step peak RSS MiB | peak RSS MiB ours / PyTorch |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of report.rows)
  console.log(
    `| ${r.model} | ${r.sparsity} | ${r.mode} | ${r.ours_ms.toFixed(2)} | ${r.pytorch_ms.toFixed(2)} | ` +
      `${r.ratio_ours_over_pytorch.toFixed(3)} | ${r.speedup_pytorch_over_ours.toFixed(2)}× | ${r.flops_ratio.toFixed(3)} | ` +
      `${r.state_mb?.toFixed(2) ?? ''} | ${r.step_peak_rss_mb ?? ''} | ${r.peak_rss_mb ?? ''} / ${r.pytorch_peak_rss_mb ?? ''} |`,
  );
// How close each sparse row gets to the bound the FLOPs set: our dense step ÷ our sparse step against
// dense FLOPs ÷ sparse FLOPs (needs the model's dense row in the same run).
const dense = new Map(report.rows.filter((r) => r.sparsity === 0).map((r) => [r.model, r.ours_ms]));
const sparse = report.rows.filter((r) => r.sparsity > 0 && dense.has(r.model));
if (sparse.length) {
  console.log('\n| model | sparsity | ours dense ÷ ours sparse | FLOP bound (dense ÷ sparse) | share of the bound |');
  console.log('|---|---|---|---|---|');
  for (const r of sparse) {
    const speedup = dense.get(r.model)! / r.ours_ms;
    const bound = 1 / r.flops_ratio;
    console.log(
      `| ${r.model} | ${r.sparsity} | ${speedup.toFixed(2)}× | ${bound.toFixed(2)}× | ${((100 * speedup) / bound).toFixed(0)}% |`,
    );
  }
}
