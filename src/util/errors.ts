// Errors every layer can raise, and the one place that turns any error into the project's error line.
// A usage problem (bad input found before work starts) is one line for the user and exit code 2 at the
// command line (cli/main.ts); anything else is a failure during work: one line naming what happened and
// where, exit code 1. No stack trace reaches a user unless they ask for it (--debug).

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure during work whose message is already the user's line (a run that diverged or failed, with
 * where its directory and last good checkpoint are). */
export class RunError extends Error {
  override name = 'RunError';
}

/** What the system error codes a user can meet while a run writes or reads its files mean. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENOMEM: 'out of memory',
};

/** A file-system failure during work, naming the file and what went wrong (Node's own errors from
 * writeSync and friends do not say which file they were writing). */
export class FileError extends Error {
  override name = 'FileError';
  constructor(
    readonly path: string,
    readonly code: string,
    action: string,
  ) {
    super(`cannot ${action} ${path}: ${FILE_PROBLEMS[code] ?? code}`);
  }
}

/** The system error code of e (ENOSPC, EROFS, …), if it is a system error. */
export function errorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** Rethrow helper: a system error becomes a FileError naming `path`; anything else passes unchanged. */
export function fileError(e: unknown, action: string, path: string): unknown {
  const code = errorCode(e);
  return code && !(e instanceof FileError) ? new FileError(path, code, action) : e;
}

/** True for the errors V8 raises when an allocation cannot be satisfied. */
export function isOutOfMemory(e: unknown): boolean {
  return (
    e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length|allocation/i.test(e.message)
  );
}

/** The one line a user sees for an error (without the 'sparsetickets: ' prefix); an unexpected error (a bug)
 * also points to --debug unless `hint` is false. */
export function errorLine(e: unknown, hint = true): string {
  if (e instanceof UsageError || e instanceof FileError || e instanceof RunError) return e.message;
  if (!(e instanceof Error)) return String(e);
  const first = e.message.split('\n')[0];
  if (isOutOfMemory(e)) return `out of memory: ${first} (lower --width or --batch)`;
  const code = errorCode(e);
  const path = (e as NodeJS.ErrnoException).path;
  if (code && path) return `${path}: ${FILE_PROBLEMS[code] ?? code}`;
  return hint ? `${first} (--debug prints the stack trace)` : first;
}

/** Exit status of a command that failed with e: 2 for usage problems found before work, 1 otherwise. */
export function exitCodeOf(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}
