// Sweeps across machines on BullMQ (Redis): the coordinator (`sweep --queue`) enqueues each run to do with job
// id = run id and collects the results the queue carries back (summary and per-epoch metrics; checkpoints, tickets
// and logs stay in the worker's runs directory, a shared file system in a cluster); workers (`worker`) train each
// job in a child process of their own (experiments/child.ts).
//
// Delivery is at least once, results are idempotent: a run writes every file to a temporary name and renames it,
// and a worker that gets a job whose run is already finished in its runs directory returns that result without
// training, so a job run twice (a false stall) leaves one result. Lock settings, for jobs of minutes to hours:
// training runs in a child, so the worker's event loop is never blocked and renews each job's lock every
// lockDuration/2 whatever the job's length; lockDuration can therefore stay short (60 s), which is how long a
// SIGKILLed worker's job waits before another worker may take it. stalledInterval (30 s) is how often workers
// look for such jobs. maxStalledCount 2: a job whose worker died twice is still retried, a third death fails it
// (a run that kills every machine it lands on — out of memory — should not go round the pool forever).
import { Queue, Worker, WaitingError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { UsageError } from '../util/errors.js';
import { resultFromDir, runState, writeResult, type RunResult } from './run_state.js';
import { signalChild, startRun, type RunningChild } from './spawn.js';
import { checkWritable, openSweep, resultLine, sweepDir, type SweepOutcome, type SweepTask } from './sweep.js';
import type { SweepPlan } from './sweep_file.js';

export const DEFAULT_QUEUE_NAME = 'sparsetickets';

export interface JobData {
  sweep: string;
  id: string;
  name: string;
  config: Record<string, unknown>;
  rerunFailed: boolean;
}

/** A redis://HOST:PORT[/DB] URL, checked; anything else is a UsageError. */
export function checkRedisUrl(url: string, what: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${what}: --queue wants redis://HOST:PORT, got '${url}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new UsageError(`${what}: --queue wants redis://HOST:PORT, got '${url}'`);
  return url;
}

/** Connects to Redis, or says in one line (UsageError, exit 2) why it cannot. */
export async function connectRedis(url: string, what: string): Promise<Redis> {
  checkRedisUrl(url, what);
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    probe.disconnect();
    const err = e as NodeJS.ErrnoException;
    throw new UsageError(
      `${what}: cannot reach Redis at ${url} (${err.code ?? err.message.split('\n')[0]}); is redis-server running there?`,
    );
  }
  probe.disconnect();
  // The long-lived connection: BullMQ's blocking commands need maxRetriesPerRequest null.
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  return conn;
}

/** Logs each distinct connection error once (ioredis reconnects by itself). */
function reportErrors(conn: Redis, log: (line: string) => void): void {
  let last = '';
  conn.on('error', (e: Error) => {
    const line = `redis: ${e.message.split('\n')[0]}`;
    if (line !== last) log(line);
    last = line;
  });
  conn.on('ready', () => (last = ''));
}

export interface QueueOptions {
  url: string;
  queueName?: string;
  runsDir: string;
  rerunFailed?: boolean;
  quiet?: boolean;
  /** Seconds between looks at the jobs' states. */
  pollSeconds?: number;
}

/** The coordinator: enqueues the runs to do, waits for every job, writes each result into runs/<sweep>/. */
export async function runOnQueue(plan: SweepPlan, tasks: SweepTask[], o: QueueOptions): Promise<SweepOutcome> {
  const dir = sweepDir(o.runsDir, plan.sweep);
  checkWritable(o.runsDir, 'sweep');
  const conn = await connectRedis(o.url, 'sweep');
  const progressLog = (line: string) => process.stderr.write(line + '\n');
  reportErrors(conn, progressLog);
  const queue = new Queue<JobData, RunResult>(o.queueName ?? DEFAULT_QUEUE_NAME, { connection: conn });
  const { manifest, results, todo, progress } = openSweep(
    dir,
    plan,
    tasks,
    `sweep ${plan.sweep} (queue)`,
    o.quiet ?? false,
  );
  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let trained = 0;
  try {
    for (const t of todo) {
      const data: JobData = {
        sweep: plan.sweep,
        id: t.run.id,
        name: t.run.name,
        config: t.run.config,
        rerunFailed: !!o.rerunFailed,
      };
      let existing = await queue.getJob(t.run.id);
      const state = existing ? await existing.getState() : undefined;
      // A job of an earlier sweep whose run failed or diverged keeps that result unless --rerun-failed.
      if (existing && state === 'completed' && o.rerunFailed && existing.returnvalue?.status !== 'completed') {
        await existing.remove();
        existing = undefined;
      }
      if (existing && state === 'failed') await existing.retry('failed');
      else if (!existing)
        await queue.add('run', data, { jobId: t.run.id, attempts: 2, backoff: { type: 'fixed', delay: 1000 } });
    }
    if (!o.quiet)
      progressLog(
        `sweep ${plan.sweep}: ${todo.length} runs on queue ${o.queueName ?? DEFAULT_QUEUE_NAME} at ${o.url}` +
          (tasks.length > todo.length ? ` (${tasks.length - todo.length} already finished)` : '') +
          '; start workers with: sparsetickets worker --queue ' +
          o.url,
      );
    const pending = new Set(todo.map((t) => t.run.id));
    const byId = new Map(todo.map((t) => [t.run.id, t]));
    while (pending.size > 0 && !stopping) {
      let active = 0;
      for (const id of [...pending]) {
        const job = await queue.getJob(id);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'active') active++;
        let r: RunResult | undefined;
        if (job && state === 'completed') r = job.returnvalue;
        else if (job && state === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1))
          r = { id, name: byId.get(id)!.run.name, status: 'error', reason: job.failedReason, trained: true };
        else if (!job)
          r = {
            id,
            name: byId.get(id)!.run.name,
            status: 'error',
            reason: 'the job was removed from the queue',
            trained: false,
          };
        if (!r) continue;
        pending.delete(id);
        const t = byId.get(id)!;
        writeResult(join(dir, t.run.name), { ...t.run.config, runsDir: dir }, r);
        results.set(id, r);
        manifest.set(r);
        manifest.write();
        trained++;
        progress.done++;
        if (r.status !== 'completed') progress.failed++;
        progress.log(resultLine(r));
      }
      progress.running = active;
      progress.draw();
      if (pending.size > 0) await new Promise((res) => setTimeout(res, (o.pollSeconds ?? 1) * 1000));
    }
    if (stopping && !o.quiet)
      progressLog(
        `sweep ${plan.sweep}: stopped waiting; ${pending.size} runs stay on the queue (the workers go on; run the sweep again to collect them)`,
      );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await queue.close();
    conn.disconnect();
  }
  return {
    sweep: plan.sweep,
    dir,
    results: plan.runs.map((r) => results.get(r.id)).filter((r): r is RunResult => r !== undefined),
    trained,
    interrupted: stopping,
  };
}

