// Errors every layer can raise: a usage problem (bad input found before work starts) is one line for the user
// and exit code 2 at the command line (cli/main.ts); anything else is a failure during work.

export class UsageError extends Error {
  override name = 'UsageError';
}
