#!/usr/bin/env node
// The `sparsetickets` command: dispatches to one module per command. Usage errors print one line and
// exit with code 2 before any work starts; other failures exit 1.
import { UsageError } from './args.js';
import { benchCommand } from './commands/bench.js';
import { trainCommand } from './commands/train.js';
import { inspectCommand } from './commands/inspect.js';
import { evalCommand } from './commands/eval.js';
import { ticketCommand } from './commands/ticket.js';

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
};

function usage(): string {
  const lines = ['Usage: sparsetickets <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode ??= code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`sparsetickets: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`sparsetickets: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
