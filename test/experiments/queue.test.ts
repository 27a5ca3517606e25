// Sweeps across machines on BullMQ with a real Redis (Debian's redis-server; .ci/run starts one and exports
// SPARSETICKETS_REDIS_PORT, else this test starts its own on a free loopback port): a sweep of 6 runs over 2
// workers, one worker SIGKILLed mid-run; every run ends exactly once with a result, the killed worker's child
// does not go on computing, and the report equals that of a local-pool sweep of the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { CLI, needs, runCli } from '../helpers.js';

const REDIS = '/usr/bin/redis-server';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function start(args: string[]): { p: ChildProcess; out: () => string; stdout: () => string } {
  const p = spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' });
  let out = '';
  let stdout = '';
  p.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { p, out: () => out, stdout: () => stdout };
}

const exited = (p: ChildProcess) =>
  new Promise<number | null>((res) => (p.exitCode !== null ? res(p.exitCode) : p.on('exit', (c) => res(c))));

const skip = process.env.SPARSETICKETS_REDIS_PORT ? false : needs({ files: [REDIS] });

test('a missing Redis is one line, exit 2, for worker and sweep', { skip: needs({}) }, async () => {
  const port = await freePort(); // nothing listens there
  const dir = mkdtempSync(join(tmpdir(), 'queue-missing-'));
  const w = runCli(['worker', '--queue', `redis://127.0.0.1:${port}`, '--runs-dir', join(dir, 'w')]);
  assert.equal(w.code, 2, w.stderr);
  // The client's reason varies with timing (ECONNREFUSED or "Connection is closed."): the line names the address.
  assert.match(w.stderr, /^sparsetickets: worker: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \([^)]+\)/);
  assert.equal(w.stderr.trim().split('\n').length, 1, w.stderr);
  const file = join(dir, 's.json');
  writeFileSync(
    file,
    JSON.stringify({ name: 's', base: { model: 'lenet300', dataset: 'synthetic', epochs: 1, optimizer: { lr: 0.1 } } }),
  );
  const s = runCli(['sweep', file, '--queue', `redis://127.0.0.1:${port}`, '--runs-dir', join(dir, 'c')]);
  assert.equal(s.code, 2, s.stderr);
  assert.match(s.stderr, /sweep: cannot reach Redis/);
  const bad = runCli(['worker', '--queue', 'http://x:1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--queue wants redis:\/\/HOST:PORT/);
});

test(
  '6 runs over 2 workers, one SIGKILLed mid-run: each run ends once with a result; report = local pool',
  { skip },
  async (t) => {
    let port = Number(process.env.SPARSETICKETS_REDIS_PORT ?? 0);
    let redis: ChildProcess | undefined;
    if (!port) {
      port = await freePort();
      redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      t.after(() => redis?.kill('SIGTERM'));
      await until(
        'redis',
        () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG',
        10_000,
      );
    }
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `test-${process.pid}-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const file = join(dir, 'grid.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'q',
        base: {
          model: 'lenet300',
          width: 0.25,
          dataset: 'synthetic',
          epochs: 40,
          batch: 64,
          threads: 1,
          optimizer: { lr: 0.1 },
        },
        grid: { seed: [0, 1, 2], 'sparse.method': ['static', 'rigl'] },
      }),
    );
    const shared = join(dir, 'shared'); // the workers' runs directory (a shared file system)
    const coord = join(dir, 'coordinator');
    const workerArgs = [
      'worker',
      '--queue',
      url,
      '--queue-name',
      queueName,
      '--runs-dir',
      shared,
      '--lock-seconds',
      '2',
      '--stalled-seconds',
      '1',
    ];
    const a = start(workerArgs);
    const b = start(workerArgs);
    const others: ChildProcess[] = [a.p, b.p];
    t.after(() => others.forEach((p) => p.kill('SIGKILL')));
    const sweep = start(['sweep', file, '--queue', url, '--queue-name', queueName, '--runs-dir', coord, '--json']);
    others.push(sweep.p);
    // Worker a starts a run; once that run has a checkpoint (mid-run), a is SIGKILLed.
    await until('worker a to start a run', () => /started q\/(\S+) \(r[0-9a-f]+\) in process (\d+)/.test(a.out()));
    const [, name, pid] = /started q\/(\S+) \(r[0-9a-f]+\) in process (\d+)/.exec(a.out())!;
    await until('a checkpoint', () => existsSync(join(shared, 'q', name, 'checkpoints', 'last.safetensors')));
    a.p.kill('SIGKILL');
    // Its child does not go on computing.
    await until(`the killed worker's child ${pid} to exit`, () => !alive(Number(pid)), 10_000);
    const code = await exited(sweep.p);
    assert.equal(code, 0, sweep.out());
    const result = JSON.parse(sweep.stdout()) as {
      trained: number;
      runs: { id: string; name: string; status: string }[];
    };
    assert.equal(result.runs.length, 6);
    assert.equal(new Set(result.runs.map((r) => r.id)).size, 6);
    assert.ok(
      result.runs.every((r) => r.status === 'completed'),
      JSON.stringify(result.runs),
    );
    // The killed run was finished by worker b, resuming from the checkpoint: every epoch recorded exactly once.
    assert.match(b.out(), new RegExp(`started q/${name} `));
    for (const r of result.runs) {
      const epochs = readFileSync(join(coord, 'q', r.name, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
      assert.deepEqual(
        epochs,
        Array.from({ length: 40 }, (_, i) => i + 1),
        r.name,
      );
    }
    // Each job completed once, its result carried by the queue.
    const queue = new Queue(queueName, { connection: { host: '127.0.0.1', port } });
    try {
      for (const r of result.runs) {
        const job = await queue.getJob(r.id);
        assert.equal(await job!.getState(), 'completed');
        assert.equal((job!.returnvalue as { status: string }).status, 'completed');
      }
      assert.equal(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'failed'), 0);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    b.p.kill('SIGINT');
    assert.equal(await exited(b.p), 130, b.out());
    // The report equals that of a local-pool sweep of the same file.
    const local = runCli(['sweep', file, '--runs-dir', join(dir, 'local'), '--jobs', '2', '--quiet']);
    assert.equal(local.code, 0, local.stderr);
    const report = (d: string) => {
      const r = runCli(['report', d, '--json', '--no-files']);
      assert.equal(r.code, 0, r.stderr);
      return (
        JSON.parse(r.stdout) as { rows: { config: unknown; n: number; metrics: unknown; label: unknown }[] }
      ).rows.map((x) => ({
        config: x.config,
        label: x.label,
        n: x.n,
        metrics: x.metrics,
      }));
    };
    const q = report(join(coord, 'q'));
    assert.equal(q.length, 2);
    assert.ok(q.every((r) => r.n === 3));
    assert.deepEqual(q, report(join(dir, 'local', 'q')));
  },
);
