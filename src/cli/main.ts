#!/usr/bin/env node
// The `sparsetickets` command: dispatches to one module per command. Every command's failures become one
// line here (util/errors.ts errorLine): usage errors exit with code 2 before any work starts, failures during
// work with 1. --debug (anywhere on the line) adds the stack trace.
import { UsageError } from './args.js';
import { errorLine, exitCodeOf } from '../util/errors.js';
import { benchCommand } from './commands/bench.js';
import { trainCommand } from './commands/train.js';
import { inspectCommand } from './commands/inspect.js';
import { evalCommand } from './commands/eval.js';
import { ticketCommand } from './commands/ticket.js';
import { sweepCommand } from './commands/sweep.js';
import { workerCommand } from './commands/worker.js';
import { reportCommand } from './commands/report.js';
import { reproduceCommand } from './commands/reproduce.js';
import { lotteryCommand } from './commands/lottery.js';
import { poolCommand } from './commands/pool.js';
import { ensembleCommand } from './commands/ensemble.js';
import { interpolateCommand } from './commands/interpolate.js';
import { statsCommand } from './commands/stats.js';
import { retrainCommand } from './commands/retrain.js';

interface Command {
  summary: string;
  run(argv: string[]): Promise<void> | void;
}

const COMMANDS: Record<string, Command> = {
  train: trainCommand,
  eval: evalCommand,
  bench: benchCommand,
  inspect: inspectCommand,
  ticket: ticketCommand,
  sweep: sweepCommand,
  worker: workerCommand,
  report: reportCommand,
  reproduce: reproduceCommand,
  lottery: lotteryCommand,
  pool: poolCommand,
  ensemble: ensembleCommand,
  interpolate: interpolateCommand,
  retrain: retrainCommand,
  stats: statsCommand,
};

function usage(): string {
  const lines = ['Usage: sparsetickets <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Global options:', '  --debug    on a failure, also print the stack trace');
  lines.push('', "Run 'sparsetickets <command> --help' for a command's options.");
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'; valid commands: ${Object.keys(COMMANDS).join(', ')}`);
  await command.run(rest);
  return 0;
}

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
main(argv.filter((a) => a !== '--debug')).then(
  (code) => {
    process.exitCode ??= code;
  },
  (e: unknown) => {
    process.stderr.write(`sparsetickets: ${errorLine(e)}\n`);
    // --debug: the stack of the error and of each error it wraps (a failed run's RunError wraps the failure).
    for (let x = e; debug && x instanceof Error; x = x.cause) if (x.stack) process.stderr.write(x.stack + '\n');
    process.exitCode = exitCodeOf(e);
  },
);
