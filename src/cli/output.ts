// The one rule for a file a command writes where --out says: checked before any work. An input of the command
// is never its output (even with --overwrite: the command would read what it is replacing); an existing file
// is replaced only with --overwrite. The write itself goes through a temporary file and a rename.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { UsageError } from '../util/errors.js';

export const OVERWRITE_OPTION = {
  type: 'boolean',
  description: 'replace an existing --out file (never one of the inputs)',
} as const;

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Refuses `path` as the command's output when it is one of `inputs` (compared by real path), a directory,
 * or an existing file without `overwrite`. */
export function checkOutput(
  cmd: string,
  path: string,
  o: { overwrite?: boolean; inputs?: readonly string[]; flag?: string },
): void {
  const flag = o.flag ?? '--out';
  if (!existsSync(path)) return;
  const target = real(path);
  const input = (o.inputs ?? []).find((f) => existsSync(f) && real(f) === target);
  if (input !== undefined)
    throw new UsageError(`${cmd}: ${flag} ${path} is an input of this command (${input}); write to another file`);
  if (statSync(path).isDirectory()) throw new UsageError(`${cmd}: ${flag} ${path} is a directory; name a file`);
  if (!o.overwrite) throw new UsageError(`${cmd}: ${flag} ${path} exists; --overwrite replaces it`);
}
