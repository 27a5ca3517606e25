// `sparsetickets worker`: takes runs off a BullMQ queue (a `sweep --queue` put them there) and trains each in a
// child process of its own. See docs/GUIDE.md, "Sweeps, workers, reports, reproduce".
import { numberOption, parseCommand, UsageError, type CommandSpec } from '../args.js';
import { countOption } from '../limits.js';
import { checkRedisUrl, runWorker } from '../../experiments/queue.js';

const spec: CommandSpec = {
  name: 'worker',
  summary:
    'Train the runs of sweeps enqueued with `sparsetickets sweep FILE --queue URL`, each in a child process, into\n' +
    '--runs-dir/<sweep>/<run>/ (on a cluster, a shared file system: checkpoints, tickets and logs stay there; the\n' +
    'queue carries each run’s summary and metrics back to the sweep). A job delivered twice (a worker thought\n' +
    'dead) finds its run finished and returns that result; a SIGKILLed worker’s job goes to another worker after\n' +
    '--lock-seconds and resumes from the run’s last checkpoint. Ctrl-C: finish the running runs, take no new ones;\n' +
    'Ctrl-C again (or SIGTERM): the runs save a checkpoint and go back on the queue. A Redis that cannot be\n' +
    'reached is one line, exit 2.',
  options: {
    queue: { type: 'string', value: 'URL', description: 'redis://HOST:PORT of the queue (required)' },
    'queue-name': { type: 'string', value: 'NAME', default: 'sparsetickets', description: 'the BullMQ queue' },
    'runs-dir': {
      type: 'string',
      value: 'DIR',
      default: 'runs',
      description: 'where runs are trained (runs/<sweep>/<run>)',
    },
    concurrency: { type: 'string', value: 'N', default: '1', description: 'runs at once' },
    'threads-per-job': {
      type: 'string',
      value: 'T',
      default: '1',
      description: "threads of each run (unless the sweep sets 'threads')",
    },
    'lock-seconds': {
      type: 'string',
      value: 'S',
      default: '60',
      description: "a job's lock, renewed every S/2 while it runs; a dead worker's job is retaken after S",
    },
    'stalled-seconds': {
      type: 'string',
      value: 'S',
      default: '30',
      description: 'how often to look for the jobs of dead workers',
    },
    quiet: { type: 'boolean', description: 'print only errors' },
  },
  examples: [
    'redis-server --bind 0.0.0.0 --port 6379 --protected-mode no   # on the coordinating machine',
    'sparsetickets worker --queue redis://10.0.0.5:6379 --runs-dir /shared/runs --concurrency 2 --threads-per-job 4',
  ],
};

export const workerCommand = {
  summary: 'train the runs of queued sweeps (BullMQ on Redis) until Ctrl-C',
  async run(argv: string[]): Promise<void> {
    const v = parseCommand(spec, argv);
    if (!v) return;
    if (v.queue === undefined) throw new UsageError('worker: --queue redis://HOST:PORT is required');
    const code = await runWorker({
      url: checkRedisUrl(String(v.queue), 'worker'),
      queueName: String(v['queue-name']),
      runsDir: String(v['runs-dir']),
      concurrency: countOption('worker', v, 'concurrency'),
      threadsPerJob: countOption('worker', v, 'threads-per-job'),
      lockSeconds: numberOption('worker', v, 'lock-seconds', { min: 1 }),
      stalledSeconds: numberOption('worker', v, 'stalled-seconds', { min: 1 }),
      quiet: !!v.quiet,
    });
    process.exitCode = code;
    // Whatever a client library may leave open, a stopped worker exits.
    setTimeout(() => process.exit(code), 2000).unref();
  },
};