export interface WorkerOptions {
  url: string;
  queueName?: string;
  runsDir: string;
  concurrency?: number;
  threadsPerJob?: number;
  lockSeconds?: number;
  stalledSeconds?: number;
  maxStalledCount?: number;
  quiet?: boolean;
  /** Called with each line the worker prints (default: stderr). */
  log?: (line: string) => void;
}

/** A worker: takes runs off the queue until Ctrl-C (first: drain, second: stop the runs, which go back on the
 * queue with their checkpoints) or SIGTERM (as a second Ctrl-C). Resolves with the signal's exit status. */
export async function runWorker(o: WorkerOptions): Promise<number> {
  const log = o.log ?? ((line: string) => process.stderr.write(line + '\n'));
  checkWritable(o.runsDir, 'worker');
  const conn = await connectRedis(o.url, 'worker');
  reportErrors(conn, log);
  const running = new Map<string, RunningChild>();
  let stopping = 0;
  const processor = async (job: Job<JobData, RunResult>, token?: string): Promise<RunResult> => {
    const d = job.data;
    const dir = join(o.runsDir, d.sweep);
    const state = runState(join(dir, d.name), d.id);
    if (state.kind === 'clash')
      throw new Error(`${join(dir, d.name)} holds another config (run id ${state.other}); not overwritten`);
    // Already finished here (a job delivered twice): the result is the one on disk.
    if (state.kind === 'done' || (state.kind === 'failed' && !d.rerunFailed))
      return resultFromDir(join(dir, d.name), d.id, d.name, false);
    const config = { ...d.config, runsDir: dir, threads: d.config.threads ?? o.threadsPerJob ?? 1 };
    const child = startRun({ id: d.id, name: d.name, config, mode: state.kind === 'resume' ? 'resume' : 'overwrite' });
    running.set(d.id, child);
    if (!o.quiet) log(`worker: started ${d.sweep}/${d.name} (${d.id}) in process ${child.child.pid}`);
    const r = await child.result.finally(() => running.delete(d.id));
    if (r.status === 'interrupted' || (stopping > 1 && r.status === 'error')) {
      // Stopped by this worker: back on the queue, where the next worker resumes it from its checkpoint.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (r.status === 'error') throw new Error(r.reason ?? 'the run failed');
    if (!o.quiet) log(`worker: ${resultLine(r)}`);
    return r;
  };
  const worker = new Worker<JobData, RunResult>(o.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    connection: conn,
    concurrency: o.concurrency ?? 1,
    lockDuration: (o.lockSeconds ?? 60) * 1000,
    stalledInterval: (o.stalledSeconds ?? 30) * 1000,
    maxStalledCount: o.maxStalledCount ?? 2,
    autorun: false,
  });
  worker.on('error', (e) => log(`worker: ${e.message.split('\n')[0]}`));
  let exitCode = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping += signal === 'SIGINT' ? 1 : 2;
    exitCode = signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129;
    if (stopping === 1) {
      log(`worker: draining: ${running.size} running run(s) finish, no new ones (Ctrl-C again to stop them now)`);
    } else {
      log(`worker: stopping: ${running.size} run(s) save a checkpoint and go back on the queue`);
      for (const c of running.values()) signalChild(c.child, 'SIGTERM');
    }
    void worker.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  if (!o.quiet)
    log(
      `worker: taking runs from queue ${o.queueName ?? DEFAULT_QUEUE_NAME} at ${o.url}, ${o.concurrency ?? 1} at once, runs in ${o.runsDir}`,
    );
  try {
    await worker.run();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await worker.close();
    conn.disconnect();
  }
  return exitCode;
}
